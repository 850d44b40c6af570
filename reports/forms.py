from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.models import Organisation
from kernel import tabular
from kernel.identifiers import normalise_orgnr
from matchmaking.models import FundedProject
from reports.models import ReportKind, SupportKind


def _project_field(**options: Any) -> forms.ModelChoiceField:
    """A funded project, chosen (and in a URL, named) by its diarienummer."""
    return forms.ModelChoiceField(
        label=_("Funded project"), queryset=FundedProject.objects.all(), to_field_name="diarienummer", **options
    )


class _InForbund(forms.Form):
    """A form with a `project` field: only the projects of the förbund the coordinator acts in are choices (a
    forged other diarienummer is "not one of the available choices")."""

    def __init__(self, *args: Any, projects: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]


class ReportRunForm(_InForbund):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    project = _project_field(required=False, help_text=_("The exit package needs no project and no period."))
    period_from = forms.DateField(
        label=_("From (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_to = forms.DateField(
        label=_("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    suppress_small_cells = forms.BooleanField(
        label=_("Hide cells below 5 (for publication, never for the funder)"), required=False
    )

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and end < start:
            self.add_error("period_to", _("The period must end on or after its start."))
        if start and start < dt.date(2000, 1, 1):
            self.add_error("period_from", _("Choose a date from 2000 onwards."))
        return data


class SupportFilterForm(_InForbund):
    project = _project_field(required=False, empty_label=_("All projects"))


class SupportRecordForm(_InForbund):
    """A coordinator records support to one organisation, named by its organisation number."""

    project = _project_field()
    orgnr = forms.CharField(
        label=_("Organisation number"),
        max_length=20,
        help_text=_("As NNNNNN-NNNN. The organisation must be in the directory."),
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind of support"), choices=SupportKind.choices)
    direct = forms.BooleanField(
        label=_("Direct support to the organisation"),
        required=False,
        initial=True,
        help_text=_("Only direct support counts in the entity indicators EECO18 and EECO19."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_orgnr(self) -> str:
        orgnr = normalise_orgnr(self.cleaned_data["orgnr"])
        organisation = Organisation.objects.filter(orgnr=orgnr).first()
        if organisation is None:
            raise forms.ValidationError(_("No organisation with this number is in the directory."))
        self.cleaned_data["organisation"] = organisation
        return orgnr

    def clean_date(self) -> dt.date:
        day = self.cleaned_data["date"]
        if day < dt.date(2000, 1, 1) or day > dt.date.today() + dt.timedelta(days=366):
            raise forms.ValidationError(_("Choose a date between 2000 and next year."))
        return day

    def record_data(self) -> dict[str, Any]:
        """The arguments of reports.support.support_record_create."""
        data = self.cleaned_data
        fields = {name: data[name] for name in ("date", "kind", "direct", "note")}
        return {"project": data["project"], "organisation": data["organisation"], "data": fields}


class SupportImportForm(_InForbund):
    project = _project_field()
    file = tabular.UploadField(
        label=_("CSV file"),
        help_text=tabular.upload_help(
            _("Columns orgnr, date (YYYY-MM-DD), kind and direct (true or false); UTF-8; at most %(size)s MB.")
        ),
    )

    def clean_file(self) -> bytes:
        return self.cleaned_data["file"].read()
