"""E-mails of notifications, in the recipient's language (kernel.mail.send_templated): one notification sent
at once, and the daily summary of a person's notifications. The tasks (notifications/tasks.py) call these;
this module imports no task.

* At once: one task per notification (so per recipient), sent under the key `notifications.email:<id>`:
  a retried or redelivered task hands the e-mail over once.
* Daily summary: one task per person. It claims the person's waiting notifications (a compare-and-swap on
  `emailed_at`, rows locked, in one transaction with the sending), so a second run, a duplicate task or a
  redelivery finds nothing left to send, and a failed send rolls the claim back for the retry. Notifications
  the person has already read in the centre are claimed but not listed; with none left unread, no e-mail."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kernel.mail import send_templated
from kernel.models import User
from notifications.kinds import Delivery
from notifications.models import Notification

logger = logging.getLogger(__name__)

DIGEST_LIMIT = 50  # notifications listed in one summary; the rest are in the centre


def _links(notification: Notification) -> dict[str, str]:
    return {
        # Opened on the portal the notification's object is on (a förbund's), where it exists.
        "link": (notification.site or settings.SITE_URL)
        + reverse("notifications:open", kwargs={"code": notification.code}),
        "centre_link": settings.SITE_URL + reverse("notifications:centre"),
        "settings_link": settings.SITE_URL + reverse("notifications:preferences"),
    }


def notification_email_send(*, notification_id: int) -> int:
    """The e-mail of one notification to its recipient, once. Nothing for a notification that is not to be
    e-mailed at once, or whose recipient is no longer active. Returns 0 or 1."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or notification.delivery != Delivery.IMMEDIATE:
        return 0
    with transaction.atomic():
        sent = send_templated(
            "notifications/notification",
            to=notification.recipient,
            context={"notification": notification, **_links(notification)},
            once_key=f"notifications.email:{notification.pk}",
        )
        if sent:
            Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return sent


def digest_recipients() -> list[int]:
    """The active users with notifications waiting for their daily summary."""
    return list(
        Notification.objects.filter(delivery=Delivery.DAILY, emailed_at__isnull=True, recipient__is_active=True)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def digest_send(*, user_id: int) -> int:
    """One user's daily summary: every notification waiting for it, unread ones listed (oldest first).
    Returns how many were listed (0: no e-mail)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return 0
    now = timezone.now()
    with transaction.atomic():
        waiting = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(recipient=user, delivery=Delivery.DAILY, emailed_at__isnull=True, created_at__lte=now)
            .order_by("created_at", "id")
        )
        if not waiting:
            return 0  # nothing waiting, or another run holds it
        Notification.objects.filter(pk__in=[n.pk for n in waiting], emailed_at__isnull=True).update(emailed_at=now)
        unread = [n for n in waiting if n.read_at is None]
        if not unread:
            return 0
        listed = unread[:DIGEST_LIMIT]
        context = {
            "notifications": [{"notification": n, **_links(n)} for n in listed],
            "count": len(unread),
            "more": len(unread) - len(listed),
            "centre_link": settings.SITE_URL + reverse("notifications:centre"),
            "settings_link": settings.SITE_URL + reverse("notifications:preferences"),
        }
        # The newest id claimed names this summary: a later summary always claims a newer one.
        send_templated(
            "notifications/digest",
            to=user,
            context=context,
            once_key=f"notifications.digest:{user.pk}:{max(n.pk for n in waiting)}",
        )
    logger.info("notifications: daily summary of %s notification(s) for user %s", len(unread), user.pk)
    return len(unread)
