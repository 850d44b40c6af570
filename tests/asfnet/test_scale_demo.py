"""The scale-out topology of docs/scaling.md, run for real (scripts/scale_demo.py, `make scale-demo`): a
PostgreSQL primary and a streaming replica made with pg_basebackup, Redis, two gunicorn nodes behind HAProxy
and a Celery worker, all on spare ports of this machine. Load goes through the balancer while a web node and
then the replica are stopped. What must hold: no acknowledged write is lost, nobody reads a stale copy of
their own write, no request fails, and anonymous reads reach the replica exactly while it runs."""

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
