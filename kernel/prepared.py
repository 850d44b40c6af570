"""A queryset whose SQL Django builds once per process, then only bound to each request's values.

Building and compiling a queryset with a few annotations (`Exists` subqueries, a RawSQL expression) costs
more than running it: on the organisation profile about 1.4 ms of Python against 0.2 ms in PostgreSQL. A
page that runs the same statement for every visitor with a different key can build it once:

    statement = Prepared(lambda shape, now, key: Organisation.objects.filter(code=key).annotate(...))
    found = statement.rows(shape=..., key=code)         # the model's instances, annotated, as the ORM makes them

`build(shape, now, key)` makes the queryset for the moment `now` and the key `key`; it must take every clock
value from `now` (`timezone.localdate(now)` for a date), never from the clock itself. `shape` is everything
else the SQL is made of (the visitor, the registered panels …): hashable, and equal only when the statements
are. The first call for a shape builds it twice, for two made-up moments and keys, and compares the two
statements: the same SQL text, and each parameter either the same in both (a constant), the key, a moment at
the same distance from `now` in both (now - 6 weeks) or a date at the same distance from today. Each request
then binds its own moment, date and key to those places. A statement that does not pass (a parameter one
cannot tell, such as a calendar month before `now`, or a clock value read from the clock itself) is not kept:
every call builds the queryset as before. A constant that is today's date read from the clock would pass as
a constant, so the statements are kept for one day at most.

The rows are made into instances as the ORM's ModelIterable makes them (the compiled query's own column
positions and converters); a queryset with select_related is not kept. Kept per process (at most MAX_SHAPES
shapes, the least recently used dropped); a change of settings (tests) forgets them.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections, models, router
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

M = TypeVar("M", bound=models.Model)

MAX_SHAPES = 64

# Two made-up moments far from any real one, a month and a day apart and at other times of day, so a value
# truncated to the day, hour or second, a calendar month before either, or a date taken in UTC rather than in
# the local time zone (the first is on the day before in any zone west of UTC, the second on the day after in
# any zone east of it) falls at a different distance from each and is told apart.
_MOMENTS = (
    dt.datetime(1901, 1, 31, 0, 17, 23, 271_828, tzinfo=dt.UTC),
    dt.datetime(1901, 3, 3, 23, 41, 5, 314_159, tzinfo=dt.UTC),
)
_KEYS = (uuid.UUID("00000000-0000-4000-8000-5ea1ed000001"), uuid.UUID("00000000-0000-4000-8000-5ea1ed000002"))

# How a parameter is bound: a constant, the key, the moment plus a distance, today plus a number of days.
_CONSTANT, _KEY, _MOMENT, _DATE = range(4)


@dataclass(frozen=True)
class _Statement:
    sql: str
    places: tuple[tuple[int, Any], ...]  # (how, value): the constant, or the distance from now / today
    compiler: SQLCompiler  # what the ORM knows of the columns: the model's, its converters, the annotations
    init_list: tuple[str, ...]
    model_columns: slice
    converters: dict[int, Any]

    def params(self, now: dt.datetime, key: Any) -> list[Any]:
        today = timezone.localdate(now)
        bound = []
        for how, value in self.places:
            if how == _KEY:
                bound.append(key)
            elif how == _MOMENT:
                bound.append(now + value)
            elif how == _DATE:
                bound.append(today + value)
            else:
                bound.append(value)
        return bound

    def run(self, now: dt.datetime, key: Any) -> list[Any]:
        """The instances, as the ORM's ModelIterable makes them of the rows."""
        model = self.compiler.query.model
        assert model is not None
        db = router.db_for_read(model) or DEFAULT_DB_ALIAS
        with connections[db].cursor() as cursor:
            cursor.execute(self.sql, self.params(now, key))
            rows: Iterable[Any] = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        annotations = self.compiler.annotation_col_map.items()
        found = []
        for row in rows:
            instance = model.from_db(db, list(self.init_list), row[self.model_columns])
            for name, position in annotations:
                setattr(instance, name, row[position])
            found.append(instance)
        return found


