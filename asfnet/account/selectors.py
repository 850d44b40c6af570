"""Reads of the account page."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db.models import QuerySet

from directory.access import Actor
from directory.models import Invitation, Membership
from kernel.models import User


@dataclass(frozen=True)
class AccountOverview:
    memberships: tuple[Membership, ...]
    invitations: QuerySet[Invitation]
    has_totp: bool
    has_recovery_codes: bool
    session_count: int


def account_overview(*, actor: Actor, user: User) -> AccountOverview:
    """What the account page shows: the memberships come with the Actor (no query); open invitations to the
    person's address; which second factors are set up; how many sessions are open."""
    kinds = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    return AccountOverview(
        memberships=tuple(sorted(actor.memberships, key=lambda m: m.organisation.name)),
        invitations=Invitation.objects.usable()
        .filter(email__iexact=user.email)
        .select_related("organisation")
        .order_by("expires_at"),
        has_totp=Authenticator.Type.TOTP in kinds,
        has_recovery_codes=Authenticator.Type.RECOVERY_CODES in kinds,
        session_count=UserSession.objects.filter(user=user).count(),
    )
