"""`manage.py import_organisations FILE.csv [--partial] [--dry-run] [--language sv|en]`

Creates or updates organisations from a CSV file (columns: docs/import-organisations.md). Prints one line
per problem (`row 3, kommunkod: …`) and a summary. Exit status: 0 when every row was fine, 1 when there
were errors and nothing was saved, 2 when `--partial` saved the valid rows and skipped others."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory.import_export.imports import organisation_import
from kernel.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = "Create or update organisations from a CSV file (see docs/import-organisations.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV file, UTF-8, comma- or semicolon-separated")
        parser.add_argument("--partial", action="store_true", help="save the valid rows, report the others")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report; save nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            message = _("Cannot read %(file)s: %(reason)s") % {"file": path, "reason": error.strerror}
            raise CommandError(message) from None
        report = organisation_import(
            actor=None, rows_or_file=data, partial=options["partial"], dry_run=options["dry_run"]
        )
        for error in report.errors:
            self.stderr.write(str(error))
        if report.dry_run:
            self.stdout.write(_("Dry run: %(summary)s Nothing was saved.") % {"summary": report.summary()})
        elif report.saved:
            self.stdout.write(self.style.SUCCESS(report.summary()))
        else:
            self.stdout.write(report.summary())
        if report.errors and not report.saved:
            raise CommandError(
                ngettext(
                    "%(count)s problem; nothing was saved.",
                    "%(count)s problems; nothing was saved.",
                    len(report.errors),
                )
                % {"count": len(report.errors)},
                returncode=1,
            )
        if report.errors:
            raise CommandError(
                ngettext(
                    "%(count)s row was skipped because of errors.",
                    "%(count)s rows were skipped because of errors.",
                    report.failed_rows,
                )
                % {"count": report.failed_rows},
                returncode=2,
            )
