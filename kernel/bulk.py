"""Writing many new rows at once. On PostgreSQL with COPY, on the Django connection's own psycopg connection
(so inside the caller's transaction): no SQL to build, bind or parse per row, which for a wide table is most
of the time `bulk_create` takes. Elsewhere (the SQLite embedded default) `bulk_create`.

Each value is prepared by its model field as `bulk_create` would prepare it (defaults, `auto_now` times,
JSON, decimals); the instances get their primary keys, taken from the table's sequence in one query. Model
`save()` methods and signals do not run, as with `bulk_create`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from django.db import connection, models

BATCH = 1000


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write `rows` (values already in their database form) into `columns` of `table` with COPY
    (PostgreSQL only)."""
    quote = connection.ops.quote_name
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None  # ensure_connection() connected it
    statement = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def insert(model: type[models.Model], instances: list[Any], *, skip: Collection[str] = ()) -> None:
    """Insert these new instances of `model` (with an auto-incremented primary key) and set their keys.
    `skip`: fields left to their database default (NULL), e.g. a column computed afterwards in SQL."""
    if not instances:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(instances, batch_size=BATCH)
        return
    meta = model._meta
    assert meta.pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(instances)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    for instance, pk in zip(instances, ids, strict=True):
        instance.pk = pk
    fields = [f for f in meta.concrete_fields if f.name not in skip]
    copy_rows(
        meta.db_table,
        [f.column for f in fields],
        ([f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields] for instance in instances),
    )
    for instance in instances:
        instance._state.adding = False
        instance._state.db = connection.alias


def insert_links(through: type[models.Model], columns: tuple[str, str], pairs: list[tuple[Any, Any]]) -> None:
    """Insert rows of a many-to-many table (`columns`: its two foreign key columns)."""
    if not pairs:
        return
    if connection.vendor != "postgresql":
        through._default_manager.bulk_create(
            [through(**dict(zip(columns, pair, strict=True))) for pair in pairs], batch_size=BATCH * 5
        )
        return
    copy_rows(through._meta.db_table, columns, pairs)
