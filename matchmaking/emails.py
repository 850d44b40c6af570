"""E-mails about the placement pipeline, in each recipient's language, never with sensitive fields: who
hears about which step of a placement, and the one e-mail to one of them (matchmaking.tasks fans out one
task per recipient). A placement passes each step once, so (placement, step, recipient) is sent once."""

from __future__ import annotations

from django.conf import settings

from directory.models import Membership
from kernel.mail import send_templated
from kernel.models import User
from matchmaking.models import Match

# Who hears about which transition: the host organisation's members, or the proposing officer.
TO_HOST = {"proposed"}
TO_OFFICER = {"accepted", "declined", "started", "ended"}


def match_email_recipients(*, match_id: int, kind: str) -> list[int]:
    """The ids of the active users who hear about step `kind` of placement `match_id`."""
    match = Match.objects.select_related("opportunity", "proposed_by").filter(pk=match_id).first()
    if match is None:
        return []
    if kind in TO_HOST:
        return list(
            Membership.objects.filter(organisation_id=match.opportunity.organisation_id, user__is_active=True)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
    if kind in TO_OFFICER and match.proposed_by is not None and match.proposed_by.is_active:
        return [match.proposed_by.pk]
    return []


def match_email_send(*, match_id: int, kind: str, user_id: int) -> int:
    """The e-mail about step `kind` of placement `match_id` to one recipient, once. Returns 0 or 1."""
    match = (
        Match.objects.select_related("need__participant", "opportunity__organisation", "proposed_by")
        .filter(pk=match_id)
        .first()
    )
    user = User.objects.filter(pk=user_id).first()
    if match is None or user is None:
        return 0
    return send_templated(
        "matchmaking/match",
        to=user,
        context={"match": match, "kind": kind, "site_url": settings.SITE_URL},
        once_key=f"matchmaking.match:{match.pk}:{kind}:{user.pk}",
    )
