"""Redis Sentinel for real (docs/scaling.md): a redis-server and a sentinel of the test's own that monitors it.
The cache's SentinelMasterPool (REDIS_SENTINELS in settings.py) reaches the master the sentinel names; the
Celery broker's "sentinel://" URL with master_name carries messages; /readyz's broker check pings the master
through the sentinels, and says "down" when they name no master."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import redis
from kombu import Connection

from asfnet.views import _check_broker
from kernel.cache import ResilientRedisCache
from tests.servers import RedisServer, free_port

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is needed")

MASTER_NAME = "asfnet-test"


@pytest.fixture
def sentinel(tmp_path):
    """(master, sentinel port): a redis-server and one sentinel (quorum 1) monitoring it as MASTER_NAME."""
    master = RedisServer()
    master.start()
    port = free_port()
    conf = tmp_path / "sentinel.conf"  # a sentinel rewrites its configuration file: one of its own
    conf.write_text(f"port {port}\nbind 127.0.0.1\nsentinel monitor {MASTER_NAME} 127.0.0.1 {master.port} 1\n")
    process = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", str(conf), "--sentinel"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis(port=port).sentinel_get_master_addr_by_name(MASTER_NAME):
                    break
            except redis.exceptions.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the sentinel did not start"
            time.sleep(0.05)
        yield master, port
    finally:
        process.terminate()
        process.wait(timeout=10)
        master.stop()


def _cache(sentinel_port: int, service_name: str = MASTER_NAME) -> ResilientRedisCache:
    """The cache as settings.py configures it with REDIS_SENTINELS (the URL's host is never used)."""
    return ResilientRedisCache(
        "redis://unused-host/3",
        {
            "KEY_PREFIX": "sentinel-test",
            "OPTIONS": {
                "RETRY_AFTER": 0.2,
                "pool_class": "kernel.cache.SentinelMasterPool",
                "sentinels": [("127.0.0.1", sentinel_port)],
                "service_name": service_name,
                "sentinel_kwargs": {},
            },
        },
    )


def test_the_cache_reaches_the_master_the_sentinels_name(sentinel):
    master, sentinel_port = sentinel
    cache = _cache(sentinel_port)
    cache.set("greeting", "hej", 60)
    assert cache.get("greeting") == "hej"
    assert cache.add("greeting-count", 1)
    assert cache.incr("greeting-count") == 2
    # It is stored on the master, in the URL's database.
    assert redis.Redis(port=master.port, db=3).keys("sentinel-test:*greeting*")


def test_a_sentinel_that_names_no_such_master_degrades_the_cache_instead_of_failing(sentinel):
    _master, sentinel_port = sentinel
    cache = _cache(sentinel_port, service_name="no-such-master")
    cache.set("greeting", "hej", 60)  # dropped, no exception (kernel/cache.py)
    assert cache.get("greeting", "missed") == "missed"


def test_the_celery_broker_url_with_master_name_carries_messages(sentinel):
    _master, sentinel_port = sentinel
    url = f"sentinel://127.0.0.1:{sentinel_port}/1"
    with Connection(url, transport_options={"master_name": MASTER_NAME}) as connection:
        queue = connection.SimpleQueue("sentinel-test")
        queue.put({"task": "hello"})
        assert queue.get(timeout=5).payload == {"task": "hello"}
        queue.close()


def test_readyz_pings_the_broker_master_through_the_sentinels(sentinel, settings):
    _master, sentinel_port = sentinel
    settings.REDIS_URL = "redis://unused-host/0"
    settings.CELERY_BROKER_URL = f"sentinel://127.0.0.1:{free_port()};sentinel://127.0.0.1:{sentinel_port}/1"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"master_name": MASTER_NAME}
    assert _check_broker() is True
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"master_name": "no-such-master"}
    assert _check_broker() is False
