"""The retention of notifications: a service of its own, beside `services.py`, because the task module calls
it and `services.notify` enqueues through the task module (a task imports its service, never the reverse)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications.models import Notification


@transaction.atomic
def notifications_purge(*, now: dt.datetime | None = None) -> int:
    """Delete read notifications older than NOTIFICATIONS_KEEP_READ_DAYS and every notification older than
    NOTIFICATIONS_KEEP_DAYS (by when it was written). A second run deletes nothing more. Returns how many
    went. No audit row: nothing a person did, and the rows themselves hold no decision."""
    now = now or timezone.now()
    read_before = now - dt.timedelta(days=settings.NOTIFICATIONS_KEEP_READ_DAYS)
    all_before = now - dt.timedelta(days=settings.NOTIFICATIONS_KEEP_DAYS)
    deleted, _rows = Notification.objects.filter(
        Q(created_at__lt=all_before) | Q(read_at__isnull=False, created_at__lt=read_before)
    ).delete()
    return deleted
