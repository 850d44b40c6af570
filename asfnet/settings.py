"""asfnet settings: one file, read from the environment.

Every variable is documented in ``.env.example``. Two ways to run:

* embedded default (``make run``): no DATABASE_URL and no REDIS_URL → an SQLite file under ``var/``,
  a local-memory cache and Celery tasks run in-process;
* services (``make test``, production): DATABASE_URL=postgres://…, REDIS_URL=redis://… → PostgreSQL
  with psycopg's connection pool, Redis as cache (rate limits) and as Celery broker.

Without DEBUG the settings fail closed: a missing or placeholder SECRET_KEY, an empty ALLOWED_HOSTS or a
missing REDIS_URL stops start-up with a message naming the variable.

This module does not know about tests: the test suite runs on ``asfnet.settings_test``, which imports it and
adds what only a test run needs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from kernel.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ASFNET_VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)
DEMO_MODE = env_bool("DEMO_MODE", DEBUG)

_PLACEHOLDER_KEYS = {"", "change-me", "changeme", "secret", "dev", "insecure"}
SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY.lower() in _PLACEHOLDER_KEYS or SECRET_KEY.startswith("django-insecure"):
    if DEBUG:
        SECRET_KEY = "django-insecure-development-only-key-not-for-production-use-0123456789"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is missing or a placeholder. Set SECRET_KEY to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))') "
            "or set DEBUG=true for development."
        )
elif len(SECRET_KEY) < 50 and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long in production.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if DEBUG and not ALLOWED_HOSTS:
    # *.localhost names reach 127.0.0.1 in browsers: each demo förbund has one (README, "Several förbund").
    ALLOWED_HOSTS = ["localhost", ".localhost", "127.0.0.1", "[::1]"]
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is empty. Set ALLOWED_HOSTS=portal.example.se (comma-separated).")
# With more than one förbund, a request's host says which förbund it is for (Forbund.host); these hosts show
# the national front page, and any other host is refused with 400. Default: the exact names of ALLOWED_HOSTS.
NATIONAL_HOSTS = env_list("NATIONAL_HOSTS") or [h for h in ALLOWED_HOSTS if h != "*" and not h.startswith(".")]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The platform operator's contact address, shown on the national pages (each förbund shows its own).
OPERATOR_EMAIL = env_str("OPERATOR_EMAIL", "")
# The platform operator's name: the publisher of the national open data when there are several förbund (with one,
# the förbund publishes).
OPERATOR_NAME = env_str("OPERATOR_NAME", "asfnet")
# The reference of the submission agreement with the archive that takes the exit package (E-ARK SIP5, written as the
# package METS's altRecordID TYPE="SUBMISSIONAGREEMENT"); none when empty.
EXIT_PACKAGE_SUBMISSION_AGREEMENT = env_str("EXIT_PACKAGE_SUBMISSION_AGREEMENT", "")

# The public address of the site, used in e-mails (never the request's Host header).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_ID = 1

INSTALLED_APPS = [
    "kernel",
    "notifications",
    "directory",
    "matchmaking",
    "events",
    "reports",
    "asfnet",
    "asfnet.admin_apps.PortalAdminConfig",  # django.contrib.admin with the portal's admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.forms",  # Django's widget templates, for the project's form renderer below
    "django_filters",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
]

MIDDLEWARE = [
    "kernel.middleware.RequestIdMiddleware",
    # Outside every middleware that writes the body; reads request.user when the response passes back.
    "kernel.middleware.PublicGZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "kernel.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "directory.forbund.middleware.ForbundMiddleware",  # request.forbund from the host name; unknown host → 400
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kernel.replica.ReplicaReadsMiddleware",
    "asfnet.middleware.ActorMiddleware",
    "asfnet.middleware.UserLanguageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "asfnet.middleware.SessionActivityMiddleware",  # instead of allauth's, which writes on every request
    "asfnet.middleware.MfaRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "asfnet.urls"
WSGI_APPLICATION = "asfnet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "asfnet.context_processors.site",
                "notifications.context_processors.unread",
            ],
            # Tags every page uses need no {% load %}: translation, static files, and the kernel's page parts
            # ({% data_table %}, {% icon %} …, kernel/templatetags/asfnet_tags.py). App tag libraries are still
            # loaded by name, so the template dependency check sees which app a page uses.
            "builtins": ["django.templatetags.i18n", "django.templatetags.static", "kernel.templatetags.asfnet_tags"],
        },
    },
]

# `{{ form }}` and `{{ field.as_field_group }}` draw with templates/includes/form.html and field.html.
FORM_RENDERER = "kernel.forms.FormRenderer"

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0, conn_health_checks=False)
    if _db["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_POOL", True):
        # psycopg 3's pool (Django ≥ 5.1). DB_POOL=false gives plain connections (the test settings and
        # the benchmarks do so).
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN", 2, minimum=0),
            "max_size": env_int("DB_POOL_MAX", 10, minimum=1),
            "timeout": 10,
        }
    elif _db["ENGINE"] == "django.db.backends.postgresql":
        _db["CONN_MAX_AGE"] = 0
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL's default random_page_cost (4) prices a random page read at four sequential ones, as
        # on a spinning disk; on SSD storage, or with the tables in memory as they are here, a random read
        # costs about the same, and 1.1 is the usual setting. With 4 the directory search's OR of three GIN
        # index scans (tsvector, trigram LIKE, trigram word similarity) was priced above reading the whole
        # table, and a sequential scan computes a full-text match and a trigram similarity for every row
        # (directory/search.py). Set per connection, so a shared server's other databases are untouched.
        _db.setdefault("OPTIONS", {})["options"] = "-c random_page_cost=1.1"
    DATABASES = {"default": _db}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH") or VAR_DIR / "asfnet.sqlite3",
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# A PostgreSQL streaming replica (docs/scaling.md): anonymous reads of the public pages and report aggregation
# read from it while it answers; writes, logged-in pages and a visitor's reads just after a write stay on the
# primary (kernel/replica.py).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    if not USING_POSTGRES:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL to be PostgreSQL as well.")
    # Plain persistent connections, checked before each request's first query: a replica that stops is
    # noticed at once and skipped (a pool could hand out a connection that died with it).
    _replica = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True)
    _replica["OPTIONS"] = {"connect_timeout": 2, "options": DATABASES["default"]["OPTIONS"]["options"]}
    _replica["TEST"] = {"MIRROR": "default"}  # a test run has one database; the replica alias reads it too
    DATABASES["replica"] = _replica
REPLICA_READS = "replica" in DATABASES
DATABASE_ROUTERS = ["kernel.replica.ReplicaRouter"]
REPLICA_READ_PATHS = ["/directory/", "/api/", "/events/", "/opportunities/"]
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 30, minimum=1)  # well above any replication delay
REPLICA_RETRY_SECONDS = 10  # a replica that did not answer is tried again after this


# --- Redis: cache (rate limits) and Celery broker --------------------------------------------------
def _redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


REDIS_URL = env_str("REDIS_URL")
if not REDIS_URL and not DEBUG:
    # Used TOTP codes (replay protection) and login rate limits live in the cache. A per-process memory
    # cache would keep them per gunicorn worker: a code used in one worker is accepted again in another.
    raise ImproperlyConfigured(
        "REDIS_URL is not set. Without DEBUG asfnet needs a shared cache for login rate limits and used "
        "TOTP codes: set REDIS_URL=redis://host:6379/0 (docker-compose.yml sets it), or DEBUG=true for development."
    )


def _sentinels(value: str) -> list[tuple[str, int]]:
    """REDIS_SENTINELS: "host:port,host:port" (the port defaults to Sentinel's 26379)."""
    hosts = []
    for item in value.split(","):
        host, colon, port = item.strip().rpartition(":")
        if not colon:
            host, port = item.strip(), ""
        if host:
            try:
                hosts.append((host, int(port or 26379)))
            except ValueError:
                raise ImproperlyConfigured(f"REDIS_SENTINELS: {item.strip()!r} is not host:port.") from None
    return hosts


# Redis Sentinel (docs/scaling.md): the sentinels say which Redis server is the master of REDIS_SENTINEL_MASTER,
# and say it again after a failover. REDIS_URL then gives only the password and the database number (its host is
# not used), and the cache and the Celery broker and results find the master through the sentinels.
REDIS_SENTINELS = _sentinels(env_str("REDIS_SENTINELS"))
REDIS_SENTINEL_MASTER = env_str("REDIS_SENTINEL_MASTER", "mymaster")
REDIS_SENTINEL_PASSWORD = env_str("REDIS_SENTINEL_PASSWORD")  # the sentinels' own password, if they have one
if REDIS_SENTINELS and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_SENTINELS needs REDIS_URL as well (redis://:password@master-name/0).")
_sentinel_kwargs = {"password": REDIS_SENTINEL_PASSWORD} if REDIS_SENTINEL_PASSWORD else {}

if REDIS_URL:
    CACHE_URL = REDIS_URL
    _broker_db = int(urlsplit(REDIS_URL).path.strip("/") or "0") + 1
    if REDIS_SENTINELS:
        # Kombu's "sentinel://" transport: one URL per sentinel, ";"-separated, with the master's password and
        # the broker's database; the master's name is a transport option (below).
        _password = urlsplit(REDIS_URL).password
        _auth = f":{_password}@" if _password else ""
        _default_broker = ";".join(f"sentinel://{_auth}{host}:{port}/{_broker_db}" for host, port in REDIS_SENTINELS)
    else:
        _default_broker = _redis_db(REDIS_URL, _broker_db)
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or _default_broker
else:
    CACHE_URL = ""
    CELERY_BROKER_URL = "memory://"

if CACHE_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, degraded instead of raising while Redis is unreachable: rate limits count
            # per process, used-TOTP marks fail closed, other reads miss (kernel/cache.py).
            "BACKEND": "kernel.cache.ResilientRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "asfnet",
            "TIMEOUT": 300,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0, "RETRY_AFTER": 5},
        }
    }
    if REDIS_SENTINELS:
        # The master is looked up through the sentinels (kernel.cache.SentinelMasterPool).
        CACHES["default"]["OPTIONS"].update(
            pool_class="kernel.cache.SentinelMasterPool",
            sentinels=REDIS_SENTINELS,
            service_name=REDIS_SENTINEL_MASTER,
            sentinel_kwargs=_sentinel_kwargs,
        )
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------------------------------
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL  # embedded default: tasks run in-process
CELERY_TASK_EAGER_PROPAGATES = True
# Results are ignored unless a task asks for them (the canary does); state lives in database rows.
CELERY_RESULT_BACKEND = CELERY_BROKER_URL if REDIS_URL else None
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 15 * 60, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 14 * 60, minimum=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must fail fast when Redis is down: a request that enqueues work answers at once, and the
# enqueue helper (kernel/queue.py) leaves the work to a sweeper or the outbox. A few quick retries only.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Tasks are acknowledged after they ran (acks_late): a worker killed mid-task leaves its message unacknowledged in
# Redis, and once visibility_timeout has passed another worker restores and runs it (docs/security-checks.md
# I46). It must stay above CELERY_TASK_TIME_LIMIT, or a slow task would be run twice while still running. A
# worker looks for such messages every unacked_restore_interval × unacked_restore_throttle seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10, minimum=1),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10, minimum=1),
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
    "max_retries": 1,
}
if CELERY_BROKER_URL.startswith("sentinel://"):
    # Redis Sentinel: the broker and the results find the master of REDIS_SENTINEL_MASTER through the sentinels.
    _sentinel_options = {"master_name": REDIS_SENTINEL_MASTER}
    if _sentinel_kwargs:
        _sentinel_options["sentinel_kwargs"] = _sentinel_kwargs
    CELERY_BROKER_TRANSPORT_OPTIONS.update(_sentinel_options)
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = dict(_sentinel_options)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 10
CELERY_TIMEZONE = "Europe/Stockholm"
CELERY_BEAT_SCHEDULE: dict = {
    # E-mail: enqueue outbox messages whose task never ran (broker down when they were written).
    "asfnet-flush-email-outbox": {"task": "kernel.tasks.flush_email_outbox", "schedule": crontab(minute="*")},
    # Reports: re-enqueue runs whose task was lost; the quarterly ESF+ run for every active project.
    # The sweeper also takes over runs whose worker died (lease expired) and sends "report ready" e-mails
    # that could not be handed over when the run finished.
    "reports-sweep-stuck-runs": {"task": "reports.tasks.sweep_stuck_runs", "schedule": crontab(minute="*/5")},
    "reports-quarterly": {
        "task": "reports.tasks.schedule_quarterly_reports",
        "schedule": crontab(minute=0, hour=6, day_of_month=2, month_of_year="1,4,7,10"),
    },
    # Tasks whose enqueue failed while the broker was down (kernel/queue.py): published again once it is back.
    "asfnet-flush-pending-tasks": {"task": "kernel.tasks.flush_pending_tasks", "schedule": crontab(minute="*")},
    # Events: offers of freed places expire and pass on; reminders the day before.
    "events-expire-offers": {"task": "events.tasks.expire_offers", "schedule": crontab(minute="*/10")},
    "events-reminders": {"task": "events.tasks.send_event_reminders", "schedule": crontab(minute=0, hour=9)},
    # Retention: every policy of asfnet/processing.py (participants, event answers, accounts, files …).
    "asfnet-purge-personal-data": {
        "task": "asfnet.tasks.purge_personal_data",
        "schedule": crontab(minute=30, hour=3),
    },
    # Members of organisations whose details need an update get a reminder (at most monthly per organisation).
    "directory-nudge-stale-organisations": {
        "task": "directory.tasks.nudge_stale_organisations",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),  # Mondays 07:00, CELERY_TIMEZONE
    },
    # Reports of outdated information left open OUTDATED_REPORT_ESCALATE_DAYS go to the coordinators (once each).
    "directory-escalate-outdated-reports": {
        "task": "directory.tasks.escalate_outdated_reports",
        "schedule": crontab(minute=15, hour=7),  # daily 07:15, CELERY_TIMEZONE
    },
    # Users with saved directory searches get one e-mail listing the organisations that newly match them.
    "directory-saved-search-digests": {
        "task": "directory.tasks.send_saved_search_digests",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),  # Mondays 08:00, CELERY_TIMEZONE
    },
    # Coordinators hear once per verification period that an organisation's verification expires in 30 days,
    # and once that it has expired (directory/verification.py).
    "directory-verification-reminders": {
        "task": "directory.tasks.send_verification_reminders",
        "schedule": crontab(minute=15, hour=6),  # daily 06:15, CELERY_TIMEZONE
    },
    # Notifications: one summary a day to each person who chose it for some kind (notifications/emails.py).
    "notifications-daily-digest": {
        "task": "notifications.tasks.send_daily_digests",
        "schedule": crontab(minute=0, hour=7),  # daily 07:00, CELERY_TIMEZONE
    },
    # Notifications: read ones older than NOTIFICATIONS_KEEP_READ_DAYS and all older than NOTIFICATIONS_KEEP_DAYS go.
    "notifications-purge": {
        "task": "notifications.tasks.purge_old_notifications",
        "schedule": crontab(minute=45, hour=3),  # daily 03:45, CELERY_TIMEZONE
    },
    # Matchmaking nudges: needs with no proposal, unanswered proposals, opportunities about to expire
    # (each thing at most weekly; matchmaking/nudges.py).
    "matchmaking-send-nudges": {
        "task": "matchmaking.tasks.send_nudges",
        "schedule": crontab(minute=30, hour=7),  # daily 07:30, CELERY_TIMEZONE
    },
}

