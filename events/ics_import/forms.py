"""The import form: whose events, and the calendar: a file or its address (one of them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from directory.access import Actor
from directory.models import Organisation
from events.ics_import.services import MAX_BYTES
from kernel.fetch import MAX_URL_LENGTH


class IcsImportForm(forms.Form):
    organiser = forms.ModelChoiceField(
        label=_("Organiser"), queryset=Organisation.objects.none(), to_field_name="code", empty_label=None
    )
    file = forms.FileField(
        label=_("Calendar file (.ics)"),
        required=False,
        help_text=_("Export the calendar from your calendar program as an .ics file, at most 1 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".ics,text/calendar"}),
    )
    # A CharField, not a URLField: Django's URL check refuses webcal://, the address most calendar programs
    # give. The service (kernel.fetch) checks the address, before and after every redirect.
    url = forms.CharField(
        label=_("Or the calendar's address"),
        required=False,
        max_length=MAX_URL_LENGTH,
        help_text=_(
            "The calendar's public or secret iCal address, starting with https:// or webcal:// (in Google "
            "Calendar: “Secret address in iCal format”; in Outlook: “Publish calendar”, the ICS link)."
        ),
        widget=forms.URLInput(attrs={"inputmode": "url", "autocomplete": "url"}),
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = Organisation.objects.editable_by(actor).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_file, has_url = bool(data.get("file")), bool((data.get("url") or "").strip())
        if not has_file and not has_url and not self.has_error("file") and not self.has_error("url"):
            raise ValidationError(_("Choose a calendar file or give the calendar's address."))
        if has_file and has_url:
            raise ValidationError(_("Give either a calendar file or an address, not both."))
        return data

    def source_field(self) -> str:
        """The field the calendar came from, where the import's refusals are shown."""
        return "url" if (self.cleaned_data.get("url") or "").strip() else "file"

    def content(self) -> bytes:
        """The file's bytes, at most one more than the import allows (so a larger file is refused, not read)."""
        upload = self.cleaned_data["file"]
        upload.seek(0)
        return bytes(upload.read(MAX_BYTES + 1))
