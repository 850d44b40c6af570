"""The attendance sheet and self check-in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import Attendance, Registration


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in code"),
        max_length=16,
        help_text=_("The six characters shown at the event."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


MARKABLE = [
    (Attendance.PRESENT, Attendance.PRESENT.label),
    (Attendance.ABSENT, Attendance.ABSENT.label),
    (Attendance.EXCUSED, Attendance.EXCUSED.label),
]


class AttendanceForm(forms.Form):
    """One radio group per confirmed registration, named `attendance-<registration code>`."""

    def __init__(self, *args: Any, registrations: list[Registration], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registrations = registrations
        for registration in registrations:
            self.fields[self.field_name(registration)] = forms.ChoiceField(
                label=registration.display_name,
                choices=[(Attendance.UNKNOWN, Attendance.UNKNOWN.label), *MARKABLE],
                required=False,
                initial=registration.attendance,
                widget=forms.RadioSelect,
            )

    @staticmethod
    def field_name(registration: Registration) -> str:
        return f"attendance-{registration.code}"

    def rows(self) -> list[tuple[Registration, forms.BoundField]]:
        return [(r, self[self.field_name(r)]) for r in self.registrations]

    def changes(self) -> list[tuple[Registration, str]]:
        """(registration, new value) for every row whose value was given and differs from the stored one."""
        changed = []
        for registration in self.registrations:
            value = self.cleaned_data.get(self.field_name(registration))
            if value and value != registration.attendance:
                changed.append((registration, value))
        return changed
