"""The organiser's decision on a registration that awaits approval."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.identifiers import refuse_personnummer

DECISIONS = [("accept", _("Accept")), ("refuse", _("Refuse"))]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    message = forms.CharField(
        label=_("Message to the person (optional)"),
        required=False,
        max_length=2000,
        validators=[refuse_personnummer],
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Sent with the decision by e-mail."),
    )
