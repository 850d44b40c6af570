"""Reads of the notifications app. A notification is its recipient's alone: anyone else's looks like one that
does not exist (404)."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from kernel.models import User
from notifications.kinds import KINDS, Kind, emailed_kinds, is_coordinator
from notifications.models import Notification, NotificationPreference


def notification_for_user(*, user: User, code: UUID | str) -> Notification:
    return get_object_or_404(Notification.objects.filter(recipient=user), code=code)


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(*, user: User) -> int:
    """One COUNT on the partial index `notifications_unread`, however many notifications there are."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def preference_choices(*, user: User) -> list[tuple[Kind, str]]:
    """Each kind the user may choose for, with their current choice (the kind's default without one)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return [(kind, chosen.get(kind.key, kind.default)) for kind in emailed_kinds(coordinator=is_coordinator(user))]


def in_app_only_kinds() -> list[Kind]:
    return [kind for kind in KINDS.values() if not kind.email]
