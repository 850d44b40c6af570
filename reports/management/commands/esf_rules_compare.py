"""`manage.py esf_rules_compare [--project DNR …] [--from YYYY-MM-DD --to YYYY-MM-DD] [--before VERSION]
[--after VERSION] [--format table|json]`

Computes every ESF+ report of the given projects (default: all) for every calendar quarter of the period
(default: from the first entry date to the last six-month date in the data) and for the whole period, under
two versions of the definitions (default: the first reading and the current one), and says how many cells
differ: in all, per indicator, and how each indicator's totals moved. For stating what a revision of the
rules changes on real or generated data; reports themselves are always computed under the current rules."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max, Min

from matchmaking.models import FundedProject, Participant
from reports.indicators import (
    ALL_CODES,
    CELLS,
    EARLIER_RULES_VERSION,
    ENTITY_CODES,
    RULES,
    RULES_VERSION,
    add_months_clamped,
    esf_report,
)


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--{name} must be a date as YYYY-MM-DD, not {value!r}.") from None


def quarters(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The calendar quarters that overlap [start, end], whole."""
    result = []
    first = dt.date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while first <= end:
        after = dt.date(first.year + (first.month == 10), (first.month + 2) % 12 + 1, 1)
        result.append((first, after - dt.timedelta(days=1)))
        first = after
    return result


def compare(projects: list[FundedProject], start: dt.date, end: dt.date, before: str, after: str) -> dict[str, Any]:
    periods = [*quarters(start, end), (start, end)]
    by_code: dict[str, dict[str, int]] = {
        code: {"cells_changed": 0, "total_before": 0, "total_after": 0} for code in ALL_CODES
    }
    notes_after: dict[str, int] = {}
    compared = changed = reports = reports_changed = 0
    for project in projects:
        for period_start, period_end in periods:
            old = esf_report(project, period_start, period_end, RULES[before])
            new = esf_report(project, period_start, period_end, RULES[after])
            reports += 1
            report_changed = False
            for code in ALL_CODES:
                cells = ("total",) if code in ENTITY_CODES else CELLS
                for cell in cells:
                    compared += 1
                    if old.indicators[code][cell] != new.indicators[code][cell]:
                        changed += 1
                        report_changed = True
                        by_code[code]["cells_changed"] += 1
                by_code[code]["total_before"] += old.indicators[code]["total"]
                by_code[code]["total_after"] += new.indicators[code]["total"]
            reports_changed += report_changed
            if (period_start, period_end) == (start, end):
                for name, count in new.notes.items():
                    notes_after[name] = notes_after.get(name, 0) + count
    return {
        "rules_before": before,
        "rules_after": after,
        "projects": [p.diarienummer for p in projects],
        "from": start.isoformat(),
        "to": end.isoformat(),
        "reports": reports,
        "reports_with_a_change": reports_changed,
        "cells_compared": compared,
        "cells_changed": changed,
        "by_indicator": {code: values for code, values in by_code.items() if values["cells_changed"]},
        "notes_after_whole_period": notes_after,
    }


class Command(BaseCommand):
    help = "Count the ESF+ report cells that differ between two versions of the definitions."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--project", action="append", default=[], help="a project's reference number")
        parser.add_argument("--from", dest="start")
        parser.add_argument("--to", dest="end")
        parser.add_argument("--before", default=EARLIER_RULES_VERSION, choices=sorted(RULES))
        parser.add_argument("--after", default=RULES_VERSION, choices=sorted(RULES))
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        projects = list(FundedProject.objects.order_by("diarienummer"))
        if options["project"]:
            projects = [p for p in projects if p.diarienummer in options["project"]]
            missing = set(options["project"]) - {p.diarienummer for p in projects}
            if missing:
                raise CommandError(f"No funded project {', '.join(sorted(missing))}.")
        span = Participant.objects.filter(project__in=projects).aggregate(
            first=Min("entry_date"), last_exit=Max("exit_date"), last_entry=Max("entry_date")
        )
        start = _date(options["start"], "from") if options["start"] else span["first"]
        last_exit = span["last_exit"]
        last = max(
            [day for day in (span["last_entry"], last_exit and add_months_clamped(last_exit, 6)) if day], default=None
        )
        end = _date(options["end"], "to") if options["end"] else last
        if start is None or end is None:
            raise CommandError("No participants: give --from and --to.")
        if end < start:
            raise CommandError("--to must be on or after --from.")
        result = compare(projects, start, end, options["before"], options["after"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"Rules {result['rules_before']} → {result['rules_after']}, {len(projects)} project(s), "
            f"{result['from']} – {result['to']}: {result['reports']} reports (each quarter and the whole period)"
        )
        self.stdout.write(
            f"cells changed: {result['cells_changed']} of {result['cells_compared']}; "
            f"reports with a change: {result['reports_with_a_change']}"
        )
        self.stdout.write(f"{'code':8} {'cells':>6} {'total before':>13} {'total after':>12}")
        for code, values in result["by_indicator"].items():
            self.stdout.write(
                f"{code:8} {values['cells_changed']:>6} {values['total_before']:>13} {values['total_after']:>12}"
            )
        self.stdout.write(
            f"warnings under {result['rules_after']} (whole period): {result['notes_after_whole_period']}"
        )