def _compiled(queryset: models.QuerySet[Any]) -> tuple[SQLCompiler, str, tuple[Any, ...]]:
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    return compiler, sql, tuple(params)


def _places(first: Sequence[Any], second: Sequence[Any]) -> tuple[tuple[int, Any], ...] | None:
    """How each parameter follows from the moment and the key, read off the two builds; None when one cannot
    be told."""
    moments = _MOMENTS[1] - _MOMENTS[0]
    days = timezone.localdate(_MOMENTS[1]) - timezone.localdate(_MOMENTS[0])
    places: list[tuple[int, Any]] = []
    for one, other in zip(first, second, strict=True):
        if type(one) is not type(other):
            return None
        if one == other:
            places.append((_CONSTANT, one))
        elif one == _KEYS[0] and other == _KEYS[1]:
            places.append((_KEY, None))
        elif isinstance(one, dt.datetime) and other - one == moments:
            places.append((_MOMENT, one - _MOMENTS[0]))
        elif isinstance(one, dt.date) and not isinstance(one, dt.datetime) and other - one == days:
            places.append((_DATE, one - timezone.localdate(_MOMENTS[0])))
        else:
            return None
    return tuple(places)


class Prepared(Generic[M]):
    """See the module docstring."""

    def __init__(self, build: Callable[[Any, dt.datetime, Any], models.QuerySet[M]]) -> None:
        self.build = build
        self._statements: OrderedDict[Hashable, _Statement | None] = OrderedDict()
        self._lock = threading.Lock()
        _ALL.append(self)

    def rows(self, *, shape: Hashable, key: Any, now: dt.datetime | None = None) -> list[M]:
        """The instances `build(shape, now, key)` finds: by the statement built once for `shape` when it could
        be kept (read through the connection the router gives the model's reads), else by the queryset."""
        now = now or timezone.now()
        statement = self.statement(shape, now)
        if statement is None:
            return list(self.build(shape, now, key))
        return statement.run(now, key)

    def statement(self, shape: Hashable, now: dt.datetime) -> _Statement | None:
        """The statement kept for `shape` on `now`'s date, built on first use; None when it cannot be kept."""
        day_shape = (shape, timezone.localdate(now))
        with self._lock:
            statement = self._statements.get(day_shape, _MISSING)
            if statement is not _MISSING:
                self._statements.move_to_end(day_shape)
        if statement is _MISSING:
            statement = self._prepare(shape)
            with self._lock:
                self._statements[day_shape] = statement
                while len(self._statements) > MAX_SHAPES:
                    self._statements.popitem(last=False)
        return statement

    def _prepare(self, shape: Hashable) -> _Statement | None:
        built = [self.build(shape, moment, key) for moment, key in zip(_MOMENTS, _KEYS, strict=True)]
        (compiler, sql, first), (_other, other_sql, second) = (_compiled(queryset) for queryset in built)
        klass_info = compiler.klass_info
        if sql != other_sql or len(first) != len(second) or not klass_info or klass_info.get("related_klass_infos"):
            return None  # not the same statement, or one of related rows too (select_related): not for this
        places = _places(first, second)
        if places is None:
            return None
        select_fields = klass_info["select_fields"]
        model_columns = slice(select_fields[0], select_fields[-1] + 1)
        return _Statement(
            sql=sql,
            places=places,
            compiler=compiler,
            init_list=tuple(column[0].target.attname for column in compiler.select[model_columns]),
            model_columns=model_columns,
            converters=compiler.get_converters([column[0] for column in compiler.select]),
        )

    def forget(self) -> None:
        with self._lock:
            self._statements.clear()


_MISSING: Any = object()
_ALL: list[Prepared[Any]] = []


def _forget_all(**kwargs: object) -> None:
    for prepared in _ALL:
        prepared.forget()


setting_changed.connect(_forget_all, dispatch_uid="kernel.prepared.settings")
