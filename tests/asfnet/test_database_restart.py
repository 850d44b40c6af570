"""PostgreSQL restarted under load (docs/security-checks.md I49), on a cluster of the test's own: writers in a
process with the production settings (psycopg's pool, as gunicorn runs it) insert rows as requests do, the
server is killed (`pg_ctl -m immediate`: no shutdown checkpoint, crash recovery at start) and started again.
Errors only between the kill and 10 s after the start, none after; every acknowledged write is there once;
a row that was not acknowledged can only be one whose commit the outage cut off."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.faults import OwnPostgres, free_port

ROOT = Path(__file__).resolve().parents[2]
GRACE = 10.0  # seconds after the server is back in which errors are still allowed

pytestmark = [pytest.mark.chaos, pytest.mark.slow]

# The writers: each loop is one request (Django closes unusable connections when a request starts and ends).
LOAD = """
import json, sys, threading, time
import django
django.setup()
from django.conf import settings
from django.db import Error, close_old_connections, connection

assert not settings.DEBUG and "pool" in settings.DATABASES["default"]["OPTIONS"]
stop_at, out, lock = time.time() + float(sys.argv[1]), open(sys.argv[2], "w"), threading.Lock()

def writer(first):
    n = first
    while time.time() < stop_at:
        close_old_connections()
        try:
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO acknowledged (n) VALUES (%s)", [n])
            ok, error = True, ""
        except Error as exc:
            ok, error = False, type(exc).__name__
        close_old_connections()
        with lock:
            out.write(json.dumps({"n": n, "ok": ok, "t": time.time(), "error": error}) + "\\n")
            out.flush()
        n += 4
        time.sleep(0.02)

threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
"""


@pytest.fixture
def postgres():
    if reason := OwnPostgres.available():
        pytest.skip(reason)
    server = OwnPostgres(free_port())
    server.init()
    server.start()
    yield server
    server.destroy()


@pytest.mark.security("I49")
def test_postgresql_killed_and_restarted_under_load_loses_no_acknowledged_write_and_errors_only_meanwhile(
    tmp_path, postgres
):
    postgres.psql("CREATE DATABASE load")
    postgres.psql("CREATE TABLE acknowledged (id bigserial PRIMARY KEY, n integer NOT NULL)", "load")
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "asfnet.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "asfnet.example.se",
        "REDIS_URL": "redis://127.0.0.1:1/0",  # read by the settings, never connected to here
        "DATABASE_URL": postgres.url("load"),
        "ASFNET_VAR_DIR": str(tmp_path / "var"),
    }
    log = tmp_path / "writes.jsonl"
    load = subprocess.Popen([sys.executable, "-c", LOAD, "20", str(log)], cwd=ROOT, env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not log.exists() or log.read_text().count('"ok": true') < 20):
            assert load.poll() is None, load.stderr.read().decode()[-3000:]
            time.sleep(0.2)
        down = time.time()
        postgres.stop("immediate")
        time.sleep(2)
        postgres.start()
        up = time.time()
        _out, stderr = load.communicate(timeout=120)
    finally:
        if load.poll() is None:
            load.kill()
    assert load.returncode == 0, stderr.decode()[-3000:]
    assert time.time() > up + GRACE, "the writers went on past the grace period"

    writes = [json.loads(line) for line in log.read_text().splitlines()]
    failed = [w for w in writes if not w["ok"]]
    acknowledged = [w["n"] for w in writes if w["ok"]]
    assert failed, "the outage was seen by the writers"
    assert all(down <= w["t"] <= up + GRACE for w in failed), [w for w in failed if w["t"] > up + GRACE][:5]
    assert any(w["t"] > up + GRACE for w in writes if w["ok"]), "writes succeed again after the outage"

    stored: dict[int, int] = {}
    for line in postgres.psql("SELECT n, count(*) FROM acknowledged GROUP BY n", "load").splitlines():
        n, count = map(int, line.split("|"))
        stored[n] = count
    assert all(count == 1 for count in stored.values()), "no write is stored twice"
    assert set(acknowledged) <= set(stored), sorted(set(acknowledged) - set(stored))[:10]
    assert set(stored) - set(acknowledged) <= {w["n"] for w in failed}, "an extra row is a cut-off commit only"
    print(
        f"I49: {len(writes)} writes, {len(acknowledged)} acknowledged and stored, {len(failed)} refused during "
        f"the outage ({up - down:.1f} s down), {len(set(stored) - set(acknowledged))} cut-off commits stored"
    )
