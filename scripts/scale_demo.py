"""`make scale-demo`: asfnet scaled out on real engines on this one machine, then broken on purpose.

Starts, each on a spare port of 127.0.0.1 and in a temporary folder (never touching the shared PostgreSQL or
Redis):

* a PostgreSQL primary (initdb) and a streaming replica made from it with `pg_basebackup -R`;
* a Redis server: sessions are in the database, cache, rate limits and the Celery broker in Redis, uploads in
  one media folder (object storage in production, docs/scaling.md), so no web node holds state of its own;
* two gunicorn nodes with DATABASE_REPLICA_URL (kernel/replica.py routes anonymous public reads there);
* a Celery worker as a process of its own;
* HAProxy (Debian's package) in front of the two nodes, health-checking /healthz.

Before the load, with everything up, it shows that no web node keeps state of its own, talking to each node
directly (not through the balancer): a person logs in on web1 and their session works on web2; the logo they
upload on web1 is served by web2; the limit of five "report outdated information" per hour and client is counted
across both nodes (the sixth report, on either node, gets 429).

Then it drives load through the balancer in four phases — all up; one web node stopped; the replica stopped;
both back — with anonymous readers (directory search, API) and logged-in writers who save a search and at once
read their list of saved searches back. In every phase a coordinator also asks, through the balancer, for an
ESF+ report run, which the Celery worker claims and aggregates — on the replica while it runs, on the primary
while it is stopped (the worker's log says which) — and the run must finish. It reports per phase: requests,
errors, p50/p95 latency, the share of anonymous reads the replica served, writes acknowledged, own writes not seen
at once (stale), the report run, and at the end every acknowledged write looked up on the primary (lost). Writes
results to bench-results/scale-demo.json. Exit status 1 when any request failed, a write was lost, a person read
a stale copy of their own write, a report run did not finish or read from the wrong database, or a node kept
state of its own."""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import io
import json
import math
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python scripts/scale_demo.py`: the bench package is beside scripts/
from bench.harness import free_port, stop_process  # noqa: E402 - the benchmarks' own; no Django

PG_BIN = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]) if Path("/usr/lib/postgresql").exists() else None
WRITERS_PER_USER = 20  # directory.saved_searches.services.MAX_PER_USER
SHARED_PORTS = {5432, 6379}  # the machine's own PostgreSQL and Redis: the demo starts its own on spare ports
# Inherited variables that could point a demo process at another database, Redis, broker or media store.
FOREIGN_ENV_PREFIXES = ("DATABASE_", "REDIS_", "CELERY_", "MEDIA_", "DJANGO_", "SQLITE_", "ASFNET_VAR_DIR", "DB_POOL")
FORBUND_HOST = "sodranorrbotten.localhost"  # the demo förbund whose coordinator asks for the report runs
OUTDATED_LIMIT = 5  # settings.ACCOUNT_RATE_LIMITS["directory_outdated_report"]: 5 per hour and client


def log(message: str) -> None:
    print(f"[scale-demo {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, text=True, capture_output=True, **kwargs)  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: its commands run as the postgres user when we are root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def wait_for(check: Any, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.3)
    raise SystemExit(f"{what} did not come up within {seconds:.0f} s")


def ensure_haproxy() -> str:
    found = shutil.which("haproxy") or (Path("/usr/sbin/haproxy").exists() and "/usr/sbin/haproxy")
    if found:
        return str(found)
    if os.geteuid() != 0:
        raise SystemExit("HAProxy is missing: apt-get install haproxy (as root)")
    log("installing Debian's haproxy")
    run(["apt-get", "install", "-y", "-qq", "haproxy"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return "/usr/sbin/haproxy"


class Topology:
    """Every process of the demo, started in order and stopped in reverse, whatever happens."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.clusters: list[Path] = []
        self.ports = {name: free_port() for name in ("primary", "replica", "redis", "web1", "web2", "balancer")}
        # The shared PostgreSQL and Redis of `make test` and `make run` are never touched.
        assert not set(self.ports.values()) & SHARED_PORTS, self.ports
        self.env: dict[str, str] = {}

    # --- PostgreSQL ----------------------------------------------------------------------------------------
    def pg_ctl(self, data: Path, action: str, *, port: int | None = None) -> None:
        command = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(data / "server.log")]
        if port is not None:
            command += ["-o", f"-p {port} -k {self.workdir} -c listen_addresses=127.0.0.1"]
        run(as_postgres([*command, action, *(["-m", "fast"] if action == "stop" else [])]))

    def start_primary(self) -> None:
        data = self.workdir / "primary"
        run(as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]))
        with (data / "postgresql.conf").open("a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\nfsync = off\n")
        with (data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        self.clusters.append(data)
        self.pg_ctl(data, "start", port=self.ports["primary"])
        run(as_postgres([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.ports["primary"]), "asfnet"]))
        log(f"PostgreSQL primary on :{self.ports['primary']}")

    def start_replica(self) -> None:
        data = self.workdir / "replica"
        run(
            as_postgres(
                [
                    str(PG_BIN / "pg_basebackup"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.ports["primary"]),
                    "-U",
                    "postgres",
                    "-D",
                    str(data),
                    "-R",
                    "-X",
                    "stream",
                    "--checkpoint=fast",  # not the default spread checkpoint, which waits minutes
                ]
            )
        )
        self.clusters.append(data)
        self.pg_ctl(data, "start", port=self.ports["replica"])
        log(f"PostgreSQL streaming replica on :{self.ports['replica']} (pg_basebackup -R)")

    def sql(self, port: int, query: str) -> str:
        return run(
            [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "asfnet", "-Atc", query]
        ).stdout.strip()

    # --- the rest -----------------------------------------------------------------------------------------
    def spawn(self, name: str, command: list[str], **kwargs: Any) -> None:
        log_file = (self.workdir / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(  # noqa: S603
            command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **kwargs
        )

    def stop(self, name: str) -> None:
        stop_process(self.processes.get(name))

    def start_redis(self) -> None:
        self.spawn("redis", ["redis-server", "--port", str(self.ports["redis"]), "--save", "", "--appendonly", "no"])
        wait_for(lambda: socket.create_connection(("127.0.0.1", self.ports["redis"]), 1), "Redis")
        log(f"Redis on :{self.ports['redis']}")

    def django_env(self) -> dict[str, str]:
        primary = f"postgres://postgres@127.0.0.1:{self.ports['primary']}/asfnet"
        replica = f"postgres://postgres@127.0.0.1:{self.ports['replica']}/asfnet"
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_ENV_PREFIXES)}
        self.env = {
            **inherited,
            "DJANGO_SETTINGS_MODULE": "asfnet.settings",
            "DATABASE_URL": primary,
            "DATABASE_REPLICA_URL": replica,
            "REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/0",
            "DEBUG": "false",
            "DEMO_MODE": "true",
            "SECRET_KEY": secrets.token_urlsafe(50),
            # The demo förbund's own host (sodranorrbotten.localhost) for the coordinator's report runs.
            "ALLOWED_HOSTS": "127.0.0.1,localhost,.localhost",
            "NATIONAL_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "MEDIA_ROOT": str(self.workdir / "media"),  # one media folder for both nodes
            "MEDIA_STORAGE": "filesystem",
            "LOG_LEVEL": "WARNING",
            "EMAIL_HOST": "",
            "TRUSTED_PROXY_COUNT": "0",  # HAProxy adds no X-Forwarded-For: a client is its address
        }
        return self.env

    def manage(self, *args: str) -> str:
        return run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env).stdout

    def start_web(self, name: str) -> None:
        port = self.ports[name]
        self.spawn(
            name,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "asfnet.wsgi:application",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "10",
            ],
            cwd=ROOT,
            env=self.env,
        )
        wait_for(lambda: fetch(f"http://127.0.0.1:{port}/healthz")[0] == 200, f"gunicorn {name}")
        log(f"gunicorn {name} on :{port}")

    def start_worker(self) -> None:
        self.spawn(
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "asfnet",
                "worker",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",  # the log line of each report run: "aggregated on the replica/primary"
                "--hostname",
                "scale-demo@%h",
            ],
            cwd=ROOT,
            env={**self.env, "LOG_LEVEL": "INFO"},
        )
        wait_for(lambda: "ready" in (self.workdir / "worker.log").read_text(errors="replace"), "Celery worker")
        log("Celery worker started (a process of its own, on the shared Redis broker)")

    def start_balancer(self, haproxy: str) -> None:
        config = self.workdir / "haproxy.cfg"
        config.write_text(
            f"""global
    maxconn 512
    log stdout format raw local0
defaults
    mode http
    log global
    option httplog
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    # A health check answered slowly under load is not a dead node (without this the check's timeout is its
    # interval, 500 ms here).
    timeout check 5s
    retries 3
    option redispatch
    retry-on conn-failure empty-response
    # A request is retried only when HAProxy holds all of it: wait for a POST's body before choosing a node.
    # Without it a POST left in a stopping node's accept queue (reset, never read by Django) was a 502.
    option http-buffer-request
frontend asfnet
    bind 127.0.0.1:{self.ports["balancer"]}
    default_backend web
backend web
    balance roundrobin
    # gunicorn's sync workers close every connection after the answer: a connection kept for reuse may be
    # closed under a POST, which HAProxy must not send twice (a 502). One connection per request.
    http-reuse never
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
    server web1 127.0.0.1:{self.ports["web1"]} check
    server web2 127.0.0.1:{self.ports["web2"]} check
"""
        )
        run([haproxy, "-c", "-f", str(config)])
        self.spawn("balancer", [haproxy, "-db", "-f", str(config)])
        wait_for(lambda: fetch(self.url("/healthz"))[0] == 200, "HAProxy")
        log(f"HAProxy on :{self.ports['balancer']} in front of web1 and web2")

    def url(self, path: str, node: str = "balancer") -> str:
        return f"http://127.0.0.1:{self.ports[node]}{path}"

    def report_sources(self) -> dict[str, str]:
        """Report run code → the database its aggregation read ("replica" or "primary"), from the worker's log."""
        text = (self.workdir / "worker.log").read_text(errors="replace")
        return dict(re.findall(r"report run ([0-9a-f-]{36}): aggregated on the (replica|primary)", text))

    def server_errors(self) -> dict[str, list[str]]:
        """What the balancer logged for answers of 500 and above (with its termination state, which says which
        side closed), and what the web nodes logged as errors: the cause behind an error a client counted."""
        found: dict[str, list[str]] = {}
        for name in ("balancer", "web1", "web2"):
            log_file = self.workdir / f"{name}.log"
            if not log_file.exists():
                continue
            lines = log_file.read_text(errors="replace").splitlines()
            if name == "balancer":
                wanted = [line for line in lines if re.search(r" 5\d\d -?\d+ ", line)]
            else:
                wanted = [line for line in lines if re.search(r"\[(CRITICAL|ERROR)\]|Traceback|Error", line)]
            if wanted:
                found[name] = wanted[-20:]
        return found

    def shutdown(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop(name)
        for data in reversed(self.clusters):
            with contextlib.suppress(Exception):
                self.pg_ctl(data, "stop")


def fetch_raw(
    url: str,
    *,
    opener: Any = None,
    data: dict[str, str] | None = None,
    files: dict[str, tuple[str, str, bytes]] | None = None,
    host: str = "127.0.0.1",
) -> tuple[int, bytes, dict[str, str]]:
    """status, body and headers (names in lower case, as HAProxy forwards them); `files` (field → (file name,
    content type, bytes)) sends multipart/form-data."""
    headers = {"Host": host}
    body: bytes | None = None
    if files:
        boundary = secrets.token_hex(16)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in (data or {}).items()
        ]
        for name, (filename, content_type, content) in files.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n".encode()
                + content
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    elif data is not None:
        body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=30) as response:
            return response.status, response.read(), {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, error.read(), {k.lower(): v for k, v in error.headers.items()}


def fetch(
    url: str, *, opener: Any = None, data: dict[str, str] | None = None, host: str = "127.0.0.1"
) -> tuple[int, str]:
    status, body, _headers = fetch_raw(url, opener=opener, data=data, host=host)
    return status, body.decode("utf-8", "replace")


def csrf_token(page: str) -> str | None:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    return found.group(1) if found else None


def cookie_opener(jar: http.cookiejar.CookieJar | None = None) -> Any:
    return urllib.request.build_opener(BalancerCookies(jar or http.cookiejar.CookieJar()), NoRedirect())


class BalancerCookies(urllib.request.HTTPCookieProcessor):
    """The site sets its cookies Secure (TLS ends at the balancer in production). This client talks plain HTTP
    to the balancer, so it keeps sending them, as a browser behind a TLS-terminating balancer does."""

    def http_response(self, request: Any, response: Any) -> Any:
        response = super().http_response(request, response)
        for cookie in self.cookiejar:
            cookie.secure = False
        return response


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Phase:
    def __init__(self, name: str) -> None:
        self.name = name
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.reads = 0
        self.writes_acknowledged: list[str] = []
        self.stale = 0
        self.lock = threading.Lock()
        self.replica_transactions = 0
        self.report_run: dict[str, Any] | None = None

    def record(self, started: float, ok: bool, what: str) -> None:
        with self.lock:
            self.latencies.append(time.monotonic() - started)
            if not ok:
                self.errors.append(what)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)] if ordered else None
        return {
            "phase": self.name,
            "requests": len(ordered),
            "errors": len(self.errors),
            "error_examples": self.errors[:5],
            "p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else None,
            "p95_ms": round(p95 * 1000, 1) if p95 is not None else None,
            "anonymous_reads": self.reads,
            "replica_transactions": self.replica_transactions,
            "writes_acknowledged": len(self.writes_acknowledged),
            "stale_own_reads": self.stale,
            "report_run": self.report_run,
        }


def prepare(topology: Topology, writers: int) -> dict[str, Any]:
    """What the demo needs from the seeded data, read in one Django process: `writers` people with a session
    each, made the way Django's test client logs in (the demo measures the balancer, not the login form and its
    rate limits); a session of the demo coordinator (a force_login skips the TOTP step, as the test client
    does); the coordinator's project and its period; the organisation of the ASF staff login
    (asf@demo.asfnet.se, no TOTP) whose logo is uploaded."""
    code = (
        "import django, json, sys\ndjango.setup()\nfrom django.conf import settings\nfrom django.test import Client\n"
        "from directory.demo import DEMO_PASSWORD\nfrom directory.models import Organisation\n"
        "from kernel.models import User\nfrom matchmaking.models import FundedProject\n"
        "def session(user):\n"
        "    client = Client()\n"
        "    client.force_login(user)\n"
        "    return client.cookies[settings.SESSION_COOKIE_NAME].value\n"
        "writers = [session(User.objects.get_or_create(email=f'skala{i}@example.se')[0])\n"
        "           for i in range(int(sys.argv[1]))]\n"
        "project = FundedProject.objects.filter(forbund__slug='sodra-norrbotten').order_by('pk').first()\n"
        "asf = User.objects.get(email='asf@demo.asfnet.se')\n"
        "organisation = Organisation.objects.public().filter(memberships__user=asf).get()\n"
        "print(json.dumps({'cookie': settings.SESSION_COOKIE_NAME, 'writers': writers,\n"
        "    'coordinator': session(User.objects.get(email='coordinator@demo.asfnet.se')),\n"
        "    'project': project.diarienummer,\n"
        "    'period_from': str(project.starts_on), 'period_to': str(project.ends_on),\n"
        "    'organisation': str(organisation.code), 'login': asf.email, 'password': DEMO_PASSWORD}))\n"
    )
    return json.loads(run([sys.executable, "-c", code, str(writers)], cwd=ROOT, env=topology.env).stdout)


def session_opener(topology: Topology, cookie: str, value: str, *, host: str = "127.0.0.1", path: str = "/directory/"):
    """An opener that carries the session cookie, and a CSRF token read from `path` served through the balancer."""
    jar = http.cookiejar.CookieJar()
    jar.set_cookie(
        http.cookiejar.Cookie(
            0, cookie, value, None, False, "127.0.0.1", False, False, "/", True, False, None, True, None, None, {}
        )
    )
    opener = cookie_opener(jar)
    status, page = fetch(topology.url(path), opener=opener, host=host)
    token = csrf_token(page)
    if status != 200 or token is None:
        raise SystemExit(f"could not open a session through the balancer on {host}{path} (status {status})")
    return opener, token


def writer_sessions(topology: Topology, prepared: dict[str, Any]) -> list[tuple[Any, str]]:
    return [session_opener(topology, prepared["cookie"], value) for value in prepared["writers"]]


def small_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 32), (0, 110, 80)).save(buffer, format="PNG")
    return buffer.getvalue()


def shared_state_checks(topology: Topology, prepared: dict[str, Any]) -> list[dict[str, Any]]:
    """Talking to each web node directly, not through the balancer: what one node stores, the other sees."""
    checks: list[dict[str, Any]] = []

    def check(name: str, ok: bool, detail: str) -> None:
        checks.append({"check": name, "ok": ok, "detail": detail})
        log(f"shared state: {name}: {'ok' if ok else 'FAILED'} ({detail})")

    web1, web2 = (lambda path: topology.url(path, "web1")), (lambda path: topology.url(path, "web2"))
    org = prepared["organisation"]

    # 1. A session made by logging in on web1 (the real login form) is a session on web2.
    person = cookie_opener()
    status, page = fetch(web1("/accounts/login/"), opener=person)
    status, _ = fetch(
        web1("/accounts/login/"),
        opener=person,
        data={
            "csrfmiddlewaretoken": csrf_token(page) or "",
            "login": prepared["login"],
            "password": prepared["password"],
        },
    )
    logged_in = status == 302
    status2, page2 = fetch(web2(f"/directory/org/{org}/logo/"), opener=person)  # login_required: 302 when anonymous
    check(
        "session made on web1 used on web2",
        logged_in and status2 == 200 and csrf_token(page2) is not None,
        f"login on web1 {status}, logged-in page on web2 {status2}",
    )

    # 2. A file uploaded through web1 is served by web2.
    status, _ = fetch_raw(
        web1(f"/directory/org/{org}/logo/"),
        opener=person,
        data={"csrfmiddlewaretoken": csrf_token(page2) or ""},
        files={"logo": ("logo.png", "image/png", small_png())},
    )[:2]
    on_web1 = fetch_raw(web1(f"/directory/org/{org}/logo.png"))
    on_web2 = fetch_raw(web2(f"/directory/org/{org}/logo.png"))
    check(
        "logo uploaded on web1 served by web2",
        status == 302 and on_web2[0] == 200 and on_web2[1][:8] == b"\x89PNG\r\n\x1a\n" and on_web2[1] == on_web1[1],
        f"upload on web1 {status}, logo from web1 {on_web1[0]} ({len(on_web1[1])} bytes), "
        f"from web2 {on_web2[0]} ({len(on_web2[1])} bytes, {'the same' if on_web2[1] == on_web1[1] else 'different'})",
    )

    # 3. The outdated-information limit (5 per hour and client) counts on both nodes together: five reports
    # alternately on web1 and web2 are taken, the sixth is refused whichever node gets it.
    visitor = cookie_opener()
    _status, page = fetch(web1(f"/directory/org/{org}/report/"), opener=visitor)
    token = csrf_token(page) or ""
    answers = []
    for i in range(OUTDATED_LIMIT + 2):
        node = web1 if i % 2 == 0 else web2
        status, _ = fetch(
            node(f"/directory/org/{org}/report/"),
            opener=visitor,
            data={"csrfmiddlewaretoken": token, "what_is_wrong": f"Telefonnumret stämmer inte (skala-demo {i})"},
        )
        answers.append(status)
    expected = [302] * OUTDATED_LIMIT + [429, 429]
    check(
        f"rate limit of {OUTDATED_LIMIT}/hour counted across web1 and web2",
        answers == expected,
        "answers alternately web1/web2: " + " ".join(map(str, answers)),
    )
    return checks


def request_report_run(
    topology: Topology, phase: Phase, coordinator: tuple[Any, str], prepared: dict[str, Any]
) -> dict[str, Any]:
    """A coordinator asks for an ESF+ report through the balancer; the Celery worker claims and computes it.
    Returns how the run went: its code, status, seconds until it finished, and where its aggregation read. The
    request and the run's page count among the phase's requests (and errors)."""
    opener, token = coordinator
    started = time.monotonic()
    status, _body, headers = fetch_raw(
        topology.url("/reports/"),
        opener=opener,
        host=FORBUND_HOST,
        data={
            "csrfmiddlewaretoken": token,
            "kind": "esf",
            "project": str(prepared["project"]),
            "period_from": prepared["period_from"],
            "period_to": prepared["period_to"],
        },
    )
    found = re.search(r"/reports/runs/([0-9a-f-]{36})/", headers.get("location", ""))
    phase.record(started, status == 302 and found is not None, f"POST report run: {status}")
    if status != 302 or found is None:
        errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>\s*([^<]+)', _body.decode("utf-8", "replace"))
        said = "; ".join(e.strip() for e in errors[:3]) or headers.get("location", "")
        refused = f"request refused ({status}{': ' + said if said else ''})"
        return {"code": None, "status": refused, "seconds": None, "read_from": None}
    code = found.group(1)
    run_status = ""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run_status = topology.sql(
            topology.ports["primary"],
            f"SELECT status FROM reports_reportrun WHERE code = '{code}'",  # noqa: S608 - a UUID matched above
        )
        if run_status in ("succeeded", "failed"):
            break
        time.sleep(0.3)
    seconds = round(time.monotonic() - started, 1)
    page_started = time.monotonic()
    page_status, _page = fetch(topology.url(f"/reports/runs/{code}/"), opener=opener, host=FORBUND_HOST)
    phase.record(page_started, page_status == 200, f"GET report run page: {page_status}")
    return {
        "code": code,
        "status": run_status or "unknown",
        "seconds": seconds,
        "page": page_status,
        "read_from": topology.report_sources().get(code),
    }


def reader(topology: Topology, phase: Phase, stop: threading.Event, n: int) -> None:
    paths = ["/directory/?q=återbruk", "/directory/", "/api/v1/organizations", "/directory/?kind=asf"]
    i = n
    while not stop.is_set():
        path = paths[i % len(paths)]
        i += 1
        started = time.monotonic()
        try:
            status, _ = fetch(topology.url(urllib.parse.quote(path, safe="/?=&")))
            phase.record(started, status == 200, f"GET {path}: {status}")
        except Exception as error:  # every failure is a counted error of the phase
            phase.record(started, False, f"GET {path}: {error!r}")
        with phase.lock:
            phase.reads += 1


def writer(
    topology: Topology,
    phases: dict[str, Phase],
    current: list[str],
    stop: threading.Event,
    take_session: Callable[[], tuple[Any, str] | None],
    n: int,
) -> None:
    session = take_session()
    if session is None:
        return
    opener, token = session
    written = 0
    while not stop.is_set():
        phase = phases[current[0]]
        if written == WRITERS_PER_USER:
            session = take_session()
            if session is None:  # every prepared person has saved all they may: this writer is done
                return
            opener, token = session
            written = 0
        word = f"skala{n}x{secrets.token_hex(4)}"
        started = time.monotonic()
        try:
            status, _ = fetch(
                topology.url("/directory/saved/new/"),
                opener=opener,
                data={"csrfmiddlewaretoken": token, "name": word, "query": f"q={word}"},
            )
            phase.record(started, status == 302, f"POST saved search: {status}")
            if status == 302:
                written += 1
                with phase.lock:
                    phase.writes_acknowledged.append(word)
                started = time.monotonic()
                status, page = fetch(topology.url("/directory/saved/"), opener=opener)
                phase.record(started, status == 200, f"GET saved searches: {status}")
                if status == 200 and word not in page:
                    with phase.lock:
                        phase.stale += 1
        except Exception as error:
            phase.record(started, False, f"write: {error!r}")
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20, help="length of each of the four phases (20)")
    parser.add_argument("--readers", type=int, default=6, help="anonymous reading clients (6)")
    parser.add_argument("--writers", type=int, default=3, help="logged-in writing clients (3)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench-results" / "scale-demo.json")
    args = parser.parse_args(argv)
    if PG_BIN is None:
        raise SystemExit("PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) are missing")
    haproxy = ensure_haproxy()
    workdir = Path(tempfile.mkdtemp(prefix="asfnet-scale-"))
    os.chmod(workdir, 0o777)  # noqa: S103 - the postgres user writes its clusters and socket here
    topology = Topology(workdir)
    results: dict[str, Any] = {"ports": topology.ports}
    try:
        topology.start_primary()
        topology.start_redis()
        topology.django_env()
        log("migrate, demo data and static files on the primary")
        topology.manage("migrate", "--noinput")
        topology.manage("seed_demo")
        topology.manage("collectstatic", "--noinput", "--verbosity", "0")
        topology.start_replica()
        topology.start_web("web1")
        topology.start_web("web2")
        topology.start_worker()
        topology.start_balancer(haproxy)
        # A writer saves at most about two searches a second, 20 per person: enough people for every phase.
        per_writer = math.ceil(2.5 * (4 * args.seconds + 30) / WRITERS_PER_USER) + 1
        fixtures = prepare(topology, args.writers * per_writer)
        prepared = writer_sessions(topology, fixtures)
        coordinator = session_opener(
            topology, fixtures["cookie"], fixtures["coordinator"], host=FORBUND_HOST, path="/reports/"
        )
        results["shared_state"] = shared_state_checks(topology, fixtures)

        phases = {name: Phase(name) for name in ("all up", "web1 stopped", "replica stopped", "all back")}
        current = ["all up"]
        stop = threading.Event()
        lock = threading.Lock()

        def take_session() -> tuple[Any, str] | None:
            with lock:
                return prepared.pop() if prepared else None

        threads = [
            threading.Thread(target=writer, args=(topology, phases, current, stop, take_session, n))
            for n in range(args.writers)
        ]
        for thread in threads:
            thread.start()

        def run_phase(name: str, action: Callable[[], None] | None = None) -> None:
            """`action` (stopping a web node or the replica) runs under the phase's load, once its readers run."""
            current[0] = name
            before = (
                int(
                    topology.sql(
                        topology.ports["replica"], "SELECT xact_commit FROM pg_stat_database WHERE datname = 'asfnet'"
                    )
                    or 0
                )
                if name != "replica stopped"
                else 0
            )
            phase_stop = threading.Event()
            readers = [
                threading.Thread(target=reader, args=(topology, phases[name], phase_stop, n))
                for n in range(args.readers)
            ]
            for thread in readers:
                thread.start()
            if action is not None:
                action()

            def report() -> None:
                phases[name].report_run = request_report_run(topology, phases[name], coordinator, fixtures)

            report_thread = threading.Thread(target=report)
            report_thread.start()
            time.sleep(args.seconds)
            phase_stop.set()
            for thread in readers:
                thread.join()
            report_thread.join()  # the run is asked for, and finished, while the phase's condition holds
            if name != "replica stopped":
                after = int(
                    topology.sql(
                        topology.ports["replica"], "SELECT xact_commit FROM pg_stat_database WHERE datname = 'asfnet'"
                    )
                    or 0
                )
                phases[name].replica_transactions = after - before
            log(f"phase '{name}': {json.dumps(phases[name].summary(), ensure_ascii=False)}")

        def stop_web1() -> None:
            log("stopping web1 under load (SIGTERM: gunicorn finishes what it has started)")
            topology.stop("web1")

        def stop_replica() -> None:
            log("stopping the replica under load")
            topology.pg_ctl(workdir / "replica", "stop")

        run_phase("all up")
        run_phase("web1 stopped", stop_web1)
        topology.start_web("web1")
        run_phase("replica stopped", stop_replica)
        topology.pg_ctl(workdir / "replica", "start", port=topology.ports["replica"])
        time.sleep(11)  # kernel.replica tries a replica that did not answer again after REPLICA_RETRY_SECONDS
        run_phase("all back")
        stop.set()
        for thread in threads:
            thread.join()

        acknowledged = [word for phase in phases.values() for word in phase.writes_acknowledged]
        on_primary = set(
            topology.sql(
                topology.ports["primary"], "SELECT name FROM directory_savedsearch WHERE name LIKE 'skala%'"
            ).split()
        )
        found = len(set(acknowledged) & on_primary)
        lag = topology.sql(
            topology.ports["primary"], "SELECT coalesce(max(replay_lag)::text, '0') FROM pg_stat_replication"
        )
        results.update(
            phases=[phase.summary() for phase in phases.values()],
            writes_acknowledged=len(acknowledged),
            writes_found_on_primary=found,
            writes_lost=len(acknowledged) - found,
            stale_own_reads=sum(phase.stale for phase in phases.values()),
            errors=sum(len(phase.errors) for phase in phases.values()),
            replication_lag_at_end=lag,
            server_errors=topology.server_errors(),
        )
        results["failures"] = failures(results)
    finally:
        topology.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print()
    print(
        f"{'phase':18} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'replica tx':>10} "
        f"{'writes':>6} {'stale':>5}"
    )
    for row in results["phases"]:
        print(
            f"{row['phase']:18} {row['requests']:>8} {row['errors']:>6} {row['p50_ms']!s:>7} {row['p95_ms']!s:>7} "
            f"{row['replica_transactions']:>10} {row['writes_acknowledged']:>6} {row['stale_own_reads']:>5}"
        )
    print(
        f"writes acknowledged {results['writes_acknowledged']}, found on the primary "
        f"{results['writes_found_on_primary']}, lost {results['writes_lost']}; stale own reads "
        f"{results['stale_own_reads']}; failed requests {results['errors']}"
    )
    print()
    print(f"{'ESF+ report run (Celery worker)':32} {'status':10} {'seconds':>7}  read from")
    for row in results["phases"]:
        run_ = row["report_run"] or {}
        print(
            f"  during '{row['phase']}'{'':{max(0, 21 - len(row['phase']))}} {run_.get('status')!s:10} "
            f"{run_.get('seconds')!s:>7}  {run_.get('read_from')}"
        )
    print()
    for check in results["shared_state"]:
        print(f"{'ok    ' if check['ok'] else 'FAILED'} {check['check']}: {check['detail']}")
    print()
    if results["failures"]:
        print("FAILED: " + "; ".join(results["failures"]))
        return 1
    print("All checks held.")
    return 0


# Where a phase's report run must read its aggregation: the replica whenever it runs.
EXPECTED_REPORT_SOURCE = {
    "all up": "replica",
    "web1 stopped": "replica",
    "replica stopped": "primary",
    "all back": "replica",
}


def failures(results: dict[str, Any]) -> list[str]:
    """Every reason for a non-zero exit status, as sentences; empty when everything held."""
    found = []
    if results["errors"]:
        found.append(f"{results['errors']} requests failed")
    if results["writes_lost"]:
        found.append(f"{results['writes_lost']} acknowledged writes lost")
    if results["stale_own_reads"]:
        found.append(f"{results['stale_own_reads']} stale reads of a person's own write")
    if not results["writes_acknowledged"]:
        found.append("no write was acknowledged")
    for row in results["phases"]:
        run_ = row["report_run"] or {}
        if run_.get("status") != "succeeded":
            found.append(f"the report run during '{row['phase']}' did not finish ({run_.get('status')})")
        elif run_.get("read_from") != EXPECTED_REPORT_SOURCE[row["phase"]]:
            found.append(
                f"the report run during '{row['phase']}' read from the {run_.get('read_from')}, "
                f"not the {EXPECTED_REPORT_SOURCE[row['phase']]}"
            )
    found += [f"shared state: {check['check']} failed" for check in results["shared_state"] if not check["ok"]]
    return found


if __name__ == "__main__":
    sys.exit(main())
