"""`manage.py esf_indicators --project DNR --from YYYY-MM-DD --to YYYY-MM-DD [--format json|table]
[--language sv|en]`: the figures under the current definitions. The JSON keeps its shape (project, from, to,
indicators, warnings); `warnings` says what the report is (the project's own monitoring figures, …) and what
its data call for, in the chosen language."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import CommandError

from kernel.commands import TranslatedCommand
from matchmaking.models import FundedProject
from reports.indicators import CELLS, esf_report


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--{name} must be a date as YYYY-MM-DD, not {value!r}.") from None


class Command(TranslatedCommand):
    language_help = "language of the warnings (default: the active language)"
    help = "Print the ESF+ common indicators of a funded project for a period."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--project", required=True, help="The project's reference number, e.g. 23-051-S06")
        parser.add_argument("--from", dest="start", required=True)
        parser.add_argument("--to", dest="end", required=True)
        parser.add_argument("--format", choices=["json", "table"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        start = _date(options["start"], "from")
        end = _date(options["end"], "to")
        if end < start:
            raise CommandError("--to must be on or after --from.")
        project = FundedProject.objects.filter(diarienummer=options["project"]).first()
        if project is None:
            raise CommandError(f"No funded project {options['project']!r}.")
        report = esf_report(project, start, end)
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{'code':8} " + " ".join(f"{c:>10}" for c in CELLS))
        for code, cells in report.as_json()["indicators"].items():
            self.stdout.write(f"{code:8} " + " ".join(f"{cells.get(c, ''):>10}" for c in CELLS))
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
