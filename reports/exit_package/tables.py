"""Which tables the exit package carries, how a row becomes CSV text and back, and the schema description.

The tables are found from the installed apps' models, not from a list kept by hand: every model (with the
many-to-many tables Django creates) of the apps in PACKAGED_APPS is carried, except the models in
EXCLUDED_MODELS, and any many-to-many table that points into an app outside them. Tables of other installed
apps (sessions, content types, permissions, the admin log, allauth, Celery state) are left out for the
reasons in EXCLUDED_APPS, which the manifest repeats.

A cell is the stored value as text, so that a restore gives back exactly what was exported:

* NULL is `\\N` (PostgreSQL's COPY convention); a text that begins with a backslash gets one more;
* booleans are `true`/`false`, dates and times ISO 8601 (with their UTC offset), JSON compact with sorted keys;
* a text (or JSON) cell that a spreadsheet would run as a formula, or that begins with an apostrophe, gets one
  leading apostrophe, which a restore removes.

A table's file is its rows ordered by primary key, so the same data always gives the same bytes: the file's
SHA-256 is the table's checksum, and re-exporting a restored database proves that nothing was lost."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, models

from kernel import tabular

NULL = "\\N"
PACKAGED_APPS = ("asfnet", "notifications", "directory", "matchmaking", "events", "reports")
# The kernel's tables carry the app label "asfnet"; the site app ("site") has no tables.

EXCLUDED_MODELS: dict[str, str] = {
    "asfnet.PendingTask": "tasks waiting for the message broker: queue state, with encrypted arguments",
    "asfnet.OutboxEmail": "e-mails waiting for delivery: queue state, purged once delivered",
    "asfnet.SentEmail": "send-once keys of e-mails already sent: transient, purged after a while",
    "events.CalendarFeedToken": "secret calendar links: each person makes a new one in the new installation",
}
EXCLUDED_APPS: dict[str, str] = {
    "sessions": "logged-in sessions: transient",
    "contenttypes": "created by the migrations of the receiving installation",
    "auth": "permissions and groups are created by migrations; asfnet grants roles through memberships",
    "admin": "the admin site's own history; the audit log (asfnet_auditlog) is carried",
    "account": "allauth's e-mail address and confirmation state: the address is in asfnet_user",
    "mfa": "second-factor secrets never leave the installation: each person sets up a new one",
    "usersessions": "logged-in sessions: transient",
    "django_celery_beat": "scheduler state: recreated from settings",
    "django_celery_results": "task results: transient",
}
# Columns carried empty: secrets that must not travel. A restore gives each person an unusable password, so
# that they choose a new one ("forgot password") in the new installation.
WITHHELD_COLUMNS: dict[str, str] = {
    "asfnet.User.password": "password hashes are not handed over; restored users set a new password",
}
# Rows the receiving installation's migrations already hold; a restore replaces them with the package's.
REFERENCE_MODELS = ("directory.Municipality", "directory.ServiceCategory")

_TEXT_TYPES = {
    "CharField",
    "TextField",
    "SlugField",
    "EmailField",
    "URLField",
    "FileField",
    "ImageField",
    "FilePathField",
    "GenericIPAddressField",
    "SearchVectorField",
    "JSONField",
}


def _excluded_outside(model: type[models.Model]) -> bool:
    return any(
        field.is_relation and field.related_model is not None and not _packaged(field.related_model)
        for field in model._meta.concrete_fields
    )


def _packaged(model: Any) -> bool:
    return model._meta.app_label in PACKAGED_APPS and model._meta.label not in EXCLUDED_MODELS


def packaged_models() -> list[type[models.Model]]:
    """Every model whose table the package carries, in dependency order (a table after the tables it refers
    to; a table that refers to itself, e.g. a report run re-running another, comes once)."""
    chosen = [
        model
        for model in apps.get_models(include_auto_created=True)
        if _packaged(model) and model._meta.managed and not model._meta.proxy and not _excluded_outside(model)
    ]
    return dependency_order(chosen)


def excluded_tables() -> dict[str, str]:
    """Every table of the installation the package leaves out, with the reason."""
    chosen = {model._meta.db_table for model in packaged_models()}
    reasons: dict[str, str] = {}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table in chosen or not model._meta.managed or model._meta.proxy:
            continue
        label = model._meta.label
        if label in EXCLUDED_MODELS:
            reasons[table] = EXCLUDED_MODELS[label]
        elif model._meta.app_label in EXCLUDED_APPS:
            reasons[table] = EXCLUDED_APPS[model._meta.app_label]
        elif model._meta.auto_created:
            reasons[table] = "links to a table that is left out (permissions or groups)"
        else:
            reasons[table] = "belongs to an app whose data a successor does not need"
    return dict(sorted(reasons.items()))


def dependency_order(chosen: list[type[models.Model]]) -> list[type[models.Model]]:
    """Topological order of the foreign keys among `chosen` (Kahn's algorithm; ties by table name, so the
    order is stable). Self-references are not edges. A cycle between tables (none today) is broken by
    table name: the restore defers foreign-key checks to the end of its transaction anyway."""
    by_label = {model._meta.label: model for model in chosen}
    needs: dict[str, set[str]] = {label: set() for label in by_label}
    for label, model in by_label.items():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is not None:
                target = field.related_model._meta.label  # type: ignore[union-attr]
                if target in by_label and target != label:
                    needs[label].add(target)
    ordered: list[type[models.Model]] = []
    done: set[str] = set()
    while len(done) < len(by_label):
        ready = sorted(
            (label for label in by_label if label not in done and needs[label] <= done),
            key=lambda label: by_label[label]._meta.db_table,
        )
        if not ready:  # a cycle: take the first remaining table by name
            ready = sorted(
                (label for label in by_label if label not in done), key=lambda x: by_label[x]._meta.db_table
            )[:1]
        for label in ready:
            ordered.append(by_label[label])
            done.add(label)
    return ordered


def columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The stored columns of a table in declaration order; generated columns are left to the database."""
    return [field for field in model._meta.concrete_fields if not getattr(field, "generated", False)]


