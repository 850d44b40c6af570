"""What every logged-in request costs before its view, and what it must still get right: session activity is
written at most every SESSION_ACTIVITY_INTERVAL seconds, the idle timeout (docs/security-checks.md B8) still
ends a session, and the MFA check (A5) and the Actor read the current memberships and TOTP on every request."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from asfnet import middleware
from directory.models import Membership
from kernel.models import AuditLog
from tests.conftest import give_totp

SIMPLE_PAGE = "/notifications/"  # the view: the list's count and the header's unread count


@pytest.fixture
def clock(monkeypatch):
    """The middleware's clock, set by the test (Unix seconds)."""

    class Clock:
        now = 1_800_000_000

    monkeypatch.setattr(middleware, "_now", lambda: Clock.now)
    return Clock


def _writes(client, url=SIMPLE_PAGE, **headers) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return [q["sql"].split('"')[1] for q in captured if q["sql"].startswith(("UPDATE", "INSERT"))]


# --- Queries before the view --------------------------------------------------------------------------------------
def test_a_logged_in_officer_costs_three_queries_before_the_view(client, world, django_assert_num_queries):
    """The session, the user (Django: is the account active, does the session hash match) and the officer's
    memberships with their organisations and whether they have TOTP (one query, read fresh). No write."""
    client.force_login(world.officer_x)
    client.get(SIMPLE_PAGE)  # the first request after logging in records the session's activity
    with django_assert_num_queries(5) as captured:
        assert client.get(SIMPLE_PAGE).status_code == 200
    queries = [q["sql"] for q in captured.captured_queries]
    assert all(sql.startswith("SELECT") for sql in queries)
    assert 'FROM "django_session"' in queries[0]
    assert 'FROM "asfnet_user"' in queries[1]
    assert 'FROM "directory_membership"' in queries[2]  # with the organisations and the TOTP check
    assert 'FROM "mfa_authenticator"' in queries[2]
    assert all('FROM "notifications_notification"' in sql for sql in queries[3:])  # the view


def test_the_participant_list_is_audited_with_one_insert_and_no_read_of_the_log(client, world):
    client.force_login(world.officer_x)
    client.get(reverse("matchmaking:index"))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("matchmaking:index")).status_code == 200
    audit = [q["sql"] for q in captured if "asfnet_auditlog" in q["sql"]]
    assert len(audit) == 1 and audit[0].startswith('INSERT INTO "asfnet_auditlog"')
    assert AuditLog.objects.filter(action="participant.list", actor=world.officer_x).count() == 2


# --- Session activity ---------------------------------------------------------------------------------------------
def test_session_activity_is_written_at_most_every_interval(client, world, clock, settings):
    client.force_login(world.officer_x)
    assert sorted(set(_writes(client))) == ["django_session", "usersessions_usersession"]
    recorded = UserSession.objects.get(user=world.officer_x).last_seen_at
    assert client.session["_asfnet_last_seen"] == clock.now

    clock.now += settings.SESSION_ACTIVITY_INTERVAL - 1
    assert _writes(client) == []
    assert UserSession.objects.get(user=world.officer_x).last_seen_at == recorded

    clock.now += 1
    assert sorted(set(_writes(client))) == ["django_session", "usersessions_usersession"]
    assert UserSession.objects.get(user=world.officer_x).last_seen_at > recorded
    assert client.session["_asfnet_last_seen"] == clock.now


def test_a_new_browser_or_address_is_recorded_at_once(client, world, clock):
    client.force_login(world.officer_x)
    _writes(client, HTTP_USER_AGENT="Firefox")
    clock.now += 1
    assert "usersessions_usersession" in _writes(client, HTTP_USER_AGENT="Safari")
    assert UserSession.objects.get(user=world.officer_x).user_agent == "Safari"
    clock.now += 1
    assert "usersessions_usersession" in _writes(client, HTTP_USER_AGENT="Safari", REMOTE_ADDR="10.1.2.3")
    assert UserSession.objects.get(user=world.officer_x).ip == "10.1.2.3"


def test_the_interval_is_at_most_five_minutes_and_a_tenth_of_the_idle_timeout(settings):
    """So an idle session ends at most 10 % early (with the default hour: five minutes)."""
    assert 0 < settings.SESSION_ACTIVITY_INTERVAL <= 300
    assert settings.SESSION_ACTIVITY_INTERVAL * 10 <= settings.SESSION_IDLE_TIMEOUT


@pytest.mark.security("B8")
@pytest.mark.adversarial("B")
def test_a_session_idle_for_longer_than_the_timeout_ends(client, world, clock, settings):
    client.force_login(world.officer_x)
    _writes(client)
    clock.now += settings.SESSION_IDLE_TIMEOUT  # exactly the timeout: still in
    assert client.get(SIMPLE_PAGE).status_code == 200
    clock.now += settings.SESSION_IDLE_TIMEOUT + 1  # one second more than the timeout since that request
    response = client.get(SIMPLE_PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


@pytest.mark.security("B8")
@pytest.mark.adversarial("B")
def test_the_idle_timeout_counts_from_the_last_written_activity(client, world, clock, settings):
    """Requests between two writes do not move the last-seen time: a session can end up to one interval
    before SESSION_IDLE_TIMEOUT has passed since its last request, never after."""
    client.force_login(world.officer_x)
    _writes(client)
    written = clock.now
    clock.now += settings.SESSION_ACTIVITY_INTERVAL - 1
    assert _writes(client) == []  # a request that writes nothing
    clock.now = written + settings.SESSION_IDLE_TIMEOUT + 1  # the timeout minus 298 s after that request
    assert client.get(SIMPLE_PAGE).status_code == 302
    assert "_auth_user_id" not in client.session


# --- The MFA check and the Actor read the current state -------------------------------------------------------
@pytest.mark.security("A5")
@pytest.mark.adversarial("A")
def test_removing_or_adding_totp_takes_effect_on_the_next_request(client, world):
    client.force_login(world.officer_x)
    assert client.get(SIMPLE_PAGE).status_code == 200
    Authenticator.objects.filter(user=world.officer_x).delete()
    response = client.get(SIMPLE_PAGE)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    give_totp(world.officer_x)
    assert client.get(SIMPLE_PAGE).status_code == 200


@pytest.mark.security("C18")
@pytest.mark.adversarial("C")
def test_an_officer_who_loses_the_membership_loses_its_rights_on_the_next_request(client, world):
    client.force_login(world.officer_x)
    page = client.get(reverse("matchmaking:index"))
    assert page.context["role"] == "officer"
    Membership.objects.filter(user=world.officer_x).delete()
    page = client.get(reverse("matchmaking:index"))
    assert page.context["role"] == "org_member"
    assert "participants" not in page.context
    # No longer an officer, so no longer bound to TOTP.
    Authenticator.objects.filter(user=world.officer_x).delete()
    assert client.get(SIMPLE_PAGE).status_code == 200
