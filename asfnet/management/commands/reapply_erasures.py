"""`manage.py reapply_erasures [--journal FILE] [--dry-run] [--language sv|en]`

After a backup is restored (`make restore` runs it): erase again what the erasure journal's file copy
(settings.ERASURE_JOURNAL_FILE, outside the database) says was erased, for every target the restored database
holds again, and put back the journal rows the database lost. Running it twice changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from asfnet.processing import reapply_erasures
from kernel.commands import TranslatedCommand
from kernel.erasure import read_journal_file


class Command(TranslatedCommand):
    help = "Erase again, after a restore, what the erasure journal's file copy says was erased."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--journal", type=Path, default=None, help="the journal file (default: the setting)")
        parser.add_argument("--dry-run", action="store_true", help="erase nothing; check the journal file")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["journal"] or (
            Path(settings.ERASURE_JOURNAL_FILE) if settings.ERASURE_JOURNAL_FILE else None
        )
        if path is None:
            raise CommandError(_("No erasure journal file: set ERASURE_JOURNAL_FILE or give --journal."))
        if not path.exists():
            self.stdout.write(_("No erasure journal at %(file)s: nothing to erase again.") % {"file": path})
            return
        try:
            result = reapply_erasures(entries=read_journal_file(path), dry_run=options["dry_run"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _(
                "%(entries)s journal entries read; %(erased)s erased again (%(rows)s rows); "
                "%(journalled)s journal rows put back."
            )
            % {
                "entries": result.entries,
                "erased": result.erased,
                "rows": result.rows,
                "journalled": result.journalled,
            }
        )
