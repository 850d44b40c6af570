"""Redis (the cache) down: people still log in, brute force is still limited per process, TOTP codes are
refused with a clear message (replay protection fails closed) and recovery codes still work; the outage is
logged once (docs/security-checks.md A1, I)."""

from __future__ import annotations

import logging
import time

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.cache import cache
from django.urls import reverse

from kernel import cache as asfnet_cache
from tests.asfnet.test_accounts import PASSWORD, _current_totp
from tests.servers import RedisServer


@pytest.fixture
def own_redis(settings):
    """The default cache on a redis-server of the test's own (so the test may stop it)."""
    server = RedisServer()
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "kernel.cache.ResilientRedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "asfnet",
            "OPTIONS": {"RETRY_AFTER": 0.2},
        }
    }
    asfnet_cache._outages.clear()
    cache.clear()  # also the per-process fallback of this location
    yield server
    cache.clear()
    server.stop()
    asfnet_cache._outages.clear()


def _outage_warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "kernel.cache" and "unreachable" in r.getMessage()]


def _limited(response) -> bool:
    form = response.context["form"]
    return any(e.code == "too_many_login_attempts" for e in form.errors.as_data().get("__all__", []))


@pytest.mark.security("A1", "K58")
@pytest.mark.chaos
@pytest.mark.adversarial("A")
def test_login_works_while_redis_is_down_and_brute_force_is_still_limited(client, world, own_redis, caplog):
    own_redis.stop()
    caplog.set_level(logging.WARNING, logger="kernel.cache")

    response = client.post(reverse("account_login"), {"login": "staff.a@example.se", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == world.staff_a.pk
    client.logout()

    # Five failed attempts for one account are answered as wrong passwords; the sixth is refused as too many
    # (ACCOUNT_RATE_LIMITS: 5 per account per 15 minutes), counted in this process while Redis is away.
    for attempt in range(5):
        response = client.post(reverse("account_login"), {"login": "staff.b@example.se", "password": "wrong"})
        assert response.status_code == 200
        assert not _limited(response), f"attempt {attempt + 1} is only a wrong password"
    response = client.post(reverse("account_login"), {"login": "staff.b@example.se", "password": "wrong"})
    assert _limited(response), "the 6th failed attempt is refused"
    response = client.post(reverse("account_login"), {"login": "staff.b@example.se", "password": PASSWORD})
    assert "_auth_user_id" not in client.session, "the right password too, until the window passes"

    warnings = _outage_warnings(caplog)
    assert len(warnings) == 1, "one WARNING for the outage, not one per request"
    assert warnings[0].levelno == logging.WARNING
    assert f"127.0.0.1:{own_redis.port}" in warnings[0].getMessage()


@pytest.mark.security("A5")
@pytest.mark.chaos
@pytest.mark.adversarial("A")
@pytest.mark.parametrize("role", ["officer_x", "coordinator"])
def test_totp_fails_closed_with_a_clear_message_while_redis_is_down_and_recovery_codes_work(
    client, world, own_redis, caplog, role
):
    user = getattr(world, role)
    recovery_code = RecoveryCodes.activate(user).get_unused_codes()[0]
    own_redis.stop()
    caplog.set_level(logging.WARNING, logger="kernel.cache")

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")

    # A right TOTP code cannot be marked as used, so it is refused (a replay could not be told apart) —
    # with a message that says why and what to do, not "incorrect code" and not a 500.
    response = client.post(reverse("mfa_authenticate"), {"code": _current_totp()})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    errors = response.context["form"].errors.as_data()["code"]
    assert [e.code for e in errors] == ["totp_unavailable"]
    assert "återställningskoder" in response.content.decode()

    # A wrong code is still called wrong.
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert [e.code for e in response.context["form"].errors.as_data()["code"]] == ["incorrect_code"]

    # Recovery codes live in the database: they let the person in.
    response = client.post(reverse("mfa_authenticate"), {"code": recovery_code})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk
    assert len(_outage_warnings(caplog)) == 1

    # Redis back: TOTP works again, and a used code is refused again (the shared mark).
    client.logout()
    own_redis.start()
    time.sleep(0.3)  # RETRY_AFTER of the fixture: Redis is asked again after it
    code = _current_totp()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk
    assert any("answers again" in r.getMessage() for r in caplog.records if r.name == "kernel.cache")
    client.logout()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert "_auth_user_id" not in client.session


@pytest.mark.chaos
@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda c: c.get("directory:search:x"), None),
        (lambda c: c.get("directory:search:x", "fallback"), "fallback"),
        (lambda c: c.set("directory:search:x", [1, 2]), None),
        (lambda c: c.add("directory:search:x", 1), False),
        (lambda c: c.touch("directory:search:x"), False),
        (lambda c: c.delete("directory:search:x"), False),
        (lambda c: c.has_key("directory:search:x"), False),
        (lambda c: c.get_many(["a", "b"]), {}),
        (lambda c: c.set_many({"a": 1}), ["a"]),
        (lambda c: c.delete_many(["a", "b"]), None),
        (lambda c: c.get_or_set("directory:search:x", 7), 7),
        (lambda c: c.clear(), False),
    ],
)
def test_every_cache_call_answers_like_a_miss_while_redis_is_down(own_redis, call, expected):
    own_redis.stop()
    assert call(cache) == expected


