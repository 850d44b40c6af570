"""Forms of the organisation profile's upkeep: the logo (judged by its content, directory/profile/logos.py),
certifications, their evidence and the coordinators' decision on it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from directory.models import Certification, CertificationKind
from directory.profile.logos import reencode_logo
from directory.profile.services import evidence_check


class LogoForm(forms.Form):
    """One file, judged by its content (directory.profile.logos); the re-encoded PNG is in cleaned_data["png"]."""

    logo = forms.FileField(label=_("Logo"), widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["logo"].help_text = _(
            "PNG, JPEG or WebP, at most %(mb)s MB. It is shown at most 512 × 512 pixels."
        ) % {"mb": f"{settings.LOGO_MAX_BYTES / (1024 * 1024):g}"}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        upload = cleaned.get("logo")
        if upload is not None:
            try:
                cleaned["png"] = reencode_logo(upload, size=upload.size)
            except ValidationError as error:
                self.add_error("logo", error)
        return cleaned


class CertificationForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["kind", "name", "valid_until"]
        widgets = {"valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("kind") and cleaned["kind"] != CertificationKind.OTHER:
            cleaned["name"] = ""
        return cleaned


class EvidenceForm(forms.Form):
    """The evidence of a certification: one PDF, judged by its content (kernel.uploads.validate_pdf)."""

    evidence = forms.FileField(
        label=_("Evidence (PDF)"), widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = _("The certificate or decision, as one PDF file of at most %(mb)s MB.") % {
            "mb": f"{settings.CERTIFICATION_EVIDENCE_MAX_BYTES / (1024 * 1024):g}"
        }

    def clean_evidence(self) -> Any:
        upload = self.cleaned_data["evidence"]
        evidence_check(upload, size=upload.size)
        return upload


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REFUSE = "refuse", _("Refuse")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason for refusal"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when you refuse. The organisation's members read it."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("decision") == Decision.REFUSE and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say why the certification is refused."))
        return cleaned
