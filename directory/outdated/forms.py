from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.models import OutdatedReport
from kernel.identifiers import refuse_personnummer


class OutdatedReportForm(forms.Form):
    what_is_wrong = forms.CharField(
        label=_("What is wrong or out of date?"),
        help_text=_("For example a new address, a phone number that no longer works, or services no longer offered."),
        max_length=OutdatedReport._meta.get_field("what_is_wrong").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        validators=[refuse_personnummer],
    )
    contact_email = forms.EmailField(
        label=_("Your e-mail (optional)"),
        help_text=_("Only if you want the organisation to be able to ask you something. You do not have to give it."),
        required=False,
        validators=[refuse_personnummer],
    )
    # A honeypot: hidden from people (the template puts it in a `hidden` block), filled in by form-filling bots.
    homepage = forms.CharField(label=_("Leave this field empty"), required=False)

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("homepage"))


class OutdatedReportCloseForm(forms.Form):
    note = forms.CharField(
        label=_("What was done (optional)"),
        max_length=OutdatedReport._meta.get_field("close_note").max_length,
        required=False,
        validators=[refuse_personnummer],
    )
