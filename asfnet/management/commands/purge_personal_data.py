"""`manage.py purge_personal_data [--dry-run] [--language sv|en]`

Applies every retention policy now (the daily beat task does the same) and prints, per policy, how many
people or objects were erased and how many rows went with them. `--dry-run` erases nothing and prints what
would be erased."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from asfnet.processing import processing, purge_personal_data
from kernel.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = "Erase the personal data whose retention period has passed (the privacy page states each policy)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="erase nothing; print what would be erased")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        if dry_run:
            self.stdout.write(_("Dry run: nothing is erased."))
        for key, erased in purge_personal_data(dry_run=dry_run).items():
            rows = sum(item.rows for item in erased)
            count = ngettext("%(count)s erased", "%(count)s erased", len(erased)) % {"count": len(erased)}
            self.stdout.write(
                ngettext("%(policy)s: %(erased)s (%(rows)s row)", "%(policy)s: %(erased)s (%(rows)s rows)", rows)
                % {"policy": processing(key).name, "erased": count, "rows": rows}
            )
