"""Parts for fault tests: a redis-server of the test's own (started, stopped, started again on one port),
the Celery app pointed at it, and Celery workers as real processes that a test may SIGKILL.

Ports come from 7300-7399 (this checkout's spare range), the first one nothing listens on. Every process
started here is killed by the fixture's finaliser, whatever the test did."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit, urlunsplit

import kombu.pools
from django.conf import settings
from django.db import connection

from asfnet.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]
PORTS = range(7300, 7400)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 7300-7399")


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def _kill(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # its own session: the process and anything it started
    process.wait(timeout=10)


class OwnRedis:
    """A redis-server on one port that the test starts and stops (no persistence: a restart is empty)."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert wait_for(self._answers, timeout=10), f"redis-server on {self.port} did not start"

    def freeze(self) -> None:
        os.killpg(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.killpg(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        _kill(self.process)
        self.process = None

    def _answers(self) -> bool:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", self.port)) != 0:
                return False
            probe.sendall(b"PING\r\n")
            return probe.recv(16).startswith(b"+PONG")

    def url(self, base: str) -> str:
        """`base` (a redis:// URL of the settings) moved to this server, database number kept."""
        parts = urlsplit(base)
        return urlunsplit((parts.scheme, f"127.0.0.1:{self.port}", parts.path, parts.query, parts.fragment))


def _reset_celery_connections() -> None:
    """Close the app's pools and kombu's global ones (keyed by URL: a stale pool for a server that was
    stopped must not be handed out again); they are made anew on the next publish."""
    kombu.pools.reset()
    celery_app._pool = None
    with contextlib.suppress(AttributeError, KeyError):
        celery_app.__dict__["amqp"]._producer_pool = None


@contextlib.contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """The Celery app of this process publishes to (and an in-process worker consumes from) `url`."""
    previous = celery_app.conf.broker_url
    _reset_celery_connections()
    celery_app.conf.broker_url = url
    try:
        yield
    finally:
        _reset_celery_connections()
        celery_app.conf.broker_url = previous


def test_database_url() -> str:
    """The test database (test_<name>) as a URL for a worker process: the rows must be committed
    (transactional_db) for it to see them."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcess:
    """`celery -A asfnet worker` (solo pool, so SIGKILL of the one process is the whole worker) against
    the test's redis and database. Its output goes to a file the test can read."""

    def __init__(self, name: str, redis: OwnRedis, logdir: Path, env: dict[str, str]) -> None:
        self.name = name
        self.log = logdir / f"{name}.log"
        environment = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            # The worker inherits DJANGO_SETTINGS_MODULE=asfnet.settings_test (and PYTEST_XDIST_WORKER), whose
            # broker and cache database numbers derive from REDIS_URL as for this process, so only the port
            # differs from settings.CELERY_BROKER_URL.
            "REDIS_URL": redis.url(settings.REDIS_URL),
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "asfnet",
                    "worker",
                    "--pool=solo",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=INFO",
                    "-n",
                    f"{name}@%h",
                ],
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until the worker answers a ping through the broker (call inside `celery_broker(...)`)."""
        destination = [f"{self.name}@{socket.gethostname()}"]

        def answers() -> bool:
            return self.process.poll() is not None or bool(celery_app.control.ping(destination, timeout=0.5))

        assert wait_for(answers, timeout=timeout), f"worker {self.name} did not answer:\n{self.output()[-3000:]}"
        assert self.process.poll() is None, f"worker {self.name} exited:\n{self.output()[-3000:]}"

    def sigkill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def freeze(self) -> None:
        os.killpg(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.killpg(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        _kill(self.process)


class FlakyEmailBackend:
    """An EMAIL_BACKEND ("tests.faults.FlakyEmailBackend") that refuses the first message to each address in
    FAIL_ONCE with a ConnectionRefusedError (as an unreachable SMTP server would) and keeps every other one
    in django.core.mail.outbox, as the locmem backend does. `refused` lists the refusals."""

    FAIL_ONCE: ClassVar[set[str]] = set()
    refused: ClassVar[list[str]] = []

    def __init__(self, *args, **kwargs) -> None:
        from django.core.mail.backends.locmem import EmailBackend

        self._locmem = EmailBackend(*args, **kwargs)

    @classmethod
    def reset(cls, fail_once: set[str]) -> None:
        cls.FAIL_ONCE = set(fail_once)
        cls.refused = []

    def send_messages(self, messages) -> int:
        for message in messages:
            for address in message.recipients():
                if address in self.FAIL_ONCE and address not in self.refused:
                    self.refused.append(address)
                    raise ConnectionRefusedError(f"smtp refused {address} (planted)")
        return self._locmem.send_messages(messages)


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


class OwnPostgres:
    """A PostgreSQL cluster of the test's own: initdb into a fresh directory, pg_ctl on a spare port, listening
    on 127.0.0.1 only with trust authentication for the `postgres` role. initdb and the server refuse to run as
    root, so under root they run as the `postgres` system user. The shared server on 5432 is never touched."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.bin = _postgres_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="asfnet-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self._as_postgres = os.geteuid() == 0

    @staticmethod
    def available() -> str:
        """Empty when a cluster can be made here, else why not (the test is then skipped, never passed)."""
        if _postgres_bin() is None:
            return "no PostgreSQL server binaries under /usr/lib/postgresql"
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root without a postgres system user"
            if shutil.which("runuser") is None:
                return "running as root without runuser"
        return ""

    def _server(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        return subprocess.run(
            [*prefix, str(self.bin / command[0]), *command[1:]],
            capture_output=True,
            text=True,
            timeout=120,
            check=check,
        )

    def init(self) -> None:
        if self._as_postgres:
            account = pwd.getpwnam("postgres")
            os.chown(self.dir, account.pw_uid, account.pw_gid)
        self._server("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        result = self._server("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        assert result.returncode == 0, result.stderr

    def stop(self, mode: str = "fast") -> None:
        self._server("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.url(database), "-c", sql],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()
