"""The recurrence form: how often, until when, and how many places on each date."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import EventSeries
from events.series import rules
from kernel.identifiers import refuse_personnummer

FREQUENCIES = [
    (rules.WEEKLY, _("Every week (or every few weeks) on the same weekday")),
    (rules.MONTHLY_WEEKDAY, _("Every month on the same weekday (e.g. the second Tuesday)")),
    (rules.MONTHLY_DATE, _("Every month on the same date")),
]


class SeriesForm(forms.Form):
    name = forms.CharField(label=_("Name of the series"), max_length=200, validators=[refuse_personnummer])
    frequency = forms.ChoiceField(label=_("How often"), choices=FREQUENCIES, widget=forms.RadioSelect)
    interval = forms.IntegerField(label=_("Every how many weeks or months"), min_value=1, max_value=12, initial=1)
    until = forms.DateField(
        label=_("Last date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Give the last date or the number of dates."),
    )
    count = forms.IntegerField(label=_("Number of dates"), required=False, min_value=1, max_value=rules.MAX_DATES)
    capacity = forms.IntegerField(
        label=_("Number of places on each date"),
        required=False,
        min_value=1,
        max_value=100_000,
        help_text=_("Leave empty for no limit."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (cleaned.get("until") is None) == (cleaned.get("count") is None) and not self.errors:
            raise forms.ValidationError(_("Give either the last date or the number of dates, not both."))
        return cleaned

    def series_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    @classmethod
    def initial_for(cls, series: EventSeries) -> dict[str, Any]:
        """The form as the series' stored rule reads (frequency, interval, until or count)."""
        parts = dict(part.split("=", 1) for part in series.rrule.removeprefix("RRULE:").split(";") if "=" in part)
        if parts.get("FREQ") == "WEEKLY":
            frequency = rules.WEEKLY
        elif "BYMONTHDAY" in parts:
            frequency = rules.MONTHLY_DATE
        else:
            frequency = rules.MONTHLY_WEEKDAY
        initial: dict[str, Any] = {
            "name": series.name,
            "frequency": frequency,
            "interval": int(parts.get("INTERVAL", 1)),
            "capacity": series.capacity,
        }
        if "COUNT" in parts:
            initial["count"] = int(parts["COUNT"])
        elif "UNTIL" in parts:
            initial["until"] = f"{parts['UNTIL'][:4]}-{parts['UNTIL'][4:6]}-{parts['UNTIL'][6:8]}"
        return initial


class SkipForm(forms.Form):
    date = forms.DateField(widget=forms.HiddenInput)
