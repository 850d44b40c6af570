"""`manage.py import_exit_package FILE.zip`: restore an exit package into an empty installation, all or
nothing, and print per table the rows and whether the restored table's checksum equals the package's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports.exit_package.restore import RestoreRefused, restore


class Command(BaseCommand):
    help = "Restore an exit package into an empty installation (all or nothing) and compare every table."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from None
        try:
            report = restore(data)
        except RestoreRefused as error:
            raise CommandError(" ".join([str(error), _("Nothing was imported.")])) from None
        width = max((len(check.table) for check in report.checks), default=10)
        self.stdout.write(f"{'table'.ljust(width)}  rows in package  rows restored  checksum")
        for check in report.checks:
            self.stdout.write(
                f"{check.table.ljust(width)}  {check.rows_in_package:>15}  {check.rows_restored:>13}  "
                f"{'equal' if check.equal else 'DIFFERENT'} {check.checksum_restored[:16]}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {report.package_id}: {len(report.checks)} tables, {report.total_rows} rows, "
                f"{report.files} uploaded files, every checksum equal."
            )
        )
