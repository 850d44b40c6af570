"""Load generation and its arithmetic for the benchmarks: a closed-loop HTTP client that records every
latency, nearest-rank percentiles, wrk output parsing and a CPU meter over /proc. No Django here."""

from __future__ import annotations

import http.client
import math
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


def progress_log(tag: str) -> Callable[[str], None]:
    """A benchmark's progress lines, `[tag   12.3 s] message`: seconds since the benchmark started (this call)."""
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{tag} {time.monotonic() - started:6.1f} s] {message}", flush=True)

    return log


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile: the smallest value such that at least p % of the values are ≤ it.
    `values` need not be sorted. p in (0, 100]."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < p <= 100:
        raise ValueError("p must be in (0, 100]")
    ordered = sorted(values)
    rank = math.ceil(p / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


_WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _WRK_UNITS[match.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, latency percentiles (ms) and error counts from `wrk --latency` output."""
    result: dict[str, Any] = {"percentiles_ms": {}}
    rps = re.search(r"Requests/sec:\s*([\d.]+)", output)
    if not rps:
        raise ValueError("no Requests/sec line in wrk output")
    result["rps"] = float(rps.group(1))
    for pct, value in re.findall(r"^\s*(\d+(?:\.\d+)?)%\s+([\d.]+(?:us|ms|s|m|h))\s*$", output, flags=re.M):
        result["percentiles_ms"][f"p{float(pct):g}"] = _wrk_ms(value)
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h)", output)
    result["requests"] = int(total.group(1)) if total else None
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["errors"] = (int(non2xx.group(1)) if non2xx else 0) + (
        sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    )
    return result


class PathPool:
    """Many URLs of one kind (different searches, different organisations), handed out one per request in a
    fixed order, never twice until every one has been used: a page cached per URL then answers every request
    from the code, not from the cache. One pool serves the warm-up and the load after it, so those take
    different URLs too; `repeated` counts requests that had to take a URL again (the pool ran out)."""

    def __init__(self, paths: Iterable[str], *, label: str = "", distinct: bool = True) -> None:
        # distinct=False keeps the order of another pool the URLs are made from (a ceiling with no cache)
        self.paths = list(dict.fromkeys(paths) if distinct else paths)
        self.distinct = distinct
        if not self.paths:
            raise ValueError("a pool of no paths")
        self.label = label
        self.issued = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.paths)

    def next(self) -> str:
        with self._lock:
            path = self.paths[self.issued % len(self.paths)]
            self.issued += 1
        return path

    @property
    def repeated(self) -> int:
        """Requests so far that took a URL already taken before."""
        return max(0, self.issued - len(self.paths))

    def unused(self) -> list[str]:
        """The URLs not handed out yet, in order (for another client, e.g. wrk); `advance` then counts what
        that client took."""
        with self._lock:
            start = min(self.issued, len(self.paths))
        return self.paths[start:] or self.paths

    def advance(self, count: int) -> None:
        with self._lock:
            self.issued += max(0, count)

    def describe(self) -> str:
        return f"{len(self.paths):,} varied URLs{f' ({self.label})' if self.label else ''}, e.g. {self.paths[0]}"


def wrk_script(paths: Sequence[str]) -> str:
    """A wrk Lua script that requests `paths` in turn (one thread: one Lua state, so in order)."""

    def quoted(path: str) -> str:
        return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ",\n".join(f"  {quoted(p)}" for p in paths)
    return (
        "local paths = {\n" + lines + "\n}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i], {["Accept-Language"] = "sv"})\n'
        "end\n"
    )


@dataclass
class LoadResult:
    name: str
    path: str
    client: str
    duration_s: float
    concurrency: int
    requests: int
    errors: int
    rps: float
    percentiles_ms: dict[str, float]
    mean_ms: float | None = None
    max_ms: float | None = None
    bytes_per_response: int | None = None
    statuses: dict[str, int] = field(default_factory=dict)
    cpu_s: dict[str, float] = field(default_factory=dict)
    load_average_before: float | None = None
    varied_paths: int | None = None  # the size of the pool of URLs requested in turn; None: one URL
    repeated_paths: int | None = None  # requests of the run that took a URL of the pool a second time

    @property
    def server_cpu_ms_per_request(self) -> float | None:
        """gunicorn + PostgreSQL CPU per answered request: unlike req/s, it hardly moves when other processes
        compete for the cores, so it is the figure to compare between runs on a busy machine."""
        answered = self.requests - self.errors
        if not answered or "gunicorn" not in self.cpu_s:
            return None
        return (self.cpu_s["gunicorn"] + self.cpu_s.get("postgres_bench_db", 0.0)) * 1000 / answered

    def as_record(self) -> dict[str, Any]:
        """The row as a benchmark's JSON results keep it: its fields and the server CPU per request (to 0.01 ms)."""
        cpu = self.server_cpu_ms_per_request
        return {**asdict(self), "server_cpu_ms_per_request": None if cpu is None else round(cpu, 2)}


def python_load(
    *, host: str, port: int, path: str | PathPool, duration: float, concurrency: int
) -> tuple[list[float], int, Counter, int, float]:
    """A closed loop: `concurrency` threads, each with its own HTTP/1.1 connection (re-opened when the server
    closes it, as gunicorn's sync workers do after every response), sending GET `path` (or the pool's next
    URL, a different one each request) until `duration` seconds have passed.
    Returns (latencies of 200 responses in seconds, error count, statuses, body bytes,
    elapsed seconds). Bounded in time; only ever talks to `host`, which the caller keeps on loopback."""
    deadline = time.perf_counter() + duration
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    statuses: list[Counter] = [Counter() for _ in range(concurrency)]
    sizes = [0] * concurrency

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine = latencies[index]
        while True:
            started = time.perf_counter()
            if started >= deadline:
                break
            try:
                conn.request("GET", path if isinstance(path, str) else path.next(), headers={"Accept-Language": "sv"})
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                statuses[index]["exception"] += 1
                conn.close()
                continue
            elapsed = time.perf_counter() - started
            statuses[index][str(response.status)] += 1
            if response.status == 200:
                mine.append(elapsed)
                sizes[index] += len(body)
            else:
                errors[index] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 60)
    wall = time.perf_counter() - began
    all_latencies = [value for chunk in latencies for value in chunk]
    return all_latencies, sum(errors), sum(statuses, Counter()), sum(sizes), wall


def measured_python_load(
    meter: CpuMeter,
    *,
    name: str,
    port: int,
    path: str | PathPool,
    duration: int,
    warmup: int,
    concurrency: int,
    log: Any,
) -> LoadResult:
    """Warm `path` up for `warmup` seconds, then load it for `duration` seconds with `concurrency` connections
    of the Python client, metering the server's CPU: the figures of one row of a benchmark's table. With a
    PathPool the warm-up and the load take its URLs in turn (each request another one)."""
    log(f"{name}: warm-up {warmup} s")
    python_load(host="127.0.0.1", port=port, path=path, duration=warmup, concurrency=concurrency)
    log(f"{name}: python client, {concurrency} connections, {duration} s")
    load_before = os.getloadavg()[0]
    repeated_before = 0 if isinstance(path, str) else path.repeated
    meter.start()
    latencies, errors, statuses, size, wall = python_load(
        host="127.0.0.1", port=port, path=path, duration=duration, concurrency=concurrency
    )
    cpu = meter.stop()
    return LoadResult(
        name=name,
        path=path if isinstance(path, str) else path.describe(),
        client="python",
        duration_s=round(wall, 2),
        concurrency=concurrency,
        requests=len(latencies) + errors,
        errors=errors,
        rps=round(len(latencies) / wall, 1),
        percentiles_ms=(
            {f"p{p}": round(percentile(latencies, p) * 1000, 2) for p in (50, 90, 95, 99)} if latencies else {}
        ),
        mean_ms=round(sum(latencies) / len(latencies) * 1000, 2) if latencies else None,
        max_ms=round(max(latencies) * 1000, 2) if latencies else None,
        bytes_per_response=size // len(latencies) if latencies else None,
        statuses=dict(statuses),
        cpu_s=cpu,
        load_average_before=round(load_before, 2),
        varied_paths=None if isinstance(path, str) else len(path),
        repeated_paths=path.repeated - repeated_before if isinstance(path, PathPool) and path.distinct else None,
    )


def _processes() -> list[tuple[int, int, str, float]]:
    """(pid, parent pid, command line, CPU seconds user + system) of every process, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            cmdline = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()  # fields 3… of /proc/pid/stat
        found.append((int(entry.name), int(fields[1]), cmdline, (int(fields[11]) + int(fields[12])) / tick))
    return found


class CpuMeter:
    """CPU seconds used by gunicorn (master and workers), by the PostgreSQL backends of the bench database
    and by this process (the Python load generator) between start() and stop()."""

    def __init__(self, gunicorn_pid: int, db_name: str) -> None:
        self.gunicorn_pid = gunicorn_pid
        self.db_marker = f" {db_name} "

    def _sample(self) -> dict[str, float]:
        processes = _processes()
        gunicorn = sum(cpu for pid, ppid, _c, cpu in processes if self.gunicorn_pid in (pid, ppid))
        postgres = sum(cpu for _p, _pp, cmd, cpu in processes if cmd.startswith("postgres:") and self.db_marker in cmd)
        return {"gunicorn": gunicorn, "postgres_bench_db": postgres, "load_generator": time.process_time()}

    def start(self) -> None:
        self._before = self._sample()

    def stop(self) -> dict[str, float]:
        after = self._sample()
        return {key: round(after[key] - self._before[key], 2) for key in after}


def fetch(port: int, path: str, *, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """One GET to 127.0.0.1:`port`: (status, body as sent, so still compressed when `headers` ask for it)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept-Language": "sv", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
