"""Answering, starting and ending a placement: forms that only parse input (matchmaking/forms.py says how the rules are
checked and why every form lists its fields)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from matchmaking.forms import DATE
from matchmaking.models import (
    OutcomeEvent,
)


# --- The pipeline -------------------------------------------------------------------------------------------
class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why can you not take this person?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The officer sees this. Never a name or personal identity number."),
    )


class StartForm(forms.Form):
    started_on = forms.DateField(label=_("Started on"), widget=DATE)
    start_early = forms.BooleanField(
        label=_("Yes, the placement started before the person's earliest start date"), required=False
    )

    def __init__(self, *args: Any, earliest_start: dt.date | None = None, confirm_early: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["started_on"].initial = timezone.localdate()
        if earliest_start is not None:
            self.fields["started_on"].help_text = _("The person can start on %(date)s at the earliest.") % {
                "date": date_format(earliest_start, "DATE_FORMAT")
            }
        if not confirm_early:  # asked only after the service has warned about an early start
            del self.fields["start_early"]


class EndForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DATE)
    note = forms.CharField(label=_("Note (optional)"), max_length=300, required=False)
    outcome = forms.ChoiceField(
        label=_("The person's situation afterwards"),
        # An improved situation needs its criterion: recorded on the participant's page, not here.
        choices=[
            ("", _("Choose the situation")),
            *((v, label) for v, label in OutcomeEvent.choices if v != OutcomeEvent.IMPROVED),
        ],
        help_text=_(
            "Needed for the funder's results: the situation when the placement ends. An improved situation is "
            "recorded on the participant's page, with what improved."
        ),
    )

    def __init__(self, *args: Any, with_outcome: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = timezone.localdate()
        if not with_outcome:
            del self.fields["outcome"]  # only the raising officer records outcomes
