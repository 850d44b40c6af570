"""Restore an exit package into an empty installation (`manage.py import_exit_package`).

Refused when the target holds any row beyond the reference data its migrations seed (municipalities, the
service taxonomy): the package's reference rows replace those. Every file's SHA-256 is checked against the
manifest before anything is written; then, in one transaction, the tables are loaded in the manifest's
dependency order with their primary keys, foreign-key checks deferred to the commit (a table that refers to
itself loads in one go), the PostgreSQL sequences are reset past the highest key and the uploaded files are
stored under their names (a file already there must be the same). Any error rolls
everything back. Last, every table is exported again and compared with the package: same rows, same
checksum."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.utils.translation import gettext as _

from kernel.audit import audit_log
from reports.exit_package import tables
from reports.exit_package.package import FILES_DIR, MANIFEST


class RestoreRefused(Exception):
    """The package cannot be restored here; the message says why in plain words."""


@dataclass
class TableCheck:
    table: str
    rows_in_package: int
    rows_restored: int
    checksum_in_package: str
    checksum_restored: str

    @property
    def equal(self) -> bool:
        return self.rows_in_package == self.rows_restored and self.checksum_in_package == self.checksum_restored


@dataclass
class RestoreReport:
    package_id: str
    checks: list[TableCheck] = field(default_factory=list)
    files: int = 0

    @property
    def all_equal(self) -> bool:
        return all(check.equal for check in self.checks)

    @property
    def total_rows(self) -> int:
        return sum(check.rows_restored for check in self.checks)


def _open(data: bytes) -> tuple[zipfile.ZipFile, str, dict[str, Any]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise RestoreRefused(_("The file is not a ZIP archive.")) from error
    roots = {name.split("/", 1)[0] for name in archive.namelist()}
    if len(roots) != 1:
        raise RestoreRefused(_("The archive must hold exactly one package folder."))
    root = roots.pop()
    try:
        manifest = json.loads(archive.read(f"{root}/{MANIFEST}"))
    except (KeyError, ValueError) as error:
        raise RestoreRefused(_("The package has no readable manifest (%(path)s).") % {"path": MANIFEST}) from error
    return archive, root, manifest


def verify(archive: zipfile.ZipFile, root: str, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is in the archive with its size and SHA-256."""
    for item in manifest.get("files", []):
        try:
            content = archive.read(f"{root}/{item['path']}")
        except KeyError as error:
            raise RestoreRefused(_("The package lacks %(path)s.") % {"path": item["path"]}) from error
        if len(content) != item["size"] or hashlib.sha256(content).hexdigest() != item["sha256"]:
            raise RestoreRefused(_("The checksum of %(path)s does not match the manifest.") % {"path": item["path"]})


def _models_by_table() -> dict[str, type[models.Model]]:
    return {model._meta.db_table: model for model in tables.packaged_models()}


def refuse_unless_empty() -> None:
    reference = set(tables.REFERENCE_MODELS)
    held = [
        model._meta.db_table
        for model in tables.packaged_models()
        if model._meta.label not in reference and model._base_manager.exists()
    ]
    if held:
        raise RestoreRefused(
            _("This installation already holds data (%(tables)s). A package is restored only into an empty one.")
            % {"tables": ", ".join(held[:5]) + (" …" if len(held) > 5 else "")}
        )


def _load(model: type[models.Model], content: bytes, batch_size: int = 1000) -> int:
    reader = csv.reader(io.StringIO(content.decode("utf-8"), newline=""))
    head = next(reader, None)
    fields = {f.column: f for f in tables.columns(model)}
    if head is None or set(head) != set(fields):
        raise RestoreRefused(
            _("The columns of %(table)s do not match this installation's.") % {"table": model._meta.db_table}
        )
    ordered = [fields[column] for column in head]
    withheld = {f.attname for f in ordered if f"{model._meta.label}.{f.name}" in tables.WITHHELD_COLUMNS}
    count = 0
    batch: list[models.Model] = []
    for row in reader:
        obj = model(**{f.attname: tables.decode(f, cell) for f, cell in zip(ordered, row, strict=True)})
        for attname in withheld:  # only the user's password: nobody can log in with it until they set a new one
            setattr(obj, attname, make_password(None))
        batch.append(obj)
        count += 1
        if len(batch) >= batch_size:
            model._base_manager._insert(batch, fields=ordered, using=connection.alias, raw=True)  # type: ignore[attr-defined]
            batch = []
    if batch:
        model._base_manager._insert(batch, fields=ordered, using=connection.alias, raw=True)  # type: ignore[attr-defined]
    return count


