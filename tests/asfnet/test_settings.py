"""Settings: the embedded default really works; production settings pass Django's deploy check and
fail closed (docs/security-checks.md G33); production settings have no test branch, and the test settings
(asfnet/settings_test.py) work from a bare environment without leaving anything in it."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a fresh shell: none of the test run's service URLs or pytest markers."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "DEBUG",
            "SECRET_KEY",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "DJANGO_SETTINGS_MODULE",
        }
        and not k.startswith("PYTEST_")
    }
    env.update(extra)
    return env


def _manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# Public pages a first visitor of `make run` reaches (the embedded default runs on SQLite, the suite on PostgreSQL):
# the directory and a search with facets, the map, events, opportunities, the open data API; and a profile.
EMBEDDED_PAGES = [
    "/directory/",
    "/directory/?q=tr%C3%A4dg%C3%A5rd&kind=asf&page=2",
    "/directory/?sort=updated&page=0",
    "/directory/map/",
    "/events/",
    "/opportunities/",
    "/api/v1/organizations",
]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The embedded default of `make run`, migrated and seeded with the demo data: (its folder, its environment)."""
    folder = tmp_path_factory.mktemp("embedded")
    env = _clean_env(DEBUG="true", ASFNET_VAR_DIR=str(folder), SQLITE_PATH=str(folder / "db.sqlite3"))
    migrate = _manage("migrate", "--noinput", env=env)
    assert migrate.returncode == 0, migrate.stderr
    seed = _manage("seed_demo", env=env)
    assert seed.returncode == 0, seed.stderr
    assert "coordinator@demo.asfnet.se" in seed.stdout
    return folder, env


@pytest.mark.slow
def test_embedded_default_migrates_seeds_and_renders_home(embedded):
    tmp_path, env = embedded
    render = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='asfnet.settings'; django.setup();"
            "from django.conf import settings; from django.test import Client;"
            "assert settings.DATABASES['default']['ENGINE'].endswith('sqlite3');"
            "assert settings.CELERY_TASK_ALWAYS_EAGER;"
            "from directory.models import Organisation;"
            "code = Organisation.objects.filter(published=True).values_list('code', flat=True).first();"
            "c = Client(HTTP_HOST='localhost');"
            f"pages = {EMBEDDED_PAGES!r} + [f'/directory/org/{{code}}/', f'/api/v1/organizations/{{code}}'];"
            "print([(p, c.get(p).status_code) for p in pages if c.get(p).status_code != 200]);"
            "r = c.get('/'); print(r.status_code);"
            "print(r.content.decode())",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert render.returncode == 0, render.stderr
    failed, _, rest = render.stdout.partition("\n")
    assert failed == "[]"  # every public page of the demo data answers 200 on SQLite too (no PostgreSQL-only SQL)
    status, _, html = rest.partition("\n")
    assert status == "200"
    assert '<html lang="sv">' in html
    assert (tmp_path / "db.sqlite3").exists()


@pytest.mark.slow
def test_every_demo_login_walks_the_embedded_default_without_an_error_or_a_dead_link(embedded):
    """`make run` as each person of the demo (and a visitor), on the national host and each förbund's: every
    page reached by following the links shown answers below 500 on SQLite, and no link shown leads to a page
    the person may not open (tests/embedded_walk.py). Under PostgreSQL the URL × role table holds this; SQLite
    lacks some of PostgreSQL's SQL (a coordinator's home page once failed on it)."""
    folder, env = embedded
    out = folder / "walk.json"
    walk = subprocess.run(
        [sys.executable, "-m", "tests.embedded_walk", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert walk.returncode == 0, walk.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["errors"] == []
    assert report["dead_links"] == []
    assert report["pages"] > 500  # the walk went beyond the front pages
    assert report["forms"] > 100


def _production_env(tmp_path, **extra: str) -> dict[str, str]:
    return _clean_env(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="asfnet.example.se",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        ASFNET_VAR_DIR=str(tmp_path),
        REDIS_URL="redis://127.0.0.1:6379/0",  # read, never connected to by these commands
        **extra,
    )


@pytest.mark.security("G33")
@pytest.mark.adversarial("G")
def test_deploy_check_passes_with_production_values(tmp_path):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.adversarial("G")
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "change-me"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"DEBUG": "flase"}, "DEBUG must be true or false"),
        ({"DB_POOL_MAX": "many"}, "DB_POOL_MAX"),
        # Without a shared cache, used TOTP codes and login rate limits would be per gunicorn worker.
        ({"REDIS_URL": ""}, "REDIS_URL is not set"),
    ],
)
@pytest.mark.security("K57")
def test_production_settings_fail_closed(tmp_path, overrides, message):
    # PYTEST_VERSION in the environment (a worker started by a test, a shell that ran pytest) changes nothing.
    env = _production_env(tmp_path, PYTEST_VERSION="9.0")
    env.update(overrides)
    env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/asfnet" if "DB_POOL_MAX" in overrides else ""
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.adversarial("G")
def test_demo_seed_is_refused_in_production(tmp_path):
    result = _manage("seed_demo", env=_production_env(tmp_path))
    assert result.returncode != 0
    assert "demo" in (result.stderr + result.stdout).lower()