def _base_type(field: models.Field[Any, Any]) -> str:
    while field.is_relation and field.target_field is not field:  # type: ignore[attr-defined]
        field = field.target_field  # type: ignore[attr-defined]
    return field.get_internal_type()


def is_text(field: models.Field[Any, Any]) -> bool:
    return _base_type(field) in _TEXT_TYPES


def _withheld(model: type[models.Model], field: models.Field[Any, Any]) -> bool:
    return f"{model._meta.label}.{field.name}" in WITHHELD_COLUMNS


def encode(value: Any, *, json_field: bool = False) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, decimal.Decimal, uuid.UUID, dt.timedelta)):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")) if json_field else str(value)
    if text.startswith("\\"):
        text = "\\" + text
    if text.startswith((*tabular.FORMULA_START, "'")):
        text = "'" + text
    return text


def decode(field: models.Field[Any, Any], cell: str) -> Any:
    if cell == NULL:
        return None
    if is_text(field):
        if cell.startswith("'"):
            cell = cell[1:]
        if cell.startswith("\\"):
            cell = cell[1:]
        if _base_type(field) == "JSONField":
            return json.loads(cell)
        return cell
    if _base_type(field) == "BooleanField":
        if cell not in ("true", "false"):
            raise ValueError(f"{field.name}: {cell!r} is not true or false")
        return cell == "true"
    target = field
    while target.is_relation and target.target_field is not target:  # type: ignore[attr-defined]
        target = target.target_field  # type: ignore[attr-defined]
    return target.to_python(cell)


def header(model: type[models.Model]) -> list[str]:
    return [field.column for field in columns(model)]


def rows(model: type[models.Model], chunk_size: int = 2000) -> Iterator[list[str]]:
    """The table's rows as CSV cells, ordered by primary key (read in chunks, one query per chunk)."""
    fields = columns(model)
    withheld = [_withheld(model, field) for field in fields]
    json_fields = [_base_type(field) == "JSONField" for field in fields]
    values = model._base_manager.order_by("pk").values_list(*(field.attname for field in fields))
    for row in values.iterator(chunk_size=chunk_size):
        yield [
            "" if hidden else encode(value, json_field=is_json)
            for value, hidden, is_json in zip(row, withheld, json_fields, strict=True)
        ]


def file_name(model: type[models.Model]) -> str:
    return f"{model._meta.db_table}.csv"


def table_bytes(model: type[models.Model]) -> tuple[bytes, int]:
    """The table's CSV file (UTF-8, no byte-order mark, CRLF line ends) and its number of rows."""
    count = 0

    def counted() -> Iterator[list[str]]:
        nonlocal count
        for row in rows(model):
            count += 1
            yield row

    head = header(model)
    text = "".join(tabular.csv_lines(head, counted(), bom=False, raw_columns=head))
    return text.encode("utf-8"), count


def fingerprints() -> dict[str, tuple[int, str]]:
    """Per packaged table: its number of rows and the SHA-256 of its file — what the package's manifest
    records, recomputed from the database."""
    result = {}
    for model in packaged_models():
        content, count = table_bytes(model)
        result[model._meta.db_table] = (count, hashlib.sha256(content).hexdigest())
    return result


@dataclass(frozen=True)
class ColumnSchema:
    name: str
    field: str
    type: str
    db_type: str
    nullable: bool
    withheld: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "field": self.field,
            "type": self.type,
            "db_type": self.db_type,
            "nullable": self.nullable,
            **({"withheld": True} if self.withheld else {}),
        }


def schema(model: type[models.Model]) -> dict[str, Any]:
    """One table as the manifest describes it: columns (name, Django type, database type, NULL allowed),
    primary key, foreign keys and unique columns, from the model's _meta."""
    meta = model._meta
    cols = [
        ColumnSchema(
            name=field.column,
            field=field.name,
            type=field.get_internal_type(),
            db_type=field.db_type(connection) or "",
            nullable=field.null,
            withheld=_withheld(model, field),
        ).as_dict()
        for field in columns(model)
    ]
    foreign_keys = [
        {
            "column": field.column,
            "references": {
                "table": field.related_model._meta.db_table,  # type: ignore[union-attr]
                "column": field.target_field.column,  # type: ignore[attr-defined]
            },
        }
        for field in columns(model)
        if field.is_relation and field.related_model is not None
    ]
    return {
        "table": meta.db_table,
        "model": meta.label,
        "file": file_name(model),
        "description": str(meta.verbose_name_plural),
        "columns": cols,
        "primary_key": [meta.pk.column] if meta.pk is not None else [],
        "foreign_keys": foreign_keys,
        "unique": [field.column for field in columns(model) if field.unique and not field.primary_key],
    }
