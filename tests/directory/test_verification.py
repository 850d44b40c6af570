"""Verification that expires: a coordinator's verification holds VERIFICATION_VALID_MONTHS; the profile, the
querysets and the daily reminders honour it, and each reminder reaches exactly the coordinators once per
verification period however often the task runs or is retried."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from directory import verification
from directory.factories import CoordinatorFactory
from directory.models import Organisation
from directory.tasks import send_verification_reminders
from notifications.models import Notification

pytestmark = pytest.mark.usefixtures("twelve_months")

# A fixed moment, mid-month, so that month arithmetic has no end-of-month clamping.
NOW = timezone.make_aware(dt.datetime(2026, 6, 15, 12, 0))
YEAR = relativedelta(months=12)


@pytest.fixture
def twelve_months():
    with override_settings(VERIFICATION_VALID_MONTHS=12):
        yield


def verify(org: Organisation, at: dt.datetime) -> Organisation:
    Organisation.objects.filter(pk=org.pk).update(verified_at=at)
    return Organisation.objects.get(pk=org.pk)


def names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


# --- Where the period ends --------------------------------------------------------------------------------
def test_the_default_period_is_twelve_months():
    assert settings.VERIFICATION_VALID_MONTHS == 12


def test_a_verification_holds_until_the_last_second_of_its_period(world):
    verify(world.org_a, NOW - YEAR + dt.timedelta(seconds=1))
    verify(world.org_b, NOW - YEAR)
    assert names(Organisation.objects.verified(on=NOW)) == {"Returen Återbruk"}
    assert names(Organisation.objects.verification_expired(on=NOW)) == {"Café Kvarnen"}


def test_the_period_follows_the_setting(world):
    verify(world.org_a, NOW - relativedelta(months=7))
    assert names(Organisation.objects.verified(on=NOW)) == {"Returen Återbruk"}
    with override_settings(VERIFICATION_VALID_MONTHS=6):
        assert names(Organisation.objects.verified(on=NOW)) == set()
        assert names(Organisation.objects.verification_expired(on=NOW)) == {"Returen Återbruk"}


def test_a_verification_after_the_moment_asked_about_does_not_count_then(world):
    verify(world.org_a, NOW + dt.timedelta(days=1))
    assert names(Organisation.objects.verified(on=NOW)) == set()
    assert names(Organisation.objects.verified(on=NOW + dt.timedelta(days=2))) == {"Returen Återbruk"}


def test_expiring_means_still_valid_and_ending_within_the_days_given(world):
    verify(world.org_a, NOW - YEAR + dt.timedelta(days=30))  # expires in exactly 30 days
    verify(world.org_b, NOW - YEAR + dt.timedelta(days=30, seconds=1))  # just over 30 days
    verify(world.business, NOW - YEAR)  # expired now: not "expiring"
    assert names(Organisation.objects.verification_expiring(on=NOW)) == {"Returen Återbruk"}
    assert names(Organisation.objects.verification_expiring(within_days=31, on=NOW)) == {
        "Returen Återbruk",
        "Café Kvarnen",
    }


def test_a_date_means_the_start_of_that_day(world):
    verify(world.org_a, timezone.make_aware(dt.datetime(2025, 6, 15, 0, 0, 1)))
    assert names(Organisation.objects.verified(on=dt.date(2026, 6, 15))) == {"Returen Återbruk"}
    assert names(Organisation.objects.verified(on=dt.date(2026, 6, 16))) == set()


def test_awaiting_verification_is_listed_organisations_never_verified(world):
    verify(world.org_a, NOW)  # verified
    verify(world.muni_x, NOW - YEAR - YEAR)  # expired: was verified, not "awaiting"
    Organisation.objects.filter(pk=world.muni_y.pk).update(confirmed_at=NOW - YEAR - YEAR)  # hidden: stale
    awaiting = names(Organisation.objects.awaiting_verification())
    assert "Café Kvarnen" in awaiting
    assert not {"Returen Återbruk", "Luleå kommun", "Piteå kommun", "Dolda Snickeriet"} & awaiting


def test_the_model_knows_when_its_verification_expires(world):
    assert world.org_a.verification_expires_at is None and not world.org_a.is_verified
    fresh = verify(world.org_a, timezone.now() - dt.timedelta(days=1))
    assert fresh.verification_expires_at == fresh.verified_at + YEAR
    assert fresh.is_verified
    old = verify(world.org_b, timezone.now() - YEAR - dt.timedelta(days=1))
    assert not old.is_verified


# --- What people see ---------------------------------------------------------------------------------------
def test_the_profile_says_until_when_it_is_verified(client, world):
    org = verify(world.org_a, timezone.now() - dt.timedelta(days=10))
    expires = timezone.localdate(org.verification_expires_at)
    body = client.get(reverse("directory:detail", kwargs={"code": org.code}), HTTP_ACCEPT_LANGUAGE="en")
    text = body.content.decode()
    with translation.override("en"):
        assert f"Verified until {formats.date_format(expires, 'DATE_FORMAT')}" in text
    assert "Verification expired" not in text


def test_the_profile_says_when_the_verification_expired(client, world):
    org = verify(world.org_a, timezone.now() - YEAR - dt.timedelta(days=10))
    body = client.get(reverse("directory:detail", kwargs={"code": org.code}), HTTP_ACCEPT_LANGUAGE="sv")
    text = body.content.decode()
    assert "Verifieringen gick ut den" in text
    assert "Verifierad till" not in text


def test_the_open_data_api_gives_no_validity_for_an_expired_verification(client, world):
    verify(world.org_a, timezone.now() - YEAR - dt.timedelta(days=1))
    verify(world.org_b, timezone.now() - dt.timedelta(days=1))
    response = client.get(reverse("api:organization_list"))
    rows = {row["name"]: row["x_asfnet"] for row in response.json()["contents"]}
    assert rows["Returen Återbruk"]["verified_until"] is None
    assert rows["Returen Återbruk"]["verified_at"] is not None
    assert rows["Café Kvarnen"]["verified_until"] is not None


# --- Reminders ---------------------------------------------------------------------------------------------
@pytest.fixture
def coordinators(world):
    """Two active coordinators and one whose account is closed."""
    second = CoordinatorFactory()
    CoordinatorFactory(is_active=False)
    return {world.coordinator.pk, second.pk}


def sent(kind: str) -> list[tuple[int, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_id", "params__organisation"))


def test_a_due_reminder_reaches_exactly_the_coordinators_once_across_two_runs(world, coordinators):
    verify(world.org_a, NOW - YEAR + dt.timedelta(days=20))
    verify(world.org_b, NOW - dt.timedelta(days=20))  # far from expiring
    assert verification.verification_reminders_send(on=NOW) == (1, 0)
    assert verification.verification_reminders_send(on=NOW + dt.timedelta(hours=1)) == (0, 0)
    assert sent("verification_due") == sorted((pk, "Returen Återbruk") for pk in coordinators)
    assert not Notification.objects.exclude(recipient_id__in=coordinators).exists()
    assert not Notification.objects.filter(kind="verification_expired").exists()


def test_an_expired_reminder_is_sent_once_and_no_due_reminder_after_expiry(world, coordinators):
    verify(world.org_a, NOW - YEAR - dt.timedelta(days=3))
    assert verification.verification_reminders_send(on=NOW) == (0, 1)
    assert verification.verification_reminders_send(on=NOW + dt.timedelta(days=1)) == (0, 0)
    assert sent("verification_expired") == sorted((pk, "Returen Återbruk") for pk in coordinators)
    assert not Notification.objects.filter(kind="verification_due").exists()


def test_a_period_gets_its_due_and_then_its_expired_reminder(world, coordinators):
    verify(world.org_a, NOW - YEAR + dt.timedelta(days=10))
    verification.verification_reminders_send(on=NOW)
    verification.verification_reminders_send(on=NOW + dt.timedelta(days=11))
    verification.verification_reminders_send(on=NOW + dt.timedelta(days=12))
    assert len(sent("verification_due")) == len(coordinators)
    assert len(sent("verification_expired")) == len(coordinators)


def test_a_new_verification_starts_a_new_period_with_its_own_reminders(world, coordinators):
    verify(world.org_a, NOW - YEAR + dt.timedelta(days=10))
    verification.verification_reminders_send(on=NOW)
    verify(world.org_a, NOW - YEAR + dt.timedelta(days=20))  # verified again (a test stand-in for a later date)
    assert verification.verification_reminders_send(on=NOW) == (1, 0)
    assert len(sent("verification_due")) == 2 * len(coordinators)


def test_a_failed_run_leaves_nothing_claimed_and_its_retry_sends_once(world, coordinators):
    verify(world.org_a, NOW - YEAR + dt.timedelta(days=5))
    with (
        mock.patch.object(verification, "verification_notify", side_effect=OSError("broker down")),
        pytest.raises(OSError, match="broker down"),
    ):
        verification.verification_reminders_send(on=NOW)
    assert Organisation.objects.get(pk=world.org_a.pk).verification_due_sent_for is None
    assert verification.verification_reminders_send(on=NOW) == (1, 0)  # the retry
    assert verification.verification_reminders_send(on=NOW) == (0, 0)  # a redelivery
    assert len(sent("verification_due")) == len(coordinators)


def test_the_daily_task_is_scheduled_and_sends_through_the_service(world, coordinators):
    entry = settings.CELERY_BEAT_SCHEDULE["directory-verification-reminders"]
    assert entry["task"] == "directory.tasks.send_verification_reminders"
    verify(world.org_a, timezone.now() - YEAR - dt.timedelta(days=1))
    assert send_verification_reminders() == [0, 1]
    assert send_verification_reminders() == [0, 0]
    assert len(sent("verification_expired")) == len(coordinators)
