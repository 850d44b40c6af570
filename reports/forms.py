from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from matchmaking.models import FundedProject
from reports.models import ReportKind


class ReportRunForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    project = forms.ModelChoiceField(
        label=_("Funded project"), queryset=FundedProject.objects.all(), required=False, to_field_name="diarienummer"
    )
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
