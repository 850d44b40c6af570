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
on its `nudged_at` before anything is sent (the claim re-checks the whole condition), so duplicate or
overlapping runs send nothing twice; when sending fails the claim is given back for the next run. Every
e-mail is in its recipient's language and carries only the pseudonymous participant code, never a
sensitive field.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from directory.models import Membership
from matchmaking.models import Match, MatchStatus, Need, NeedStatus, Opportunity

logger = logging.getLogger(__name__)

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
def _members(organisation_id: int) -> list[Any]:
    return [
        m.user
        for m in Membership.objects.filter(organisation_id=organisation_id, user__is_active=True)
        .select_related("user")
        .order_by("user__email")
    ]


def _link(name: str, code: Any) -> str:
    return settings.SITE_URL + reverse(name, kwargs={"code": code})


def _need_message(need_id: int) -> tuple[list[Any], str, dict[str, Any]]:
    need = Need.objects.select_related("participant", "created_by").get(pk=need_id)
    recipients = [need.created_by] if need.created_by is not None and need.created_by.is_active else []
    return (
        recipients,
        "need",
        {
            "code": need.participant.code,
            "days": NEED_WITHOUT_PROPOSAL_DAYS,
            "link": _link("matchmaking:need_detail", need.code),
        },
    )


def _proposal_message(match_id: int) -> tuple[list[Any], str, dict[str, Any]]:
    match = Match.objects.select_related("need__participant", "opportunity").get(pk=match_id)
    return (
        _members(match.opportunity.organisation_id),
        "proposal",
        {
            "code": match.need.participant.code,
            "title": match.opportunity.title,
            "proposed_on": timezone.localtime(match.proposed_at).date() if match.proposed_at else None,
            "link": _link("matchmaking:match_detail", match.code),
        },
    )


def _opportunity_message(opportunity_id: int) -> tuple[list[Any], str, dict[str, Any]]:
    opportunity = Opportunity.objects.get(pk=opportunity_id)
    expires = timezone.localtime(opportunity.refreshed_at).date() + dt.timedelta(
        weeks=settings.OPPORTUNITY_REFRESH_WEEKS
    )
    return (
        _members(opportunity.organisation_id),
        "opportunity",
        {
            "title": opportunity.title,
            "expires_on": expires,
            "expired": expires <= timezone.localdate(),
            "link": _link("matchmaking:opportunity_detail", opportunity.code),
        },
    )


def _send(recipients: list[Any], kind: str, context: dict[str, Any]) -> int:
    """One e-mail per recipient in the recipient's language, over one connection."""
    messages = []
    for user in recipients:
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            subject = render_to_string(f"matchmaking/email/nudge_{kind}_subject.txt", context).strip()
            body = render_to_string(f"matchmaking/email/nudge_{kind}_body.txt", {**context, "user": user})
        messages.append(EmailMessage(subject, body, None, [user.email]))
    if messages:
        get_connection().send_messages(messages)
    return len(messages)


# --- Claim, send, give back on failure --------------------------------------------------------------------
def _nudge_each(
    queryset: Callable[[dt.datetime], QuerySet[Any]],
    message: Callable[[int], tuple[list[Any], str, dict[str, Any]]],
    now: dt.datetime,
) -> int:
    nudged = 0
    rows: Iterable[tuple[int, dt.datetime | None]] = queryset(now).values_list("pk", "nudged_at")
    for pk, previous in list(rows):
        model: type[Model] = queryset(now).model
        if queryset(now).filter(pk=pk).update(nudged_at=now) != 1:
            continue  # another run got it first, or it moved on meanwhile
        try:
            sent = _send(*message(pk))
        except OSError:
            logger.exception("nudge for %s %s failed; it will be tried again", model._meta.label_lower, pk)
            model._default_manager.filter(pk=pk, nudged_at=now).update(nudged_at=previous)
            continue
        if sent:
            nudged += 1
    return nudged


def send_all(now: dt.datetime | None = None) -> dict[str, int]:
    """Send every nudge that is due. Returns how many needs, proposals and opportunities were nudged."""
    now = now or timezone.now()
    return {
        "needs": _nudge_each(needs_due, _need_message, now),
        "proposals": _nudge_each(proposals_due, _proposal_message, now),
        "opportunities": _nudge_each(opportunities_due, _opportunity_message, now),
    }
