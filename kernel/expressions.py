"""Query expressions that must mean the same on every database the project runs on: PostgreSQL (production
and the test suite) and SQLite (the embedded default of `make run`)."""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import DurationField, Func
from django.db.models.sql.compiler import SQLCompiler


class Days(Func):
    """A whole number of days (an integer column or expression) as a duration, so that `F("end") + Days(...)`
    is a point in time on every backend. PostgreSQL multiplies an interval; Django keeps an SQLite duration as
    a number of microseconds, and SQLite has no interval type to multiply (multiplying an integer column by a
    Python timedelta raises "Invalid arguments for operator *" there)."""

    arity = 1
    template = "(%(expressions)s * INTERVAL '1 day')"
    output_field = DurationField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        sql, params = self.as_sql(compiler, connection, template="(%(expressions)s * 86400000000)", **extra_context)
        return sql, list(params)
