"""Writes for the private "my events" calendar feed: the secret in its URL."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from events.models import CalendarFeedToken
from events.services import hash_token
from kernel.audit import audit_log
from kernel.models import User


@transaction.atomic
def calendar_token_renew(*, user: User) -> str:
    """Give the user a new secret feed address and return its token. Only the hash is stored, and the
    old address stops working at once (one token per user)."""
    token = secrets.token_urlsafe(32)
    row, created = CalendarFeedToken.objects.update_or_create(
        user=user, defaults={"token_hash": hash_token(token), "created_at": timezone.now()}
    )
    audit_log(actor=user, action="calendar_token.create" if created else "calendar_token.renew", target=row)
    return token
