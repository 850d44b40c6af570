"""The form of the förbund's settings page. It only parses input; the rules (the organisation number's check
digit, the telephone number's form, the personnummer guard) are the model's, checked once by the service's
full_clean, whose errors the view puts back on the fields (kernel.forms.submit)."""

from __future__ import annotations

from typing import Any

from django import forms

from directory.forbund.models import Forbund

# What the förbund's coordinators may change. Not the identifier, the host name, the municipalities or the
# coordinators: the platform operator sets those in the Django admin (directory/admin.py). The form lists its
# fields, so extra POST fields (`host=…`, `coordinators=…`) are never read (docs/security-checks.md C15).
FIELDS = (
    "name",
    "short_name",
    "orgnr",
    "intro_sv",
    "intro_en",
    "contact_email",
    "contact_phone",
    "dpo_email",
    "accessibility_email",
    "accessibility_assessed_on",
    "show_national_events",
)


class ForbundSettingsForm(forms.ModelForm):
    class Meta:
        model = Forbund
        fields = FIELDS
        widgets = {
            "accessibility_assessed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "intro_sv": forms.Textarea(attrs={"rows": 4}),
            "intro_en": forms.Textarea(attrs={"rows": 4}),
            "contact_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def _post_clean(self) -> None:
        """The service validates (full_clean) and saves; the form leaves the instance untouched (it is the
        request's förbund, read from the shared registry)."""

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in FIELDS if name in self.cleaned_data}
