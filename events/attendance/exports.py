"""The attendance list of one event as CSV or XLSX for its organiser, written by kernel/tabular.py: cells a
spreadsheet would run as a formula (starting with = + - @, tab or CR) are prefixed with a single quote
(docs/security-checks.md E28)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event, EventQuestion, Registration
from kernel import tabular

FORMATS = tabular.CONTENT_TYPES


def _header(questions: list[EventQuestion]) -> list[str]:
    return [
        _("Name"),
        _("E-mail"),
        _("Organisation"),
        _("Organisation type"),
        _("Attendance"),
        _("Checked in"),
        _("Dietary needs"),
        _("Accessibility needs"),
        _("Registered"),
        *(question.label for question in questions),
    ]


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def attendance_rows(registrations: list[Registration], questions: list[EventQuestion]) -> Iterator[list[str]]:
    """The header, then one row per registration, with a column per question of the event (in the reader's
    language); every cell text, not yet neutralised."""
    yield _header(questions)
    for r in registrations:
        organisation = r.organisation
        answers = {answer.question_id: answer.value for answer in r.answers.all()}
        yield [
            r.display_name,
            r.email or "",
            organisation.name if organisation else "",
            organisation.get_kind_display() if organisation else "",
            r.get_attendance_display(),
            _when(r.checked_in_at),
            r.dietary_needs,
            r.accessibility_needs,
            _when(r.created_at),
            *(q.display(answers[q.pk]) if q.pk in answers else "" for q in questions),
        ]


def csv_bytes(registrations: list[Registration], questions: list[EventQuestion]) -> bytes:
    header, *rows = attendance_rows(registrations, questions)
    return tabular.write_csv(header, rows)


def xlsx_bytes(registrations: list[Registration], questions: list[EventQuestion]) -> bytes:
    header, *rows = attendance_rows(registrations, questions)
    return tabular.write_xlsx(header, rows, title=_("Attendance"))


def export_bytes(registrations: list[Registration], fmt: str, questions: list[EventQuestion] | None = None) -> bytes:
    questions = questions or []
    return csv_bytes(registrations, questions) if fmt == "csv" else xlsx_bytes(registrations, questions)


def export_filename(event: Event, fmt: str) -> str:
    return f"attendance-{timezone.localtime(event.start):%Y-%m-%d}-{str(event.code)[:8]}.{fmt}"
