"""Verification that expires: the coordinators hear, once per verification period, that an organisation's
verification expires within VERIFICATION_NOTICE_DAYS days, and once that it has expired.

A verification period is identified by its `verified_at`. Each notice is claimed with a compare-and-swap on
`verification_due_sent_for` / `verification_expired_sent_for` (set to the `verified_at` it is about) in the
same transaction as the notification rows, so a second run of the daily task, a retry or a redelivered task
finds the claim taken and sends nothing again; a new verification starts a new period with its own notices."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from directory.models import Organisation
from directory.selectors import coordinator_user_ids
from notifications.models import Notification
from notifications.services import notify

VERIFICATION_NOTICE_DAYS = 30


def verification_notify(*, organisation: Organisation, expires_on: dt.date, expired: bool) -> list[Notification]:
    """Tell the coordinators that the verification of `organisation` expires on `expires_on`, or has expired."""
    return notify(
        kind="verification_expired" if expired else "verification_due",
        recipients=coordinator_user_ids(organisation),
        url=organisation.get_absolute_url(),
        params={"organisation": organisation.name, "expires_on": expires_on},
    )


@transaction.atomic
def _notice_send(*, organisation: Organisation, expired: bool) -> bool:
    """Claim and send one notice; False when it was already sent for this period (or the row changed)."""
    column = "verification_expired_sent_for" if expired else "verification_due_sent_for"
    verified_at = organisation.verified_at
    claimed = (
        Organisation.objects.filter(pk=organisation.pk, verified_at=verified_at)
        .exclude(**{column: verified_at})
        .update(**{column: verified_at})
    )
    if claimed != 1:
        return False
    expires_at = organisation.verification_expires_at
    assert expires_at is not None  # only verified organisations are selected
    verification_notify(organisation=organisation, expires_on=timezone.localdate(expires_at), expired=expired)
    return True


def verification_reminders_send(*, on: dt.datetime | None = None) -> tuple[int, int]:
    """Send the due and expired notices not yet sent for the current verification period of each
    organisation. Returns (due notices sent, expired notices sent). Safe to run any number of times."""
    moment = on or timezone.now()
    due = expired = 0
    expiring = Organisation.objects.verification_expiring(within_days=VERIFICATION_NOTICE_DAYS, on=moment)
    for organisation in expiring.only("pk", "code", "name", "verified_at").order_by("pk"):
        due += _notice_send(organisation=organisation, expired=False)
    for organisation in (
        Organisation.objects.verification_expired(on=moment).only("pk", "code", "name", "verified_at").order_by("pk")
    ):
        expired += _notice_send(organisation=organisation, expired=True)
    return due, expired