def test_models_and_migrations_agree(db):
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)


@pytest.mark.parametrize(
    ("email_host", "delivery"),
    [
        ("smtp.example.se", "django.core.mail.backends.smtp.EmailBackend"),
        ("", "django.core.mail.backends.console.EmailBackend"),
    ],
)
def test_production_mail_goes_through_the_queue_and_is_delivered_by_the_worker(tmp_path, email_host, delivery):
    """Requests hand mail to the outbox and the task queue; only the worker talks to SMTP (issue 9, item 6)."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='asfnet.settings'; django.setup();"
            "from django.conf import settings as s; print(s.EMAIL_BACKEND); print(s.EMAIL_DELIVERY_BACKEND);"
            "print(s.EMAIL_TIMEOUT)",
        ],
        cwd=ROOT,
        env=_production_env(tmp_path, EMAIL_HOST=email_host),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["kernel.mail.QueuedEmailBackend", delivery, "5"]


_PROBE = """
import json, os, sys
import django
django.setup()
from django.conf import settings
print(json.dumps({
    "settings": {name: getattr(settings, name) for name in sys.argv[1:]},
    "environ": {name: os.environ.get(name) for name in ("SECRET_KEY", "ALLOWED_HOSTS", "REDIS_URL", "DB_POOL")},
}, default=str))
"""
_PROBED = (
    "ALLOWED_HOSTS",
    "PASSWORD_HASHERS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_NAME",
    "CACHES",
    "CELERY_BROKER_URL",
    "DATABASES",
    "REPORT_RUN_STEP_DELAY_MS",
    "BENCH_ENDPOINTS",
    "STORAGES",
    "SECRET_KEY",
)


def _probe(module: str, env: dict[str, str]) -> dict:
    """The settings of `module` in a fresh process with this environment, and its environment after setup."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *_PROBED],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": module},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


_UNDER_PYTEST = {
    "PYTEST_VERSION": "9.0",
    "PYTEST_XDIST_WORKER": "gw1",
    "REPORT_RUN_STEP_DELAY_MS": "250",
    "BENCH_ENDPOINTS": "true",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/asfnet",  # parsed, never connected to
}


