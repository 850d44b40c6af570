"""The Redis cache, degraded instead of broken while Redis is unreachable.

Django's RedisCache raises on every call when Redis is down; allauth reads the cache on every login
(rate limits) and on every TOTP code (used-code marks), so an outage of the cache would stop every login
with a 500. This backend catches the connection errors and decides per kind of key what a safe answer is:

* rate-limit counters (``allauth:rl:…``, with their locks) move to a per-process memory cache, so a
  brute-force attempt is still counted and refused per web process (limits are per process, not shared,
  until Redis answers again; the counts made during the outage are forgotten then);
* used-TOTP-code marks (replay protection) fail closed: the mark cannot be set, so the code counts as
  used and is refused. Accepting codes without the mark would let a code seen once be replayed in
  another worker. The refusal is recorded so the MFA form can say why (asfnet.forms), and recovery codes,
  kept in the database, still let a person in;
* everything else behaves like a miss: reads return the default, writes are dropped, ``add`` says
  "not added" (a caller using it as a lock does not get the lock).

One WARNING is logged when an outage starts and one when Redis answers again; while it is down Redis is
not asked again for ``RETRY_AFTER`` seconds (an OPTION, default 5), so a black-holed host costs one
connect timeout per window rather than per call. Connect and socket timeouts are short by default.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from allauth.mfa import app_settings as mfa_settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.sentinel import Sentinel

logger = logging.getLogger(__name__)

_UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

# Key prefixes (before KEY_PREFIX/version are applied), as allauth writes them.
RATE_LIMIT_PREFIX = "allauth:rl:"
TOTP_USED_PREFIX = "allauth.mfa.totp.used"

T = TypeVar("T")


def totp_used_mark_lifetime() -> int:
    """Seconds a used TOTP code must stay marked: as long as the code is accepted at all. allauth marks it for
    one period, but with MFA_TOTP_TOLERANCE steps of drift a code is valid for (2 × tolerance + 1) periods,
    and a mark that ends sooner would let it be replayed."""
    return (2 * mfa_settings.TOTP_TOLERANCE + 1) * mfa_settings.TOTP_PERIOD


# Set when a fail-closed write (a used-TOTP mark) was refused because Redis was unreachable.
_fail_closed_refusal: contextvars.ContextVar[bool] = contextvars.ContextVar("asfnet_cache_refusal", default=False)


def reset_fail_closed_refusal() -> contextvars.Token[bool]:
    return _fail_closed_refusal.set(False)


def fail_closed_refusal() -> bool:
    """True when, since the last reset in this context, a used-TOTP mark was refused for an outage."""
    return _fail_closed_refusal.get()


class _Outage:
    """Per process and per Redis location: is Redis believed down, and until when is it not asked."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.lock = threading.Lock()
        self.down = False
        self.skip_until = 0.0

    def skipping(self) -> bool:
        return self.down and time.monotonic() < self.skip_until

    def failed(self, exc: Exception, retry_after: float) -> None:
        with self.lock:
            first = not self.down
            self.down = True
            self.skip_until = time.monotonic() + retry_after
        if first:
            logger.warning(
                "cache: Redis at %s is unreachable (%s: %s); until it answers, login rate limits are counted "
                "per process, TOTP codes are refused and other cache reads miss",
                self.where,
                type(exc).__name__,
                exc,
            )

    def succeeded(self) -> None:
        if not self.down:
            return
        with self.lock:
            was_down, self.down = self.down, False
        if was_down:
            logger.warning("cache: Redis at %s answers again; shared rate limits and TOTP checks resume", self.where)


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(where: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(where, _Outage(where))


def _where(server: str | list[str]) -> str:
    """host:port of the servers, without any password in the URL."""
    urls = server if isinstance(server, list | tuple) else str(server).replace(";", ",").split(",")
    return ",".join(f"{urlsplit(u).hostname}:{urlsplit(u).port or 6379}" for u in urls if u)


class ClientPerPool(RedisCacheClient):
    """Django's Redis cache client builds a new `redis.Redis` for every cache call (with its table of several
    hundred response callbacks: about a quarter of a millisecond, four times on a search page). A `redis.Redis`
    takes a connection from its pool for each command and may be shared, so one per pool is kept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django_client: Any = self  # Django's own helpers, private: not in the type stubs
        pool = django_client._get_connection_pool(write)
        client = self._clients.get(id(pool))  # pools live as long as this client: their ids are not reused
        if client is None:
            client = self._clients[id(pool)] = django_client._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """Django's RedisCache that degrades per kind of key while Redis is unreachable (module docstring)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", 5.0))
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 1.0)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ClientPerPool
        where = _where(server)
        self._outage = _outage_for(where)
        # LocMemCache instances with the same name share their store: one per process and location.
        self.fallback = LocMemCache(
            f"asfnet-redis-fallback:{where}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 10_000}},
        )

    # --- routing -----------------------------------------------------------------------------------
    def _guarded(self, redis_call: Callable[[], T], degraded: Callable[[], T]) -> T:
        if self._outage.skipping():
            return degraded()
        try:
            result = redis_call()
        except _UNREACHABLE as exc:
            self._outage.failed(exc, self.retry_after)
            return degraded()
        self._outage.succeeded()
        return result

    @staticmethod
    def _counted(key: Any) -> bool:
        return str(key).startswith(RATE_LIMIT_PREFIX)

    @staticmethod
    def _fails_closed(key: Any) -> bool:
        return str(key).startswith(TOTP_USED_PREFIX)

    # --- the cache API -----------------------------------------------------------------------------
    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        def degraded() -> bool:
            if self._counted(key):
                return self.fallback.add(key, value, timeout, version)
            if self._fails_closed(key):
                _fail_closed_refusal.set(True)
            return False

        if self._fails_closed(key):
            timeout = totp_used_mark_lifetime()
        return self._guarded(lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), degraded)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        def degraded() -> Any:
            return self.fallback.get(key, default, version) if self._counted(key) else default

        return self._guarded(lambda: super(ResilientRedisCache, self).get(key, default, version), degraded)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        def degraded() -> None:
            if self._counted(key):
                self.fallback.set(key, value, timeout, version)

        self._guarded(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), degraded)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        def degraded() -> bool:
            return self.fallback.touch(key, timeout, version) if self._counted(key) else False

        return self._guarded(lambda: super(ResilientRedisCache, self).touch(key, timeout, version), degraded)

    def delete(self, key: Any, version: int | None = None) -> bool:
        def degraded() -> bool:
            return self.fallback.delete(key, version) if self._counted(key) else False

        return self._guarded(lambda: super(ResilientRedisCache, self).delete(key, version), degraded)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        def degraded() -> bool:
            return self.fallback.has_key(key, version) if self._counted(key) else False

        return self._guarded(lambda: super(ResilientRedisCache, self).has_key(key, version), degraded)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        def degraded() -> int:
            if self._counted(key):
                return self.fallback.incr(key, delta, version)
            raise ValueError(f"Key '{key}' not found")  # what a miss gives incr()

        return self._guarded(lambda: super(ResilientRedisCache, self).incr(key, delta, version), degraded)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        keys = list(keys)

        def degraded() -> dict[Any, Any]:
            return self.fallback.get_many([k for k in keys if self._counted(k)], version)

        return self._guarded(lambda: super(ResilientRedisCache, self).get_many(keys, version), degraded)

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        def degraded() -> list[Any]:
            self.fallback.set_many({k: v for k, v in data.items() if self._counted(k)}, timeout, version)
            return [k for k in data if not self._counted(k)]  # the keys that were not stored

        return self._guarded(lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), degraded)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        keys = list(keys)

        def degraded() -> None:
            self.fallback.delete_many([k for k in keys if self._counted(k)], version)

        self._guarded(lambda: super(ResilientRedisCache, self).delete_many(keys, version), degraded)

    # Django's RedisCache.clear answers whether Redis flushed (the stubs type BaseCache.clear as None).
    def clear(self) -> bool:  # type: ignore[override]
        self.fallback.clear()
        return bool(self._guarded(lambda: super(ResilientRedisCache, self).clear(), lambda: False))