# --- Authentication -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "asfnet.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "directory.validators.OrganisationNamePasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "directory.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # the user stays in; every *other* session ends (see adapter)
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_FORMS = {"signup": "asfnet.forms.SignupForm"}
ACCOUNT_SESSION_REMEMBER = False
# Failed logins: 5 per account per 15 minutes, 10 per IP per minute (docs/security-checks.md A1). Counted in the
# Redis cache, so every web worker shares the count.
# Guest registration for events e-mails the given address: 20 per IP and 5 per address per hour.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/15m/key",
    "events_guest_registration": "20/h/ip,5/h/key",
    # The public "report outdated information" form (directory/outdated/views.py), per client.
    "directory_outdated_report": "5/h/ip",
}
ACCOUNT_REAUTHENTICATION_TIMEOUT = 10 * 60
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[asfnet] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Behind exactly one reverse proxy in production (docker-compose / nginx); 0 when served directly.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "asfnet"
# One 30-second step of clock drift either way: a code typed as the step turns is still accepted. A used
# code stays marked for the whole window it is valid in (kernel/cache.py), so widening it opens no replay.
MFA_TOTP_TOLERANCE = 1
# The MFA forms say so when a TOTP code cannot be checked because the cache is down (kernel/cache.py).
MFA_FORMS = {"authenticate": "asfnet.forms.MfaAuthenticateForm", "reauthenticate": "asfnet.forms.MfaReauthenticateForm"}
# Sessions live in the database (Django's default engine), not in the cache: a Redis outage logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
USERSESSIONS_TRACK_ACTIVITY = True

