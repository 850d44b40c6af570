"""Writes of the account page."""

from __future__ import annotations

from django.db import transaction

from kernel.audit import audit_log
from kernel.models import User


@transaction.atomic
def account_language_set(*, user: User, language: str) -> User:
    """The person's language for the interface (from the next login on, and at once through the cookie the
    view sets) and for e-mails. Audited when it changes; an unknown language is refused by full_clean."""
    if user.preferred_language == language:
        return user
    before = user.preferred_language
    user.preferred_language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["preferred_language"])
    audit_log(actor=user, action="account.language", target=user, data={"from": before, "to": language})
    return user
