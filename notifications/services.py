"""Writes of the notifications app: `notify` (called by the services that own a workflow, inside their
transaction), marking read, and each person's e-mail choices.

`notify` writes one row per recipient and, for a recipient who wants the kind immediately, enqueues one
e-mail task for that notification once the caller's transaction commits (nothing for a rolled-back change).
The task sends under a send-once key, so a retried or redelivered task never repeats a delivered e-mail.
Recipients who chose the daily summary are e-mailed by the summary task (notifications/emails.py)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.audit import audit_log
from kernel.models import User
from notifications.kinds import KINDS, Delivery, emailed_kinds, is_coordinator
from notifications.models import Notification, NotificationPreference
from notifications.selectors import on_portal
from notifications.tasks import send_notification_email

PARAM_MAX_LENGTH = 200  # a name or a title; a longer value is cut


def _param(value: Any) -> str | int | None:
    if value is None or isinstance(value, int | str):
        return value[:PARAM_MAX_LENGTH] if isinstance(value, str) else value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"a notification parameter is a string, a number or a date, not {type(value).__name__}")


def _is_site_path(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//") and "\\" not in url and len(url) <= 500


_SITE = re.compile(r"^https?://[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?(?::\d{1,5})?$")


def preferences_of(user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """Each user's choice for `kind` (the kind's default where they have made none)."""
    ids = list(user_ids)
    chosen = dict(NotificationPreference.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", "delivery"))
    return {pk: chosen.get(pk, KINDS[kind].default) for pk in ids}


def notify(
    *,
    kind: str,
    recipients: Iterable[User | int],
    url: str,
    params: Mapping[str, Any] | None = None,
    actor: User | None = None,
    site: str = "",
    forbund_id: int | None = None,
) -> list[Notification]:
    """Tell each of `recipients` (users or user ids; inactive accounts and `actor` — nobody hears about their
    own act — left out, each once) that `kind` happened, linking to `url` (a path on this site). `site`: the
    address of the förbund portal the path is on (directory.forbund.links.site_url), empty for national
    pages; `forbund_id`: that förbund (None: national). Call it in the transaction of the change. Returns the
    notifications written."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not _is_site_path(url):
        raise ValueError(f"a notification links to a path on this site, not {url!r}")
    if site and not _SITE.match(site):
        raise ValueError(f"a notification's site is an address like https://host, not {site!r}")
    clean_params = {str(name): _param(value) for name, value in (params or {}).items()}
    ids = {r.pk if isinstance(r, User) else int(r) for r in recipients}
    if actor is not None:
        ids.discard(actor.pk)
    active = sorted(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    if not active:
        return []
    delivery = preferences_of(active, kind) if KINDS[kind].email else dict.fromkeys(active, Delivery.OFF)
    now = timezone.now()
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk,
                kind=kind,
                params=clean_params,
                url=url,
                site=site,
                forbund_id=forbund_id,
                delivery=delivery[pk],
                created_at=now,
            )
            for pk in active
        ]
    )

    for notification in created:
        if notification.delivery == Delivery.IMMEDIATE:
            send_notification_email.delay_on_commit(notification.pk)  # one task per recipient
    return created


@transaction.atomic
def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    """Mark one of the user's own notifications read (a second time changes nothing)."""
    if notification.recipient_id != user.pk:
        raise ValueError("a notification is marked read by its recipient only")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: User, forbund_id: int | None = None, every_forbund: bool = True) -> int:
    """Mark the user's unread notifications read: every one, or (`every_forbund=False`) those the centre lists
    on `forbund_id`'s portal. Returns how many were unread."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if not every_forbund:
        unread = unread.filter(on_portal(forbund_id))
    return unread.update(read_at=timezone.now())


@transaction.atomic
def preferences_set(*, user: User, choices: Mapping[str, str]) -> list[str]:
    """Store the user's e-mail choice per kind (`choices`: kind → Delivery). Kinds not in `choices` keep
    theirs. Turning a kind off also takes its notifications out of the next daily summary. Returns the kinds
    whose choice changed (audited by name)."""
    allowed = {kind.key for kind in emailed_kinds(coordinator=is_coordinator(user))}
    unknown = sorted(set(choices) - allowed)
    if unknown:
        raise ValidationError(_("These notifications cannot be chosen: %(kinds)s.") % {"kinds": ", ".join(unknown)})
    bad = sorted(kind for kind, value in choices.items() if value not in Delivery.values)
    if bad:
        raise ValidationError(_("Choose how to be e-mailed for every kind of notification."))
    current = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    changed = []
    for kind, value in choices.items():
        if current.get(kind, KINDS[kind].default) == value:
            continue
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"delivery": value})
        if value == Delivery.OFF:  # "not by e-mail" holds for what the next summary would have sent, too
            Notification.objects.filter(
                recipient=user, kind=kind, delivery=Delivery.DAILY, emailed_at__isnull=True
            ).update(delivery=Delivery.OFF)
        changed.append(kind)
    if changed:
        audit_log(actor=user, action="notifications.preferences", target=user, data={"kinds": sorted(changed)})
    return sorted(changed)
