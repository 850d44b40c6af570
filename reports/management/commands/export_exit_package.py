"""`manage.py export_exit_package --out FILE.zip`: the same exit package a coordinator downloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kernel.audit import audit_log
from reports.exit_package import build_package, new_package_id
from reports.exit_package.package import TABLES_DIR


class Command(BaseCommand):
    help = "Write the exit package (E-ARK SIP as ZIP: every table, manifest, METS) to a file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", required=True, help="the ZIP file to write")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, choices=["sv", "en"])
        parser.add_argument(
            "--submission-agreement",
            default=None,
            help="the archive's submission agreement reference (default: EXIT_PACKAGE_SUBMISSION_AGREEMENT)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        content, summary = build_package(
            package_id=new_package_id(),
            language=options["language"],
            submission_agreement=options["submission_agreement"],
        )
        try:
            out.write_bytes(content)
        except OSError as error:
            raise CommandError(f"Cannot write {out}: {error}") from None
        # Run by whoever operates the server; the audit log records that the data left the installation.
        audit_log(actor=None, action="exit_package.export", data={"package_id": summary["package_id"]})
        tables = {
            path: rows
            for path, rows in summary["files"].items()
            if path.startswith(TABLES_DIR) and "/" not in path[len(TABLES_DIR) :] and rows is not None
        }
        self.stdout.write(f"{summary['package_id']}: {len(tables)} tables, {sum(tables.values())} rows")
        for path, rows in tables.items():
            self.stdout.write(f"  {Path(path).stem}: {rows}")
        self.stdout.write(self.style.SUCCESS(f"Wrote {out} ({len(content)} bytes)."))
