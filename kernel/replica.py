"""Reads from a PostgreSQL streaming replica where a stale read cannot mislead anyone; everything else on the
primary.

A deployment that sets DATABASE_REPLICA_URL gets a second database alias, `replica` (settings.py). Reads go
there only inside a *replica unit*, and only while the replica answers:

* `ReplicaReadsMiddleware` opens a unit for a GET or HEAD of someone not logged in, on the paths of
  settings.REPLICA_READ_PATHS (the public directory, its API, the calendar): pages that are the same for every
  visitor and where a second of replication delay is harmless;
* `replica_reads()` opens one around background work that only reads, such as a report's aggregation.

Reading your own writes: a unit ends at its first write (the router sends the write to the primary and every
later read of the unit with it); a visitor whose request wrote anything, or was not a safe method, reads from
the primary for settings.REPLICA_PIN_SECONDS (a cookie), longer than replication takes. Logged-in people
always read from the primary: their pages show what they just changed.

A replica that does not answer (stopped, restarting, unreachable) is skipped for REPLICA_RETRY_SECONDS, so the
site keeps working on the primary alone. One that goes away in the middle of a request (its reads fail with a
connection error and it no longer answers) is skipped as well, and the request, which only read, is answered
again from the primary instead of with an error. Migrations run on the primary only; the replica follows by
replication."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "asfnet_primary"
SAFE_METHODS = ("GET", "HEAD")

# None: no unit (read from the primary); True: read from the replica; False: the unit wrote, primary from now.
_unit: ContextVar[bool | None] = ContextVar("asfnet_replica_unit", default=None)
_down_until: dict[str, float] = {}


def configured() -> bool:
    return bool(getattr(settings, "REPLICA_READS", False)) and REPLICA in connections.databases


def available() -> bool:
    """The replica is configured and answers. A failed connection marks it down for REPLICA_RETRY_SECONDS."""
    if not configured():
        return False
    if time.monotonic() < _down_until.get(REPLICA, 0.0):
        return False
    connection = connections[REPLICA]
    try:
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        connection.ensure_connection()
    except DatabaseError:
        connection.close()
        _down_until[REPLICA] = time.monotonic() + getattr(settings, "REPLICA_RETRY_SECONDS", 10)
        return False
    return True


def reading_from_replica() -> bool:
    return _unit.get() is True


def reading_connection(model: type[Any]) -> BaseDatabaseWrapper:
    """The connection a raw SQL read of `model`'s data goes through: the one the router gives the ORM's
    reads (the replica inside a replica unit, otherwise the primary). Reads that belong together — a cache
    generation and the counts cached under it — use it both, so they see the same state."""
    return connections[router.db_for_read(model) or DEFAULT_DB_ALIAS]


@contextlib.contextmanager
def replica_reads() -> Iterator[bool]:
    """Read from the replica for the duration of the block, if it answers; yields whether it does. A write in
    the block goes to the primary and ends the replica reads of the block."""
    token = _unit.set(True if available() else None)
    try:
        yield _unit.get() is True
    finally:
        _unit.reset(token)


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads of a replica unit to the replica, all writes and other reads to the
    primary ("default"), migrations to the primary only."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        return REPLICA if _unit.get() is True else None

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        if _unit.get() is not None:
            _unit.set(False)  # this unit wrote: it reads its own writes from the primary from now on
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same rows on both aliases

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db != REPLICA


class ReplicaReadsMiddleware:
    """After AuthenticationMiddleware. Opens a replica unit for an anonymous, safe request on a replica path,
    unless the visitor wrote within REPLICA_PIN_SECONDS; pins a visitor who writes to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not configured():
            return self.get_response(request)
        token = _unit.set(True if self._eligible(request) and available() else None)
        try:
            response = self.get_response(request)
            wrote = _unit.get() is False or request.method not in SAFE_METHODS
        finally:
            _unit.reset(token)
        if wrote:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=getattr(settings, "REPLICA_PIN_SECONDS", 30),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """The view failed while reading from the replica because the replica went away (stopped, crashed,
        restarted under the request): the replica is marked down (available() finds it unreachable) and the view,
        which only read (the unit never wrote) for someone not logged in, runs again on the primary."""
        if _unit.get() is not True or not isinstance(exception, OperationalError | InterfaceError):
            return None
        if available():
            return None  # the replica answers: the error is not its going away, and is not hidden
        token = _unit.set(None)
        try:
            return self.get_response(request)
        finally:
            _unit.reset(token)

    @staticmethod
    def _eligible(request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        return (
            request.method in SAFE_METHODS
            and not (user is not None and user.is_authenticated)
            and PIN_COOKIE not in request.COOKIES
            and request.path.startswith(tuple(getattr(settings, "REPLICA_READ_PATHS", ())))
        )
