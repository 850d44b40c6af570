"""The retention of notifications: the daily purge deletes read notifications older than
NOTIFICATIONS_KEEP_READ_DAYS and every notification older than NOTIFICATIONS_KEEP_DAYS; a second run deletes
nothing more; the settings page says how long they are kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.kinds import Delivery
from notifications.models import Notification
from notifications.retention import notifications_purge
from notifications.tasks import purge_old_notifications
from tests.factories import UserFactory

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def _notification(user, *, age: dt.timedelta, read: bool) -> Notification:
    created = NOW - age
    return Notification.objects.create(
        recipient=user,
        kind="invitation_accepted",
        params={"person": "A", "organisation": "B"},
        url="/",
        delivery=Delivery.OFF,
        created_at=created,
        read_at=created + dt.timedelta(minutes=1) if read else None,
    )


@pytest.fixture
def limits(settings):
    settings.NOTIFICATIONS_KEEP_READ_DAYS = 90
    settings.NOTIFICATIONS_KEEP_DAYS = 365
    return settings


def test_read_notifications_go_after_the_read_limit_and_unread_ones_stay(db, limits):
    user = UserFactory()
    at_limit = _notification(user, age=dt.timedelta(days=90), read=True)
    past_limit = _notification(user, age=dt.timedelta(days=90, seconds=1), read=True)
    unread_past = _notification(user, age=dt.timedelta(days=200), read=False)

    assert notifications_purge(now=NOW) == 1

    remaining = set(Notification.objects.values_list("pk", flat=True))
    assert remaining == {at_limit.pk, unread_past.pk}
    assert past_limit.pk not in remaining


def test_every_notification_goes_after_the_overall_limit(db, limits):
    user = UserFactory()
    unread_at_limit = _notification(user, age=dt.timedelta(days=365), read=False)
    unread_past = _notification(user, age=dt.timedelta(days=365, seconds=1), read=False)
    recent_read = _notification(user, age=dt.timedelta(days=1), read=True)

    assert notifications_purge(now=NOW) == 1

    assert set(Notification.objects.values_list("pk", flat=True)) == {unread_at_limit.pk, recent_read.pk}
    assert not Notification.objects.filter(pk=unread_past.pk).exists()


def test_the_limits_come_from_the_settings(db, settings):
    settings.NOTIFICATIONS_KEEP_READ_DAYS = 10
    settings.NOTIFICATIONS_KEEP_DAYS = 20
    user = UserFactory()
    read_11 = _notification(user, age=dt.timedelta(days=11), read=True)
    unread_11 = _notification(user, age=dt.timedelta(days=11), read=False)
    unread_21 = _notification(user, age=dt.timedelta(days=21), read=False)

    notifications_purge(now=NOW)

    assert list(Notification.objects.values_list("pk", flat=True)) == [unread_11.pk]
    assert not Notification.objects.filter(pk__in=[read_11.pk, unread_21.pk]).exists()


def test_the_task_is_idempotent(db, limits):
    user = UserFactory()
    old = timezone.now() - dt.timedelta(days=400)
    Notification.objects.create(
        recipient=user, kind="invitation_accepted", params={}, url="/", delivery=Delivery.OFF, created_at=old
    )
    kept = Notification.objects.create(
        recipient=user, kind="invitation_accepted", params={}, url="/", delivery=Delivery.OFF
    )

    assert purge_old_notifications() == 1
    assert purge_old_notifications() == 0
    assert list(Notification.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_purge_runs_daily_from_the_beat_schedule(settings):
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].endswith("purge_old_notifications")]
    assert len(entries) == 1
    assert entries[0]["task"] == purge_old_notifications.name


def test_the_settings_page_tells_the_retention(client, db, limits):
    user = UserFactory(preferred_language="en")
    client.force_login(user)
    html = client.get(reverse("notifications:preferences"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Read notifications are deleted after 90 days, and every notification after 365 days." in html