@pytest.mark.chaos
def test_incr_of_an_ordinary_key_while_redis_is_down_is_a_missing_key(own_redis):
    own_redis.stop()
    with pytest.raises(ValueError, match="not found"):
        cache.incr("directory:counter")


@pytest.mark.chaos
def test_rate_limit_keys_keep_their_values_in_process_memory_while_redis_is_down(own_redis):
    own_redis.stop()
    key = "allauth:rl:allauth.account:login_failed:5/900/key:abc"
    assert cache.add(f"{key}:lock", True, 10) is True
    assert cache.add(f"{key}:lock", True, 10) is False, "the lock is a real lock in the fallback"
    cache.set(key, [1.0, 2.0], 900)
    assert cache.get(key) == [1.0, 2.0]
    assert cache.get_many([key, "other"]) == {key: [1.0, 2.0]}
    assert cache.delete(key) is True
    assert cache.get(key) is None


@pytest.mark.chaos
def test_a_used_totp_mark_cannot_be_added_while_redis_is_down(own_redis):
    own_redis.stop()
    assert cache.add("allauth.mfa.totp.used?user=1&code=123456", "y", 30) is False
    assert asfnet_cache.fail_closed_refusal()


@pytest.mark.security("A5")
@pytest.mark.chaos
@pytest.mark.adversarial("A")
def test_reauthentication_with_totp_fails_closed_with_the_same_message_while_redis_is_down(client, world, own_redis):
    client.force_login(world.coordinator)
    own_redis.stop()
    response = client.post(reverse("mfa_reauthenticate"), {"code": _current_totp()})
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["code"]] == ["totp_unavailable"]


def test_one_redis_client_is_kept_per_server_and_answers_again_after_an_outage(own_redis):
    """Django's client builds a redis.Redis for every call; ours keeps one per connection pool (kernel.cache
    ClientPerPool). Kept, it still answers once Redis is back: its pool reconnects."""
    cache.set("kept-client", 1)
    client = cache._cache.get_client("kept-client", write=True)
    assert cache._cache.get_client("kept-client") is client  # reads and writes: one server, one pool, one client
    own_redis.stop()
    assert cache.get("kept-client") is None  # down: a miss, not an error
    own_redis.start()
    time.sleep(0.3)  # RETRY_AFTER (0.2 s) has passed: Redis is asked again
    cache.set("kept-client", 2)
    assert cache.get("kept-client") == 2
    assert cache._cache.get_client("kept-client") is client
