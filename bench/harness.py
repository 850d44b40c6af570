"""The benchmarks' harness: what every benchmark (bench/run.py, bench/events.py, bench/matchmaking.py,
bench/reports.py) does around its measurements, before and without Django — the database URL and the
recreation of the bench database, the environment the settings read, Redis, gunicorn, the options of a load
run, the load table and the start of every results file.

Django is set up here (setup_django, start_bench) once the environment names the bench database; nothing of
Django is imported at module level, so each benchmark can parse its options, drop and create its database and
set the environment first. What needs Django (seeding through the factories, timing selectors and services,
counting queries, the test client) is in the measurement modules, bench/measure_*.py and bench/django_steps.py,
which each benchmark's main() imports once, after django.setup().
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

from bench.load import CpuMeter, LoadResult, PathPool, fetch, measured_python_load

ROOT = Path(__file__).resolve().parent.parent


# --- The bench database and the environment -------------------------------------------------------------------
def bench_database(variable: str, default: str) -> tuple[str, str]:
    """The benchmark's database URL (environment `variable`, else `default`) and its database name."""
    database_url = os.environ.get(variable) or default
    return database_url, urlsplit(database_url).path.lstrip("/")


def recreate_database(database_url: str) -> str:
    """Drop and create the bench database (its name must contain 'bench'); returns PostgreSQL's version."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or "bench" not in name:
        raise SystemExit(f"refusing to drop database {name!r}: the bench database's name must contain 'bench'")
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        version = conn.execute("SHOW server_version").fetchone()[0]
    return version


def bench_environment(*, database_url: str, redis_url: str) -> dict[str, str]:
    """The production settings' variables for a benchmark (DEBUG off, a random SECRET_KEY, the
    benchmark-only endpoints on); also gunicorn's environment."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "DEMO_MODE": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "BENCH_ENDPOINTS": "true",
        "LOG_LEVEL": "WARNING",
        "EMAIL_HOST": "",
    }


def use_bench_settings(env: dict[str, str]) -> None:
    """Put `env` in this process's environment with plain database connections (DB_POOL=false) and the
    production settings module, even when started from a test; make the project importable."""
    os.environ.update(env)
    os.environ["DB_POOL"] = "false"
    os.environ["DJANGO_SETTINGS_MODULE"] = "asfnet.settings"
    sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    """django.setup() with the environment set by use_bench_settings (or, in a subprocess, inherited)."""
    # The harness keeps Django out of its module level, so that importing it (every benchmark does, before
    # its options are parsed and its database recreated) loads nothing of the project.
    import django

    django.setup()


def redis_url_with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def flush_redis(urls: Sequence[str]) -> None:
    for url in urls:
        redis.Redis.from_url(url).flushdb()


@dataclass(frozen=True)
class Started:
    """A benchmark process once start_bench has run."""

    database: str  # the bench database's name
    pg_version: str
    env: dict[str, str]  # the production settings' variables, also the server's environment
    redis_dbs: list[str]  # the cache's and the broker's Redis databases, emptied


