"""Every förbund of the installation, read once and kept in the cache: the host routing of every request and
every Actor read it, so it must cost no query. One query builds it when the cache is empty (PostgreSQL); any
change to a förbund, its host, its municipalities or its coordinators drops it (signals below). Each entry is
the förbund's whole row, so the page header has its name and whether it has a logo (Forbund.logo,
logo_version, logo_width/logo_height) without a query."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http.request import split_domain_port

from directory.forbund.models import Forbund

# The number changes with what an entry carries: a registry pickled by an older release (without the logo's
# fields, say) is never read, as each page would otherwise load the missing fields with a query of its own.
CACHE_KEY = "forbund:registry:2"


class UnknownHost(Exception):
    """The request's host is neither a förbund's nor a national one (an installation of several förbund)."""


@dataclass(frozen=True)
class Registry:
    forbund: tuple[Forbund, ...] = ()
    _by_host: dict[str, Forbund] = field(default_factory=dict, compare=False)
    _by_pk: dict[int, Forbund] = field(default_factory=dict, compare=False)

    @property
    def single(self) -> Forbund | None:
        """The förbund of an installation that has exactly one: it answers on every host."""
        return self.forbund[0] if len(self.forbund) == 1 else None

    @property
    def is_multi(self) -> bool:
        return len(self.forbund) > 1

    def get(self, pk: int | None) -> Forbund | None:
        return self._by_pk.get(pk) if pk is not None else None

    def for_host(self, host: str) -> Forbund | None:
        """The förbund a request on `host` (with or without port) is for; None on a national host. An
        installation with at most one förbund needs no host names. Raises UnknownHost for any other host."""
        if not self.is_multi:
            return self.single
        domain, _port = split_domain_port(host)
        found = self._by_host.get(domain.lower())
        if found is not None:
            return found
        if domain.lower() in {name.lower() for name in settings.NATIONAL_HOSTS}:
            return None
        raise UnknownHost(domain)

    def coordinated_by(self, user_id: int) -> list[Forbund]:
        return [forbund for forbund in self.forbund if user_id in forbund.coordinator_ids]  # type: ignore[attr-defined]


def _areas_and_coordinators() -> list[Forbund]:
    """Every förbund with `municipality_codes` and `coordinator_ids`: one query on PostgreSQL (arrays
    aggregated beside each row), three on SQLite (the embedded default has no array aggregate)."""
    if connection.vendor == "postgresql":
        rows = list(
            Forbund.objects.annotate(
                codes=ArrayAgg("municipalities__code", distinct=True, default=[]),
                coordinators_=ArrayAgg("coordinators__pk", distinct=True, default=[]),
            ).order_by("name", "pk")
        )
        for forbund in rows:
            # Attributes the model does not declare: the area and the coordinators, read with the registry.
            forbund.municipality_codes = frozenset(c for c in forbund.codes if c)  # type: ignore[attr-defined]
            forbund.coordinator_ids = frozenset(u for u in forbund.coordinators_ if u)  # type: ignore[attr-defined]
        return rows
    codes: dict[int, set[str]] = {}
    for forbund_id, code in Forbund.municipalities.through.objects.values_list("forbund_id", "municipality_id"):
        codes.setdefault(forbund_id, set()).add(code)
    coordinators: dict[int, set[int]] = {}
    for forbund_id, user_id in Forbund.coordinators.through.objects.values_list("forbund_id", "user_id"):
        coordinators.setdefault(forbund_id, set()).add(user_id)
    rows = list(Forbund.objects.order_by("name", "pk"))
    for forbund in rows:
        forbund.municipality_codes = frozenset(codes.get(forbund.pk, ()))  # type: ignore[attr-defined]
        forbund.coordinator_ids = frozenset(coordinators.get(forbund.pk, ()))  # type: ignore[attr-defined]
    return rows


def _build() -> Registry:
    rows = _areas_and_coordinators()
    return Registry(
        forbund=tuple(rows),
        _by_host={forbund.host: forbund for forbund in rows if forbund.host},
        _by_pk={forbund.pk: forbund for forbund in rows},
    )


# This process's copy, kept LOCAL_SECONDS: a calendar feed asks for every event's link and must not ask the
# cache each time. Another process sees a change after at most this long; this process at once (forget).
LOCAL_SECONDS = 1.0
_local: tuple[float, Registry] | None = None


def registry() -> Registry:
    """The registry from the cache, built (and stored) when it is not there. While the cache cannot be reached
    every request builds its own: slower, never wrong, never an error page."""
    global _local
    if _local is not None and time.monotonic() - _local[0] < LOCAL_SECONDS:
        return _local[1]
    found = _from_cache()
    _local = (time.monotonic(), found)
    return found


def _from_cache() -> Registry:
    try:
        found = cache.get(CACHE_KEY)
    except Exception:
        found = None
    if isinstance(found, Registry):
        return found
    built = _build()
    with contextlib.suppress(Exception):
        cache.set(CACHE_KEY, built, timeout=3600)
    return built


def forget(*args: object, **kwargs: object) -> None:
    """Drop the cached registry after a change. Also once the transaction commits: a request that rebuilt it
    in between would otherwise keep what it read before the change for an hour."""
    global _local
    _local = None
    with contextlib.suppress(Exception):
        cache.delete(CACHE_KEY)
    transaction.on_commit(_forget_after_commit)


def _forget_after_commit() -> None:
    forget_local()
    with contextlib.suppress(Exception):
        cache.delete(CACHE_KEY)


def forget_local() -> None:
    """Drop this process's copy (the cached one stays)."""
    global _local
    _local = None


def default_forbund() -> Forbund | None:
    """The förbund of work done outside a request (a task, a command) when none is named: the only one."""
    return registry().single


post_save.connect(forget, sender=Forbund, dispatch_uid="forbund.registry.save")
post_delete.connect(forget, sender=Forbund, dispatch_uid="forbund.registry.delete")
m2m_changed.connect(forget, sender=Forbund.municipalities.through, dispatch_uid="forbund.registry.municipalities")
m2m_changed.connect(forget, sender=Forbund.coordinators.through, dispatch_uid="forbund.registry.coordinators")