def restore(data: bytes) -> RestoreReport:
    archive, root, manifest = _open(data)
    verify(archive, root, manifest)
    by_table = _models_by_table()
    unknown = [table for table in manifest["load_order"] if table not in by_table]
    if unknown:
        raise RestoreRefused(
            _("The package holds tables this installation does not know: %(tables)s.") % {"tables": ", ".join(unknown)}
        )
    order = [by_table[table] for table in manifest["load_order"]]
    files = _uploaded(archive, root, manifest)
    written: list[str] = []
    try:
        return _restore(archive, root, manifest, order, files, written)
    except Exception as error:
        for name in written:  # the files this attempt stored go with the rolled-back rows
            default_storage.delete(name)
        if isinstance(error, RestoreRefused) or not isinstance(
            error, (DatabaseError, ValidationError, ValueError, KeyError, OSError)
        ):
            raise
        # One transaction: nothing of the package stays behind.
        raise RestoreRefused(
            _("The package's rows could not be restored (%(error)s).") % {"error": str(error).strip()[:300]}
        ) from error


def _uploaded(archive: zipfile.ZipFile, root: str, manifest: dict[str, Any]) -> dict[str, bytes]:
    """The package's uploaded files by stored name. A file the storage already holds must be the same."""
    folder = manifest.get("uploaded_files", {}).get("folder", FILES_DIR)
    files = {
        item["path"][len(folder) :]: archive.read(f"{root}/{item['path']}")
        for item in manifest["files"]
        if item["path"].startswith(folder)
    }
    for name, content in files.items():
        if name.startswith("/") or ".." in name.split("/"):
            raise RestoreRefused(_("The package names a file outside the storage: %(name)s.") % {"name": name})
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as handle:
                if handle.read() != content:
                    raise RestoreRefused(
                        _("The installation already holds a different file %(name)s.") % {"name": name}
                    )
    return files


def _restore(
    archive: zipfile.ZipFile,
    root: str,
    manifest: dict[str, Any],
    order: list[type[models.Model]],
    files: dict[str, bytes],
    written: list[str],
) -> RestoreReport:
    with transaction.atomic():
        refuse_unless_empty()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for model in reversed(order):  # reference rows the migrations seeded make way for the package's
                if model._meta.label in tables.REFERENCE_MODELS:
                    cursor.execute(f'DELETE FROM "{model._meta.db_table}"')  # noqa: S608 — a table name from _meta
            for model in order:
                info = manifest["tables"][model._meta.db_table]
                _load(model, archive.read(f"{root}/{info['file']}"))
            for statement in connection.ops.sequence_reset_sql(no_style(), order):
                cursor.execute(statement)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # a broken reference fails here, inside the transaction
        report = RestoreReport(package_id=manifest["package_id"])
        restored = tables.fingerprints()
        for table, info in manifest["tables"].items():
            rows, checksum = restored[table]
            report.checks.append(TableCheck(table, info["rows"], rows, info["sha256"], checksum))
        if not report.all_equal:
            different = ", ".join(check.table for check in report.checks if not check.equal)
            raise RestoreRefused(_("The restored tables differ from the package: %(tables)s.") % {"tables": different})
        for name, content in files.items():
            if default_storage.exists(name):
                continue
            stored = default_storage.save(name, ContentFile(content))
            written.append(stored)
            if stored != name:
                raise RestoreRefused(_("The file %(name)s could not be stored under its name.") % {"name": name})
        report.files = len(files)
        # Written after the comparison, so the restored audit log is compared as it came in the package.
        audit_log(
            actor=None,
            action="exit_package.restore",
            data={
                "package_id": report.package_id,
                "tables": len(report.checks),
                "rows": report.total_rows,
                "files": report.files,
            },
        )
    return report