SESSION_COOKIE_AGE = env_int("SESSION_ABSOLUTE_TIMEOUT", 12 * 3600, minimum=60)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 60 * 60, minimum=60)
# A session's activity (its last-seen time, allauth's record of it) is written at most this often, not on every
# request: 5 minutes, or a tenth of a shorter idle timeout. The idle timeout may end a session up to this much early.
SESSION_ACTIVITY_INTERVAL = min(5 * 60, SESSION_IDLE_TIMEOUT // 10)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

# --- Security headers (production values whenever DEBUG is off) ------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
else:
    # Development serves plain HTTP: no redirect, no Secure cookies. The HSTS values are production's.
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Extra image hosts for the Content-Security-Policy (the directory map's tile server comes here).
CSP_IMG_HOSTS = env_list("CSP_IMG_HOSTS")
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Internationalisation ---------------------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media/"  # never served directly; files go out through authorised views
# Where uploads are stored: "filesystem" (MEDIA_ROOT, the default: one volume shared by every node) or "s3", an
# S3-compatible object store through django-storages (several hosts, docs/scaling.md). The bucket stays private:
# every file goes out through a view that checks who may read it (kernel/downloads.py), never by the bucket's URL.
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "filesystem").lower()
if MEDIA_STORAGE == "s3":
    MEDIA_S3_BUCKET = env_str("MEDIA_S3_BUCKET")
    if not MEDIA_S3_BUCKET:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET, the bucket the uploads go to.")
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            # Empty: AWS itself. MinIO, Ceph, Garage or a cloud's S3-compatible service: its address.
            "endpoint_url": env_str("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": env_str("MEDIA_S3_REGION") or None,
            # Empty: boto3's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, an instance role …).
            "access_key": env_str("MEDIA_S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("MEDIA_S3_SECRET_ACCESS_KEY") or None,
            "location": env_str("MEDIA_S3_PREFIX"),  # a folder in the bucket; empty: its root
            "addressing_style": env_str("MEDIA_S3_ADDRESSING_STYLE") or None,  # "path" for most self-hosted stores
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,  # a second upload under a taken name gets a new name, as on disk
        },
    }
elif MEDIA_STORAGE == "filesystem":
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be filesystem or s3, not {MEDIA_STORAGE!r}.")
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        # whitenoise's compressed manifest storage, each file's URL worked out once per process.
        "BACKEND": (
            "kernel.staticfiles.ManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Files browsers ask for at the site root (/favicon.ico), served by whitenoise like the static files.
WHITENOISE_ROOT = BASE_DIR / "public"
# The map's own outlines (static/map/sweden.topojson) go out as JSON (TopoJSON has no media type of its own), not
# as a download.
WHITENOISE_MIMETYPES = {".topojson": "application/json"}
if DEBUG:
    STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing STATIC_ROOT; finders serve the files

# --- E-mail -------------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "asfnet <noreply@asfnet.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Every e-mail goes through a durable outbox and the task queue (kernel/mail.py): a request never waits for
# the SMTP server. The task delivers with EMAIL_DELIVERY_BACKEND and retries SMTP/network errors with
# exponential backoff. Embedded default: the task runs in-process and prints the mail to the console.
EMAIL_BACKEND = "kernel.mail.QueuedEmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 5, minimum=1)  # seconds, per SMTP operation, in the worker only
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS", 8, minimum=1)
EMAIL_RETRY_BASE_SECONDS = env_int("EMAIL_RETRY_BASE_SECONDS", 30, minimum=1)

# --- Logging: one line per record, always with the request id ----------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "kernel.request_context.RequestIdLogFilter"},
        # 4xx answers (403, 400 SuspiciousOperation …) as one WARNING line without a traceback; 5xx keep
        # theirs. On django.request itself and on the console handler (django.security.* records).
        "client_errors": {"()": "kernel.log_filters.ClientErrorLogFilter"},
    },
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s [request_id=%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": sys.stderr,
            "filters": ["client_errors", "request_id"],
            "formatter": "line",
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["client_errors"]},
        "celery": {"level": "INFO"},
        # WeasyPrint logs every step of every PDF (and of its own style sheet when imported) at INFO.
        "weasyprint": {"level": "WARNING"},
    },
}

