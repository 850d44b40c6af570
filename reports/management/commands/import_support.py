"""`manage.py import_support --project DNR FILE.csv` (columns orgnr, date, kind, direct)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from matchmaking.models import FundedProject
from reports.support import import_support


class Command(BaseCommand):
    help = "Import support records for a funded project from CSV, all or nothing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--project", required=True)
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        project = FundedProject.objects.filter(diarienummer=options["project"]).first()
        if project is None:
            raise CommandError(f"No funded project {options['project']!r}.")
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from None
        # Run by whoever operates the server: the command line is allowed by reports.support.may_record_support.
        result = import_support(project=project, source=data, actor=None)
        for error in result.errors:
            self.stderr.write(str(error))
        if result.errors:
            raise CommandError(f"{len(result.errors)} error(s); nothing was imported.")
        self.stdout.write(self.style.SUCCESS(f"Imported {result.created} support record(s)."))
