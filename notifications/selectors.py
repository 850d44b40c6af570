"""Reads of the notifications app. A notification is its recipient's alone: anyone else's looks like one that
does not exist (404)."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from kernel.models import User
from notifications.kinds import KINDS, Kind, emailed_kinds, is_coordinator
from notifications.models import Notification, NotificationPreference


def notification_for_user(*, user: User, code: UUID | str) -> Notification:
    return get_object_or_404(Notification.objects.filter(recipient=user), code=code)


def on_portal(forbund_id: int | None) -> Q:
    """What a förbund's portal lists: that förbund's notifications and the national ones. On the national host
    (None) and in a one-förbund installation, where every notification is the förbund's or national, all."""
    if forbund_id is None:
        return Q()
    return Q(forbund_id=forbund_id) | Q(forbund_id__isnull=True)


def notification_list(
    *, user: User, forbund_id: int | None = None, every_forbund: bool = False
) -> QuerySet[Notification]:
    """The user's notifications on `forbund_id`'s portal (`every_forbund`: of every förbund), newest first."""
    mine = Notification.objects.filter(recipient=user)
    if not every_forbund:
        mine = mine.filter(on_portal(forbund_id))
    return mine.order_by("-created_at", "-id")


def notification_counts(*, user: User, forbund_id: int | None) -> tuple[int, int]:
    """(how many the portal lists, how many concern other förbund) in one query: the first is the list's
    count for its pages, so the centre costs no query more than one list."""
    mine = Notification.objects.filter(recipient=user)
    if forbund_id is None:  # the national host lists them all
        return mine.count(), 0
    counts = mine.aggregate(
        here=Count("pk", filter=on_portal(forbund_id)), elsewhere=Count("pk", filter=~on_portal(forbund_id))
    )
    return counts["here"], counts["elsewhere"]


def unread_count(*, user: User, forbund_id: int | None = None) -> int:
    """The header's count on `forbund_id`'s portal: one COUNT on the partial index `notifications_unread`,
    however many notifications there are."""
    return Notification.objects.filter(on_portal(forbund_id), recipient=user, read_at__isnull=True).count()


def preference_choices(*, user: User) -> list[tuple[Kind, str]]:
    """Each kind the user may choose for, with their current choice (the kind's default without one)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return [(kind, chosen.get(kind.key, kind.default)) for kind in emailed_kinds(coordinator=is_coordinator(user))]


def in_app_only_kinds() -> list[Kind]:
    return [kind for kind in KINDS.values() if not kind.email]