# --- asfnet's own knobs -------------------------------------------------------------------------------
# Benchmark-only endpoints under /bench/ (asfnet/bench_urls.py): the ceilings `make bench` measures the search
# page against. Off by default (and always off in the test settings). Leave it off in production: the views
# show only public data, but they are not part of the product.
BENCH_ENDPOINTS = env_bool("BENCH_ENDPOINTS", False)
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14, minimum=1)
# Notifications: read ones are deleted after N days, every one (read or not) after M days (the daily purge).
NOTIFICATIONS_KEEP_READ_DAYS = env_int("NOTIFICATIONS_KEEP_READ_DAYS", 90, minimum=1)
NOTIFICATIONS_KEEP_DAYS = env_int("NOTIFICATIONS_KEEP_DAYS", 365, minimum=1)

# --- Report runs ----------------------------------------------------------------------------------------
# A worker holds a run for this long and renews the lease at every step; when it dies, the run is taken
# over once the lease has expired (by a redelivered task or the sweeper), at most REPORT_RUN_MAX_ATTEMPTS
# times in all before the run is marked failed.
REPORT_RUN_LEASE_SECONDS = env_int("REPORT_RUN_LEASE_SECONDS", 300, minimum=1)
REPORT_RUN_MAX_ATTEMPTS = env_int("REPORT_RUN_MAX_ATTEMPTS", 3, minimum=1)
# Milliseconds the computation sleeps at every step: always 0 here. Only the test settings read it from the
# environment, so a fault test can kill a worker in the middle of a run.
REPORT_RUN_STEP_DELAY_MS = 0
# Directory freshness: a profile its members have not confirmed for N months shows "needs update" and its
# members are nudged by e-mail; after M months it is left out of public search until confirmed.
DIRECTORY_NEEDS_UPDATE_MONTHS = env_int("DIRECTORY_NEEDS_UPDATE_MONTHS", 6, minimum=1)
DIRECTORY_HIDE_AFTER_MONTHS = env_int("DIRECTORY_HIDE_AFTER_MONTHS", 12, minimum=1)
# A coordinator's verification of an organisation holds this many months; coordinators are told 30 days before
# it expires and when it has expired (directory/verification.py).
VERIFICATION_VALID_MONTHS = env_int("VERIFICATION_VALID_MONTHS", 12, minimum=1)
# Evidence of a certification: one PDF (kernel/uploads.py), at most this many bytes.
CERTIFICATION_EVIDENCE_MAX_BYTES = env_int("CERTIFICATION_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
DIRECTORY_NAME_COLLATION = "sv-SE-x-icu"  # ICU collation shipped with Debian's PostgreSQL
# Reports of outdated information (directory/outdated/): one left open this many days goes to the coordinators;
# the reporter's optional e-mail is erased this many days after the report was closed.
OUTDATED_REPORT_ESCALATE_DAYS = env_int("OUTDATED_REPORT_ESCALATE_DAYS", 14, minimum=1)
OUTDATED_REPORT_CONTACT_KEEP_DAYS = env_int("OUTDATED_REPORT_CONTACT_KEEP_DAYS", 90, minimum=0)
# Events: how long a person offered a freed place has to accept it; default retention of personal data.
# Matchmaking: a placement opportunity expires unless its organisation refreshes it every N weeks.
OPPORTUNITY_REFRESH_WEEKS = env_int("OPPORTUNITY_REFRESH_WEEKS", 6, minimum=1)
# The officer's to-do "needs without a proposal": an open need with nothing proposed for it for N days.
NEED_WITHOUT_PROPOSAL_DAYS = env_int("NEED_WITHOUT_PROPOSAL_DAYS", 14, minimum=1)
EVENTS_OFFER_HOURS = env_int("EVENTS_OFFER_HOURS", 24, minimum=1)
EVENTS_RETENTION_DAYS = env_int("EVENTS_RETENTION_DAYS", 30, minimum=0)
# Retention of personal data (asfnet/processing.py declares each policy; the daily purge applies them).
# Participants: five years after both their exit and their project's end, the period ESF+ documents are kept
# for audit (Regulation (EU) 2021/1060, art. 82).
PARTICIPANT_RETENTION_MONTHS = env_int("PARTICIPANT_RETENTION_MONTHS", 60, minimum=1)
ACCOUNT_INACTIVE_MONTHS = env_int("ACCOUNT_INACTIVE_MONTHS", 24, minimum=1)
# The holder of an inactive account is warned by e-mail this many days before it is deleted.
ACCOUNT_INACTIVE_WARNING_DAYS = env_int("ACCOUNT_INACTIVE_WARNING_DAYS", 30, minimum=1)
REPORT_FILES_KEEP_DAYS = env_int("REPORT_FILES_KEEP_DAYS", 365, minimum=1)
# The erasure journal is also appended to this file (JSON lines), outside the database: restoring a backup
# from before an erasure brings the erased rows back, and `manage.py reapply_erasures` (run by `make restore`)
# erases them again from this file. Keep it on a persistent volume, not in the media directory. Empty: off.
ERASURE_JOURNAL_FILE = env_str("ERASURE_JOURNAL_FILE", str(VAR_DIR / "erasure-journal.jsonl"))
# Logos: accepted formats, size and pixel limits; every upload is re-encoded to PNG under a new name.
LOGO_MAX_BYTES = env_int("LOGO_MAX_BYTES", 2 * 1024 * 1024, minimum=1024)
LOGO_MAX_PIXELS = env_int("LOGO_MAX_PIXELS", 4000 * 4000, minimum=10_000)
# CSV imports (kernel/tabular.py): the largest file an upload page takes; the import commands have no limit.
TABULAR_MAX_UPLOAD_BYTES = env_int("TABULAR_MAX_UPLOAD_BYTES", 5 * 1024 * 1024, minimum=1024)
# The map's tile server (Leaflet). The page still works — list and coordinates — when tiles do not load.
MAP_TILE_URL = env_str("MAP_TILE_URL")  # empty: no third-party request; the site's own outlines of Sweden
MAP_ATTRIBUTION = env_str("MAP_ATTRIBUTION", "© OpenStreetMap contributors")
if MAP_TILE_URL:
    _tiles = urlsplit(MAP_TILE_URL.replace("{s}", "a"))
    CSP_IMG_HOSTS = [*CSP_IMG_HOSTS, f"{_tiles.scheme}://{_tiles.netloc.replace('a.', '*.', 1)}"]
