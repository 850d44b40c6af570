"""Forms for the agreements registry."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory.models import Organisation
from kernel.forms import DecimalField
from matchmaking.agreements.models import Agreement, AgreementKind
from matchmaking.agreements.services import AGREEMENT_DOCUMENT_MAX_BYTES, check_pdf


class PdfField(forms.FileField):
    """A PDF judged by its content (matchmaking.agreements.services.check_pdf), whatever it is called."""

    widget = forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"})

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload:
            check_pdf(upload, size=upload.size)
        return upload


def _document_help() -> str:
    return gettext("A PDF file, at most %(mb)s MB.") % {"mb": AGREEMENT_DOCUMENT_MAX_BYTES // (1024 * 1024)}


class AgreementForm(forms.ModelForm):
    organisation = forms.ModelChoiceField(
        label=_("Your organisation (a party)"), queryset=Organisation.objects.none(), to_field_name="code"
    )
    other_parties = forms.ModelMultipleChoiceField(
        label=_("Other parties"),
        queryset=Organisation.objects.none(),
        to_field_name="code",
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    document = PdfField(label=_("Agreement document (optional)"), required=False)

    class Meta:
        model = Agreement
        fields = ["kind", "title", "starts_on", "ends_on", "value_sek", "note"]
        field_classes = {"value_sek": DecimalField}  # "1 250 000,50" in Swedish
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"value_sek": _("Optional. The agreement's total value in kronor.")}

    def __init__(self, *args: Any, organisations: Any, parties: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["organisation", "other_parties", "kind", "title"])
        self.fields["organisation"].queryset = organisations
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first().code
        self.fields["other_parties"].queryset = parties
        self.fields["document"].help_text = _document_help()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        own = data.get("organisation")
        others = [o for o in data.get("other_parties") or [] if o != own]
        if own is not None and "other_parties" in data and not others:
            self.add_error("other_parties", _("Choose at least one other party."))
        data["other_parties"] = others
        return data


class AgreementDocumentForm(forms.Form):
    document = PdfField(label=_("Add a document"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].help_text = _document_help()


class AgreementFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of agreement"), required=False, choices=[("", _("All kinds")), *AgreementKind.choices]
    )
