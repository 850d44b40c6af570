"""Settings of the test suite (pytest-django's DJANGO_SETTINGS_MODULE in pyproject.toml).

The production settings of asfnet/settings.py, read from the same environment, with what only a test run
needs on top. asfnet/settings.py itself has no "are we under pytest" branch.

The production settings fail closed without a real SECRET_KEY, a non-empty ALLOWED_HOSTS and a REDIS_URL.
While they are imported here the environment gets:

* SECRET_KEY: a test-only key, always (a test never signs with a deployment's key);
* ALLOWED_HOSTS: ``testserver`` when unset (the hosts of the test client and live server are added below);
* REDIS_URL: ``redis://127.0.0.1:6379/0`` when unset, the default of ``make test`` — the suite runs on the
  real Redis (rate limits, used TOTP codes, the Celery broker);
* DB_POOL: ``false`` when unset — the test runner creates and drops databases, which a pool holding
  connections would block.

The environment is restored afterwards, so a process a test starts gets the environment it is given (Celery
workers of the fault tests inherit DJANGO_SETTINGS_MODULE=asfnet.settings_test and apply the same values).

On top of production:

* each pytest-xdist worker uses two Redis databases of its own (cache, broker);
* a fast password hasher first (MD5; the suite creates thousands of users, Argon2 stays for the rest);
* plain HTTP for the test client and the browser tests' live server: no HTTPS redirect, no Secure or
  ``__Host-`` cookies (HSTS values stay production's);
* static files found by the finders, no manifest (no collectstatic before a test run);
* Celery logs warnings only; the benchmark-only endpoints are off;
* a ``replica`` alias that mirrors the test database, with replica reads off unless a test turns them on;
* REPORT_RUN_STEP_DELAY_MS (environment, default 0): milliseconds the report computation sleeps at every step,
  so a fault test can kill a worker in the middle of a run (production settings always use 0).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from kernel.env import env_int

_TEST_SECRET_KEY = "test-settings-only-key-never-used-outside-the-test-suite-0123456789"
_TEST_HOSTS = ["testserver", "localhost", "127.0.0.1"]


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


with _environment(
    {
        "SECRET_KEY": _TEST_SECRET_KEY,
        "ALLOWED_HOSTS": os.environ.get("ALLOWED_HOSTS", "").strip() or _TEST_HOSTS[0],
        "REDIS_URL": os.environ.get("REDIS_URL", "").strip() or "redis://127.0.0.1:6379/0",
        "DB_POOL": os.environ.get("DB_POOL", "").strip() or "false",
    }
):
    from asfnet.settings import *
    from asfnet.settings import _redis_db

ALLOWED_HOSTS = list(dict.fromkeys([*ALLOWED_HOSTS, *_TEST_HOSTS, ".testserver"]))
# Tests with several förbund give each a host under .testserver; the test client's own hosts are national.
NATIONAL_HOSTS = list(_TEST_HOSTS)
# The national pages' contact (the accessibility statement must name one).
OPERATOR_EMAIL = "asfnet@example.se"

# --- Redis: two databases per pytest-xdist worker ------------------------------------------------------------
# From 8 up, so a development worker on database 0/1 never steals the tests' tasks, and cache.clear() in one
# xdist worker leaves the others alone. Redis has 16 databases: 8–15 for up to four workers.
_xdist_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_first_db = 8 + 2 * (_xdist_worker % 4)
CACHE_URL = _redis_db(REDIS_URL, _first_db)
CELERY_BROKER_URL = _redis_db(REDIS_URL, _first_db + 1)
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CACHES = {"default": {**CACHES["default"], "LOCATION": CACHE_URL}}

# --- The replica alias: a mirror of the test database, read only by the tests that switch REPLICA_READS on ----
# (tests/asfnet/test_replica.py; they list "replica" in their databases). Everywhere else every read stays on
# "default", as in a deployment without DATABASE_REPLICA_URL.
if USING_POSTGRES and "replica" not in DATABASES:
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
REPLICA_READS = False

# --- Passwords ------------------------------------------------------------------------------------------------
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# --- Plain HTTP (Django's defaults for what production turns on for HTTPS) -------------------------------------
SECURE_SSL_REDIRECT = False
SECURE_REDIRECT_EXEMPT: list[str] = []
SECURE_PROXY_SSL_HEADER = None
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"

# --- Static files: the finders serve them, nothing collected -------------------------------------------------
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing STATIC_ROOT

# --- Logging, knobs -------------------------------------------------------------------------------------------
LOGGING = {**LOGGING, "loggers": {**LOGGING["loggers"], "celery": {"level": "WARNING"}}}
BENCH_ENDPOINTS = False
# The file copy of the erasure journal stays off unless a test points it somewhere (never the checkout's var/).
ERASURE_JOURNAL_FILE = ""
REPORT_RUN_STEP_DELAY_MS = env_int("REPORT_RUN_STEP_DELAY_MS", 0, minimum=0)
