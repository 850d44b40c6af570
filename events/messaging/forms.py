"""The organiser's message to a group of registered people."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import EventMessage, MessageGroup


class MessageForm(forms.ModelForm):
    group = forms.ChoiceField(label=_("To"), choices=MessageGroup.choices, widget=forms.RadioSelect)

    class Meta:
        model = EventMessage
        fields = ["group", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args: Any, approval: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not approval:
            self.fields["group"].choices = [c for c in MessageGroup.choices if c[0] != MessageGroup.AWAITING_APPROVAL]
        self.fields["body"].help_text = _(
            "Sent to each person by e-mail, with a greeting and the event's details in their language."
        )

    def message_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
