"""Nudges: e-mails that keep the matchmaking pipeline moving. Run daily by matchmaking.tasks.send_nudges
(settings.CELERY_BEAT_SCHEDULE).

| what                                                                   | who hears                      |
|------------------------------------------------------------------------|--------------------------------|
| an open need with no proposal for NEED_WITHOUT_PROPOSAL_DAYS (14) days | the officer who raised it      |
| a proposal unanswered for PROPOSAL_UNANSWERED_DAYS (7) days            | the host organisation's members |
| a published opportunity not refreshed for OPPORTUNITY_REFRESH_WEEKS − 1 weeks | its organisation's members |

An opportunity expires OPPORTUNITY_REFRESH_WEEKS after it was last refreshed, so its members hear a week ahead
(and weekly after that, until it is refreshed, unpublished or past its end date).

"No proposal for 14 days": the need is at least 14 days old, nothing is in progress for it (no proposed,
accepted or started placement) and nothing was proposed for it in the last 14 days.

Each thing is nudged at most once every NUDGE_INTERVAL_DAYS (7) days: it is claimed with a compare-and-swap
on its `nudged_at` (the claim re-checks the whole condition), so duplicate or overlapping runs claim it
once. Each claim is one nudge: the task fans it out as one task per recipient (matchmaking.tasks.send_nudge),
and each (nudge, recipient) is sent once (kernel.mail.send_templated's once_key), so a task retried after a
failed send, or redelivered, never repeats a delivered e-mail. Every e-mail is in its recipient's language
and carries only the pseudonymous participant code, never a sensitive field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from directory.forbund.links import site_url
from directory.selectors import active_members
from kernel.mail import send_templated
from kernel.models import User
from matchmaking.models import Match, MatchStatus, Need, NeedStatus, Opportunity

NEED_WITHOUT_PROPOSAL_DAYS = 14
PROPOSAL_UNANSWERED_DAYS = 7
NUDGE_INTERVAL_DAYS = 7
LIVE_MATCH_STATUSES = (MatchStatus.PROPOSED, MatchStatus.ACCEPTED, MatchStatus.STARTED)


def _due(now: dt.datetime) -> Q:
    return Q(nudged_at__isnull=True) | Q(nudged_at__lte=now - dt.timedelta(days=NUDGE_INTERVAL_DAYS))


# --- What is due ------------------------------------------------------------------------------------------
def needs_due(now: dt.datetime) -> QuerySet[Need]:
    cutoff = now - dt.timedelta(days=NEED_WITHOUT_PROPOSAL_DAYS)
    recent_or_live = Match.objects.filter(need=OuterRef("pk")).filter(
        Q(status__in=LIVE_MATCH_STATUSES) | Q(proposed_at__gt=cutoff) | Q(created_at__gt=cutoff)
    )
    return (
        Need.objects.filter(status=NeedStatus.OPEN, created_at__lte=cutoff, created_by__isnull=False)
        .exclude(Exists(recent_or_live))
        .filter(_due(now))
    )


def proposals_due(now: dt.datetime) -> QuerySet[Match]:
    cutoff = now - dt.timedelta(days=PROPOSAL_UNANSWERED_DAYS)
    return Match.objects.filter(status=MatchStatus.PROPOSED, proposed_at__lte=cutoff).filter(_due(now))


def opportunities_due(now: dt.datetime) -> QuerySet[Opportunity]:
    weeks = max(settings.OPPORTUNITY_REFRESH_WEEKS - 1, 0)
    return (
        Opportunity.objects.filter(published=True, refreshed_at__lte=now - dt.timedelta(weeks=weeks))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate()))
        .filter(_due(now))
    )


# --- Who hears and what they read -------------------------------------------------------------------------
def _link(name: str, code: Any, forbund_id: int | None = None) -> str:
    """A link to the portal of `forbund_id` (a participant's förbund); national pages: SITE_URL."""
    return site_url(forbund_id) + reverse(name, kwargs={"code": code})


def _need_message(need_id: int) -> tuple[list[User], dict[str, Any]]:
    need = Need.objects.select_related("participant__project", "created_by").get(pk=need_id)
    recipients = [need.created_by] if need.created_by is not None and need.created_by.is_active else []
    return (
        recipients,
        {
            "code": need.participant.code,
            "days": NEED_WITHOUT_PROPOSAL_DAYS,
            "link": _link("matchmaking:need_detail", need.code, need.participant.project.forbund_id),
        },
    )


def _proposal_message(match_id: int) -> tuple[list[User], dict[str, Any]]:
    match = Match.objects.select_related("need__participant__project", "opportunity").get(pk=match_id)
    return (
        active_members(match.opportunity.organisation_id),
        {
            "code": match.need.participant.code,
            "title": match.opportunity.title,
            "proposed_on": timezone.localtime(match.proposed_at).date() if match.proposed_at else None,
            "link": _link("matchmaking:match_detail", match.code, match.need.participant.project.forbund_id),
        },
    )


def _opportunity_message(opportunity_id: int) -> tuple[list[User], dict[str, Any]]:
    opportunity = Opportunity.objects.get(pk=opportunity_id)
    expires = timezone.localtime(opportunity.refreshed_at).date() + dt.timedelta(
        weeks=settings.OPPORTUNITY_REFRESH_WEEKS
    )
    return (
        active_members(opportunity.organisation_id),
        {
            "title": opportunity.title,
            "expires_on": expires,
            "expired": expires <= timezone.localdate(),
            "link": _link("matchmaking:opportunity_detail", opportunity.code),
        },
    )


# --- Claim, then one e-mail per recipient ----------------------------------------------------------------
@dataclass(frozen=True)
class Nudge:
    """One claimed nudge of one thing: `nudged_at` (the claim's time) tells it from the next week's."""

    kind: str  # "need", "proposal" or "opportunity"
    pk: int
    nudged_at: str
    recipient_ids: list[int]


KINDS: dict[str, tuple[Callable[[dt.datetime], QuerySet[Any]], Callable[[int], tuple[list[User], dict[str, Any]]]]] = {
    "need": (needs_due, _need_message),
    "proposal": (proposals_due, _proposal_message),
    "opportunity": (opportunities_due, _opportunity_message),
}
COUNTS = {"need": "needs", "proposal": "proposals", "opportunity": "opportunities"}


def nudges_claim(*, now: dt.datetime | None = None) -> list[Nudge]:
    """Claim every thing that is due (a compare-and-swap on nudged_at each) and say who hears about it.
    The caller enqueues one nudge_send per (nudge, recipient)."""
    now = now or timezone.now()
    claimed = []
    for kind, (queryset, message) in KINDS.items():
        for pk in list(queryset(now).values_list("pk", flat=True)):
            if queryset(now).filter(pk=pk).update(nudged_at=now) != 1:
                continue  # another run got it first, or it moved on meanwhile
            recipients, _context = message(pk)
            claimed.append(Nudge(kind, pk, now.isoformat(), [user.pk for user in recipients]))
    return claimed


def summary(claimed: Iterable[Nudge]) -> dict[str, int]:
    """How many needs, proposals and opportunities were nudged (claimed with someone to tell)."""
    counts = dict.fromkeys(COUNTS.values(), 0)
    for nudge in claimed:
        if nudge.recipient_ids:
            counts[COUNTS[nudge.kind]] += 1
    return counts


def nudge_send(*, kind: str, pk: int, user_id: int, nudged_at: str) -> int:
    """The nudge claimed at `nudged_at` about thing `pk` to one recipient, in the recipient's language, once;
    nothing to someone who no longer hears about it (left the organisation, deactivated). Returns 0 or 1."""
    if kind not in KINDS:
        raise ValueError(f"unknown nudge kind {kind!r}")
    _queryset, message = KINDS[kind]
    try:
        recipients, context = message(pk)
    except ObjectDoesNotExist:
        return 0
    user = next((u for u in recipients if u.pk == user_id), None)
    if user is None:
        return 0
    return send_templated(
        f"matchmaking/nudge_{kind}",
        to=user,
        context=context,
        once_key=f"matchmaking.nudge:{kind}:{pk}:{nudged_at}:{user_id}",
    )
