"""The anonymous directory page's facet counts, cached in the project's cache (kernel.cache: a Redis outage
is a miss, never an error).

A cached value is stored under the *generation* of the directory data: a number PostgreSQL changes whenever
a transaction that changed an organisation (any field: publishing, confirming, verifying, its profile, its
search text), its services, its municipalities served, a certification, a service category or a
municipality's name commits — triggers do it, so a queryset update, a bulk import, a merge or a change of a
many-to-many link alone counts as much as a save (migrations directory/0016 and 0022). Each read asks
for the generation first (one primary-key read) and a changed directory is never answered from the cache,
whether or not the cache was reachable when the change was made.

What changes with time alone rather than with a write — a profile whose confirmation gets too old to be
listed, a certification whose validity ends at midnight — is bounded by the key's date and by TIMEOUT.

Not cached: inside a transaction (its uncommitted changes must neither be read from nor written to the
shared cache) and on SQLite (no generation).

A page that reads a row of the directory anyway (the profile reads its organisation) reads the generation in
the same statement (`generation_annotation`, in the same snapshot: no round trip of its own) and hands it to
`cached(known=...)`. The profile also looks in the cache *before* that statement (`peek`: the value is kept
with the generation it was made under), so that on a miss the statement reads what the value is made of
too; a value made under another generation than the one read is never used (`Peeked.value`).

What `peek` finds is kept in this process's memory (`LOCAL`, at most LOCAL_ENTRIES values, each for TIMEOUT
at most), not in Redis: a profile's facts take about as long to render as a round trip to Redis, so a
shared cache would cost two round trips on every miss (the look and the store) to save one render on a hit.
The generation, read with the page's own row, decides as before whether a value may be used.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import BigIntegerField, Expression
from django.db.models.expressions import RawSQL
from django.utils import timezone

from directory.models import Organisation
from kernel.replica import reading_connection

T = TypeVar("T")

TIMEOUT = 300  # seconds; see the module docstring for what only time changes
PREFIX = "directory:facets:v1"
GENERATION_SQL = "SELECT n FROM directory_facet_generation WHERE id = 1"
# The name under which generation_annotation() puts the generation on each row read.
GENERATION_ANNOTATION = "directory_generation"


LOCAL_ENTRIES = 2000  # rendered facts of a profile: a few kB each


class LocalCache:
    """A bounded store in this process's memory, the least recently used value dropped first; a value is
    forgotten `timeout` seconds after it was stored."""

    def __init__(self, *, entries: int, timeout: float) -> None:
        self.entries = entries
        self.timeout = timeout
        self._values: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            found = self._values.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self._values[key]
                return None
            self._values.move_to_end(key)
            return found[1]

    def set(self, key: Any, value: Any) -> None:
        with self._lock:
            self._values[key] = (time.monotonic() + self.timeout, value)
            self._values.move_to_end(key)
            while len(self._values) > self.entries:
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


LOCAL = LocalCache(entries=LOCAL_ENTRIES, timeout=TIMEOUT)


class _Unread:
    pass


UNREAD = _Unread()

# The generation a value is being made for (inside `cached` and `Peeked.value`): what the value reads is read
# after it, so is at least as new, and values cached while making it (the facet counts, the choice lists) may be
# kept under it too. A second read would cost a query and could only return a newer number.
_making: contextvars.ContextVar[int | None] = contextvars.ContextVar("directory_generation_making", default=None)


def _compute_for(current: int, compute: Callable[[], T]) -> T:
    token = _making.set(current)
    try:
        return compute()
    finally:
        _making.reset(token)


def _usable() -> bool:
    """Whether a generation may be used here: PostgreSQL (SQLite has none) and outside a transaction."""
    connection = reading_connection(Organisation)  # the counts cached under it are read there too
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def generation() -> int | None:
    """The directory data's generation, or None when it cannot be used (SQLite, inside a transaction)."""
    if not _usable():
        return None
    making = _making.get()
    if making is not None:
        return making
    try:
        with reading_connection(Organisation).cursor() as cursor:
            cursor.execute(GENERATION_SQL)
            row = cursor.fetchone()
    except DatabaseError:  # the migration has not run: behave as if there were no cache
        return None
    return int(row[0]) if row else None


def generation_annotation() -> dict[str, Expression]:
    """The generation as an annotation of a query of organisations (`.annotate(**generation_annotation())`),
    so it is read with them, in the same snapshot; the value is `annotated_generation(row)`. Nothing on
    SQLite."""
    if reading_connection(Organisation).vendor != "postgresql":
        return {}
    return {GENERATION_ANNOTATION: RawSQL(GENERATION_SQL, (), output_field=BigIntegerField())}  # noqa: S611 - a constant


def annotated_generation(row: Any) -> int | _Unread | None:
    """The generation read with `row` (generation_annotation), for `cached(known=...)`; UNREAD when the
    row was read without it (cached() then reads it itself)."""
    return getattr(row, GENERATION_ANNOTATION, UNREAD)


def cached(*, key: dict[str, Any], compute: Callable[[], T], known: int | _Unread | None = UNREAD) -> T:
    """`compute()`, or its value for `key` from the cache while the directory data has not changed.
    `known`: the generation when the caller has read it already (annotated_generation)."""
    current = generation() if isinstance(known, _Unread) else known
    if current is None or not _usable():  # a generation read inside a transaction: its uncommitted changes
        return compute()
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:32]
    cache_key = f"{PREFIX}:{current}:{timezone.localdate().isoformat()}:{digest}"
    value = cache.get(cache_key)
    if value is None:
        value = _compute_for(current, compute)
        cache.set(cache_key, value, TIMEOUT)
    return value


@dataclass(frozen=True)
class Peeked:
    """What peek() found under a key: the value and the generation it was made under, or nothing."""

    cache_key: tuple[str, str] | None  # None: not cached here (SQLite, inside a transaction)
    found: tuple[int, Any] | None

    @property
    def missing(self) -> bool:
        return self.found is None

    def value(self, *, known: int | None, compute: Callable[[], T]) -> T:
        """The value found when it was made under `known` (the generation read since, e.g. with the row the
        page shows: annotated_generation), else `compute()`, kept under `known` for the next request."""
        if self.cache_key is None or known is None or not _usable():
            return compute()
        if self.found is not None and self.found[0] == known:
            return self.found[1]
        value = _compute_for(known, compute)
        LOCAL.set(self.cache_key, (known, value))
        return value


def peek(*, key: dict[str, Any]) -> Peeked:
    """Look in this process's cache (LOCAL) before the generation is read (see the module docstring): the
    caller knows whether its query of the directory must also read what the value is made of."""
    if not _usable():
        return Peeked(cache_key=None, found=None)
    cache_key = (timezone.localdate().isoformat(), json.dumps(key, sort_keys=True, default=str))
    found = LOCAL.get(cache_key)
    return Peeked(cache_key=cache_key, found=found if isinstance(found, tuple) and len(found) == 2 else None)