def test_production_settings_are_the_same_under_pytest(tmp_path):
    """asfnet.settings has no "are we under pytest" branch: pytest's variables change none of its values."""
    probed = _probe("asfnet.settings", _production_env(tmp_path, **_UNDER_PYTEST))["settings"]
    assert probed["ALLOWED_HOSTS"] == ["asfnet.example.se"]
    assert probed["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert (probed["SECURE_SSL_REDIRECT"], probed["SESSION_COOKIE_SECURE"]) == (True, True)
    assert probed["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert probed["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/0"
    assert probed["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/1"
    assert "pool" in probed["DATABASES"]["default"]["OPTIONS"]
    assert probed["REPORT_RUN_STEP_DELAY_MS"] == 0
    assert probed["BENCH_ENDPOINTS"] is True  # what the environment says
    assert probed["STORAGES"]["staticfiles"]["BACKEND"] == "kernel.staticfiles.ManifestStaticFilesStorage"


def test_test_settings_work_from_a_bare_environment_and_leave_it_as_it_was(tmp_path):
    """A placeholder SECRET_KEY, no ALLOWED_HOSTS, no REDIS_URL: the test settings supply test values while
    the production module is imported, then restore the environment (processes a test starts see its own)."""
    env = _clean_env(SECRET_KEY="change-me", ASFNET_VAR_DIR=str(tmp_path), **_UNDER_PYTEST)
    for name in ("ALLOWED_HOSTS", "DB_POOL"):
        env.pop(name, None)
    probed = _probe("asfnet.settings_test", env)
    values = probed["settings"]
    assert values["SECRET_KEY"] != "change-me" and len(values["SECRET_KEY"]) >= 50
    assert values["ALLOWED_HOSTS"] == ["testserver", "localhost", "127.0.0.1", ".testserver"]
    assert values["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.MD5PasswordHasher"
    assert (values["SECURE_SSL_REDIRECT"], values["SESSION_COOKIE_SECURE"]) == (False, False)
    assert values["SESSION_COOKIE_NAME"] == "sessionid"
    # xdist worker gw1: databases 10 (cache) and 11 (broker) of the local Redis
    assert values["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/10"
    assert values["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/11"
    assert "pool" not in values["DATABASES"]["default"]["OPTIONS"]
    assert values["REPORT_RUN_STEP_DELAY_MS"] == 250
    assert values["BENCH_ENDPOINTS"] is False
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    assert probed["environ"] == {"SECRET_KEY": "change-me", "ALLOWED_HOSTS": None, "REDIS_URL": None, "DB_POOL": None}


_COOKIES_UNDER_PRODUCTION_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.http import HttpResponse
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.test import RequestFactory

with connection.schema_editor() as editor:  # only where the session is stored; the cookie is the point
    editor.create_model(Session)

def view(request):
    get_token(request)
    request.session["seen"] = True
    return HttpResponse("ok")

request = RequestFactory().get("/", secure=True, HTTP_HOST="asfnet.example.se")
response = SessionMiddleware(CsrfViewMiddleware(view))(request)
print(json.dumps({
    "debug": settings.DEBUG,
    "cookies": {
        name: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"]), "samesite": m["samesite"],
               "path": m["path"], "domain": m["domain"]}
        for name, m in response.cookies.items()
    },
}))
"""


@pytest.mark.security("B9")
@pytest.mark.adversarial("B")
def test_production_settings_send_session_and_csrf_cookies_secure_httponly_and_samesite_lax(tmp_path):
    """The production settings module itself (DEBUG=false, no override), in a process of its own: the cookies
    Django's session and CSRF middleware set carry Secure, SameSite=Lax and the __Host- prefix (so no
    Domain, path /); the session cookie is HttpOnly (the CSRF cookie is not: forms read the token from the page)."""
    env = _production_env(tmp_path, DJANGO_SETTINGS_MODULE="asfnet.settings")
    result = subprocess.run(
        [sys.executable, "-c", _COOKIES_UNDER_PRODUCTION_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["debug"] is False
    cookies = seen["cookies"]
    assert set(cookies) == {"__Host-sessionid", "__Host-csrftoken"}
    for name, flags in cookies.items():
        assert flags["secure"], name
        assert flags["samesite"] == "Lax", name
        assert (flags["path"], flags["domain"]) == ("/", ""), name
    assert cookies["__Host-sessionid"]["httponly"]


# --- Scale-out settings (docs/scaling.md): object storage for uploads, Redis Sentinel ----------------------------
_STORAGE_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.core.files.storage import default_storage
default_storage._setup()
storage = default_storage._wrapped
print(json.dumps({
    "backend": settings.STORAGES["default"]["BACKEND"],
    "class": f"{type(storage).__module__}.{type(storage).__name__}",
    "bucket": getattr(storage, "bucket_name", None),
    "endpoint": getattr(storage, "endpoint_url", None),
    "access_key": getattr(storage, "access_key", None),
    "location": getattr(storage, "location", None),
    "default_acl": getattr(storage, "default_acl", None),
    "querystring_auth": getattr(storage, "querystring_auth", None),
}))
"""


def _storage(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _STORAGE_PROBE],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "asfnet.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_uploads_are_on_the_file_system_by_default(tmp_path):
    result = _storage(_production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen["backend"] == "django.core.files.storage.FileSystemStorage"
    assert seen["class"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert seen["location"] == str(tmp_path / "media")


def test_media_storage_s3_selects_django_storages_s3_backend_with_a_private_bucket(tmp_path):
    """MEDIA_STORAGE=s3 puts uploads in an S3-compatible bucket (django-storages); building the storage connects
    to nothing."""
    env = _production_env(
        tmp_path,
        MEDIA_STORAGE="s3",
        MEDIA_S3_BUCKET="asfnet-media",
        MEDIA_S3_ENDPOINT_URL="http://minio.invalid:9000",
        MEDIA_S3_ACCESS_KEY_ID="asfnet",
        MEDIA_S3_SECRET_ACCESS_KEY="not-a-real-secret",
        MEDIA_S3_PREFIX="uploads",
    )
    result = _storage(env)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen["backend"] == "storages.backends.s3.S3Storage"
    assert seen["class"] == "storages.backends.s3.S3Storage"
    assert (seen["bucket"], seen["endpoint"], seen["access_key"]) == (
        "asfnet-media",
        "http://minio.invalid:9000",
        "asfnet",
    )
    assert seen["location"] == "uploads"
    # Private objects, reachable only through asfnet's own views (or a signed URL), never by a public one.
    assert (seen["default_acl"], seen["querystring_auth"]) == ("private", True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"MEDIA_STORAGE": "s3"}, "MEDIA_S3_BUCKET"),
        ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE must be filesystem or s3"),
        ({"REDIS_SENTINELS": "sentinel-1:many"}, "REDIS_SENTINELS"),
    ],
)
def test_scale_out_settings_fail_closed(tmp_path, overrides, message):
    result = _manage("check", env={**_production_env(tmp_path), **overrides})
    assert result.returncode != 0
    assert message in result.stderr


_SENTINEL_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.core.cache import cache
from asfnet.celery import app
pool = cache._cache._get_connection_pool(True)
print(json.dumps({
    "pool": f"{type(pool).__module__}.{type(pool).__name__}",
    "service_name": pool.service_name,
    "sentinels": [[c.connection_pool.connection_kwargs["host"], c.connection_pool.connection_kwargs["port"]]
                  for c in pool.sentinel_manager.sentinels],
    "sentinel_password": pool.sentinel_manager.sentinels[0].connection_pool.connection_kwargs.get("password"),
    "master_db": pool.connection_kwargs["db"],
    "master_password": pool.connection_kwargs["password"],
    "broker": app.conf.broker_url,
    "broker_options": app.conf.broker_transport_options,
    "result_backend": app.conf.result_backend,
    "result_options": app.conf.result_backend_transport_options,
}))
"""


def test_redis_sentinel_configures_the_cache_the_broker_and_the_results(tmp_path):
    """REDIS_SENTINELS: the cache's connection pool asks the sentinels for the master of REDIS_SENTINEL_MASTER;
    Celery gets sentinel:// URLs (the broker one database above the cache) with master_name. Nothing connects."""
    env = _production_env(
        tmp_path,
        REDIS_SENTINELS="sentinel-1:26379, sentinel-2, sentinel-3:26380",
        REDIS_SENTINEL_MASTER="asfnet-redis",
        REDIS_SENTINEL_PASSWORD="sentinel-secret",
    )
    env["REDIS_URL"] = "redis://:master-secret@asfnet-redis/0"  # the master's password and database; no host
    result = subprocess.run(
        [sys.executable, "-c", _SENTINEL_PROBE],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "asfnet.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen["pool"] == "redis.sentinel.SentinelConnectionPool"
    assert seen["service_name"] == "asfnet-redis"
    assert seen["sentinels"] == [["sentinel-1", 26379], ["sentinel-2", 26379], ["sentinel-3", 26380]]
    assert seen["sentinel_password"] == "sentinel-secret"
    assert (seen["master_db"], seen["master_password"]) == (0, "master-secret")
    broker = "sentinel://:master-secret@sentinel-1:26379/1;sentinel://:master-secret@sentinel-2:26379/1;"
    broker += "sentinel://:master-secret@sentinel-3:26380/1"
    assert seen["broker"] == seen["result_backend"] == broker
    for options in (seen["broker_options"], seen["result_options"]):
        assert options["master_name"] == "asfnet-redis"
        assert options["sentinel_kwargs"] == {"password": "sentinel-secret"}
    assert seen["broker_options"]["visibility_timeout"] == 3600  # the other transport options are kept


def test_without_sentinels_redis_is_reached_directly(tmp_path):
    probed = _probe("asfnet.settings", _production_env(tmp_path))["settings"]
    assert "pool_class" not in probed["CACHES"]["default"]["OPTIONS"]
    assert probed["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/1"