# --- Redis Sentinel ----------------------------------------------------------------------------------------
# With REDIS_SENTINELS set (settings.py, docs/scaling.md) the cache asks the sentinels which server is the master
# of REDIS_SENTINEL_MASTER, and asks again after a failover; REDIS_URL then gives only the password and the database
# number. Reads go to the master as well: a replica may lag, and rate-limit counts and used-TOTP marks must be exact.


class SentinelMasterPool:
    """A `pool_class` for Django's RedisCache (CACHES OPTIONS): its `from_url` returns a connection pool to the
    master the sentinels name, instead of to the URL's host. OPTIONS carry `sentinels` (a list of (host, port)),
    `service_name` and optionally `sentinel_kwargs` (e.g. the sentinels' own password); every other option
    (socket timeouts, parser) goes to the connections to the master. Nothing connects until the first command."""

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        sentinels: list[tuple[str, int]] | list[list[Any]],
        service_name: str,
        sentinel_kwargs: dict[str, Any] | None = None,
        **options: Any,
    ) -> Any:
        parts = urlsplit(url)
        db = int(parts.path.strip("/") or 0)
        timeouts = {k: v for k, v in options.items() if k in ("socket_connect_timeout", "socket_timeout")}
        manager = Sentinel(
            [(str(host), int(port)) for host, port in sentinels],
            sentinel_kwargs={**timeouts, **(sentinel_kwargs or {})},
        )
        credentials = {"username": parts.username or None, "password": parts.password or None}
        return manager.master_for(service_name, db=db, **credentials, **options).connection_pool
