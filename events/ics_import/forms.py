"""The import form: whose events, and the calendar file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.access import Actor
from directory.models import Organisation
from events.ics_import.services import MAX_BYTES


class IcsImportForm(forms.Form):
    organiser = forms.ModelChoiceField(
        label=_("Organiser"), queryset=Organisation.objects.none(), to_field_name="code", empty_label=None
    )
    file = forms.FileField(
        label=_("Calendar file (.ics)"),
        help_text=_("Export the calendar from your calendar program as an .ics file, at most 1 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".ics,text/calendar"}),
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = Organisation.objects.editable_by(actor).order_by("name")

    def content(self) -> bytes:
        """The file's bytes, at most one more than the import allows (so a larger file is refused, not read)."""
        upload = self.cleaned_data["file"]
        upload.seek(0)
        return bytes(upload.read(MAX_BYTES + 1))
