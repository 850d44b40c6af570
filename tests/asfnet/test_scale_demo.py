"""The scale-out topology of docs/scaling.md, run for real (scripts/scale_demo.py, `make scale-demo`): a
PostgreSQL primary and a streaming replica made with pg_basebackup, Redis, two gunicorn nodes behind HAProxy
and a Celery worker, all on spare ports of this machine. Load goes through the balancer while a web node and
then the replica are stopped. What must hold: no acknowledged write is lost, nobody reads a stale copy of
their own write, no request fails, and anonymous reads reach the replica exactly while it runs; a report run
asked for through the balancer in every phase is finished by the Celery worker, which aggregates on the replica
while it runs and on the primary while it is stopped; no web node keeps state of its own (a session, an upload
and a rate limit made on one node hold on the other); and the script's exit status says whether all of that
held."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/usr/lib/postgresql").exists(), reason="PostgreSQL's server binaries are needed"),
    pytest.mark.skipif(
        shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists() and os.geteuid() != 0,
        reason="HAProxy is not installed and cannot be (not root)",
    ),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    output = tmp_path_factory.mktemp("scale") / "scale-demo.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    result = subprocess.run(
        [
            sys.executable,
            "scripts/scale_demo.py",
            "--seconds",
            "5",
            "--readers",
            "3",
            "--writers",
            "1",
            "--output",
            str(output),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    assert output.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    return result, json.loads(output.read_text())


def _phase(results, name):
    return next(phase for phase in results["phases"] if phase["phase"] == name)


def test_no_acknowledged_write_is_lost_and_nobody_reads_a_stale_own_write(demo):
    result, results = demo
    assert results["writes_acknowledged"] > 0
    assert results["writes_lost"] == 0
    assert results["writes_found_on_primary"] == results["writes_acknowledged"]
    assert results["stale_own_reads"] == 0
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize("phase", ["all up", "web1 stopped", "replica stopped", "all back"])
def test_no_request_fails_while_a_node_or_the_replica_is_down(demo, phase):
    _result, results = demo
    row = _phase(results, phase)
    assert row["requests"] > 0
    assert row["errors"] == 0, (row["error_examples"], results.get("server_errors"))


def test_anonymous_reads_reach_the_replica_only_while_it_runs(demo):
    _result, results = demo
    assert _phase(results, "all up")["replica_transactions"] > 0
    assert _phase(results, "replica stopped")["replica_transactions"] == 0
    assert _phase(results, "all back")["replica_transactions"] > 0


@pytest.mark.parametrize(
    ("phase", "database"),
    [("all up", "replica"), ("web1 stopped", "replica"), ("replica stopped", "primary"), ("all back", "replica")],
)
def test_a_report_run_goes_through_the_celery_worker_in_every_phase(demo, phase, database):
    """Requested by a coordinator through the balancer, claimed and computed by the worker process, finished;
    its aggregation read the replica while it ran and the primary while it was stopped."""
    _result, results = demo
    run = _phase(results, phase)["report_run"]
    assert run["status"] == "succeeded", run
    assert run["page"] == 200
    assert run["read_from"] == database


@pytest.mark.parametrize(
    "check",
    [
        "session made on web1 used on web2",
        "logo uploaded on web1 served by web2",
        "rate limit of 5/hour counted across web1 and web2",
    ],
)
def test_no_web_node_keeps_state_of_its_own(demo, check):
    _result, results = demo
    row = next(row for row in results["shared_state"] if row["check"] == check)
    assert row["ok"], row["detail"]


def test_the_exit_status_says_whether_every_check_held(demo):
    result, results = demo
    assert results["failures"] == []
    assert result.returncode == 0, result.stdout[-3000:]


def test_any_failed_request_lost_write_stale_read_unfinished_run_or_node_state_fails_the_demo():
    """scale_demo.failures(): each kind of failure alone makes the exit status non-zero."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import scale_demo
    finally:
        sys.path.remove(str(ROOT / "scripts"))

    def results(**changes):
        sources = scale_demo.EXPECTED_REPORT_SOURCE
        good = {
            "errors": 0,
            "writes_lost": 0,
            "stale_own_reads": 0,
            "writes_acknowledged": 10,
            "phases": [
                {"phase": name, "report_run": {"status": "succeeded", "read_from": source}}
                for name, source in sources.items()
            ],
            "shared_state": [{"check": "session made on web1 used on web2", "ok": True, "detail": ""}],
        }
        return {**good, **changes}

    assert scale_demo.failures(results()) == []
    assert scale_demo.failures(results(errors=1)) == ["1 requests failed"]
    assert scale_demo.failures(results(writes_lost=2)) == ["2 acknowledged writes lost"]
    assert scale_demo.failures(results(stale_own_reads=1)) == ["1 stale reads of a person's own write"]
    assert scale_demo.failures(results(writes_acknowledged=0)) == ["no write was acknowledged"]
    phases = results()["phases"]
    phases[2] = {"phase": "replica stopped", "report_run": {"status": "queued", "read_from": None}}
    assert scale_demo.failures(results(phases=phases)) == [
        "the report run during 'replica stopped' did not finish (queued)"
    ]
    phases[2] = {"phase": "replica stopped", "report_run": {"status": "succeeded", "read_from": "replica"}}
    assert scale_demo.failures(results(phases=phases)) == [
        "the report run during 'replica stopped' read from the replica, not the primary"
    ]
    broken = [{"check": "logo uploaded on web1 served by web2", "ok": False, "detail": "404"}]
    assert scale_demo.failures(results(shared_state=broken)) == [
        "shared state: logo uploaded on web1 served by web2 failed"
    ]