def start_bench(*, database: tuple[str, str], redis: tuple[str, str], log: Callable[[str], None]) -> Started:
    """Every benchmark's start: recreate its database, set this process's environment (plain connections;
    gunicorn keeps the default pool), start Django and empty the two Redis databases (cache, broker). SIGTERM
    exits, so a `finally` stops gunicorn. `database` and `redis` are each (environment variable, default URL)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    database_url, name = bench_database(*database)
    redis_url = os.environ.get(redis[0]) or redis[1]
    log(f"recreating database {name}")
    pg_version = recreate_database(database_url)
    env = bench_environment(database_url=database_url, redis_url=redis_url)
    use_bench_settings(env)
    setup_django()
    redis_dbs = [redis_url, redis_url_with_db(redis_url, int(urlsplit(redis_url).path.strip("/") or 0) + 1)]
    flush_redis(redis_dbs)
    return Started(database=name, pg_version=pg_version, env=env, redis_dbs=redis_dbs)


# --- The server -----------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(*, env: dict[str, str], workers: int, log_path: Path, log: Any) -> tuple[subprocess.Popen, int]:
    """gunicorn on a free port of 127.0.0.1 with the bench environment `env` (it keeps Django's default
    connection pool); returns the process, once it answers /healthz, and its port."""
    port = free_port()
    server_env = {**os.environ, **env}
    server_env.pop("DB_POOL", None)
    log(f"starting gunicorn ({workers} sync workers) on 127.0.0.1:{port}")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "asfnet.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--error-logfile",
        str(log_path),
        "--log-level",
        "warning",
        "--timeout",
        "60",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=server_env, stdin=subprocess.DEVNULL)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log_path}")
        with contextlib.suppress(OSError):
            if fetch(port, "/healthz")[0] == 200:
                return process, port
        time.sleep(0.3)
    stop_process(process)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log_path}")


def stop_process(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


# --- Options and loads ----------------------------------------------------------------------------------------
def add_load_arguments(parser: argparse.ArgumentParser, *, duration: int, per: str = "per URL") -> None:
    """The options of a load run against gunicorn: its length, warm-up, connections and workers."""
    parser.add_argument("--duration", type=int, default=duration, help=f"seconds of load {per} ({duration})")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per URL (2)")
    parser.add_argument("--concurrency", type=int, default=10, help="concurrent connections (10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")


def add_output_arguments(parser: argparse.ArgumentParser, results: Path, *, seed: bool = True) -> None:
    """`--seed` of the generated data (unless the benchmark's data is not random) and `--output`."""
    if seed:
        parser.add_argument("--seed", type=int, default=2026, help="random seed of the data (2026)")
    parser.add_argument("--output", type=Path, default=results, help=f"JSON results ({results.relative_to(ROOT)})")


def load_url(
    meter: CpuMeter,
    args: argparse.Namespace,
    *,
    name: str,
    port: int,
    path: str | PathPool,
    log: Any,
    concurrency: int | None = None,
) -> LoadResult:
    """One URL under the Python load client, with the options of `add_load_arguments` (`concurrency`: other
    connections than --concurrency)."""
    return measured_python_load(
        meter,
        name=name,
        port=port,
        path=path,
        duration=args.duration,
        warmup=args.warmup,
        concurrency=concurrency or args.concurrency,
        log=log,
    )


# --- Reporting ------------------------------------------------------------------------------------------------
def environment(pg_version: str) -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)  # noqa: S607
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)  # noqa: S607
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "django": metadata.version("django"),  # the installed distribution's: the same as django.get_version()
        "gunicorn": metadata.version("gunicorn"),
        "postgresql": pg_version,
        "platform": platform.platform(),
        "git_commit": git.stdout.strip(),
        "git_dirty": bool(dirty.stdout.strip()),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def results_header(benchmark: str, pg_version: str, config: dict[str, Any], question: str = "") -> dict[str, Any]:
    """The start of every results file: what was measured, when, where and with which settings."""
    return {
        "benchmark": benchmark,
        **({"question": question} if question else {}),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": environment(pg_version),
        "config": config,
    }


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def table(results: list[LoadResult], *, client_column: bool = True) -> str:
    """The load table: req/s, latency percentiles, errors, server CPU per request and repeated URLs."""
    titles = ("req/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "errors", "CPU ms/req", "repeated")
    header = (f"{'endpoint':<42} {'client':<7}" if client_column else f"{'endpoint':<44}") + "".join(
        f"{title:>11}" for title in titles
    )
    lines = [header, "-" * len(header)]
    for r in results:
        p = r.percentiles_ms
        numbers = [r.rps, p.get("p50"), p.get("p90"), p.get("p95"), p.get("p99")]
        lines.append(
            (f"{r.name:<42} {r.client:<7}" if client_column else f"{r.name:<44}")
            + "".join(f"{_fmt(n):>11}" for n in numbers)
            + f"{r.errors:>11}{_fmt(r.server_cpu_ms_per_request):>11}"
            + f"{'one URL' if r.varied_paths is None else _fmt(r.repeated_paths, 0):>11}"
        )
    return "\n".join(lines)
