"""Matchmaking's to-do sources for the home page (kernel.todos; registered in MatchmakingConfig.ready()).

* proposals-to-answer (ASF staff): participants proposed for their organisation's opportunities, unanswered;
* partner-requests (ASF staff): open partner requests that suggest one of their ASF, which has not answered;
* needs-without-proposal (officers): open needs of their participants with nothing proposed for
  NEED_WITHOUT_PROPOSAL_DAYS days;
* proposals-waiting (officers): their participants' proposals the host has not answered;
* placements-ending (officers): their participants' started placements at an opportunity ending within 14 days;
* unmatched-needs (coordinators): open needs with no placement proposed, accepted or started.

Officers see only the participants their own municipality or agency raised; ASF staff only their own
organisations' opportunities. Items name a participant by their pseudonymous code only.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from directory.access import Actor, Role
from directory.models import Organisation, OrganisationKind
from kernel.todos import TodoItem, TodoSource, oldest_first, todo_date
from matchmaking.models import Match, MatchStatus, Need, NeedStatus
from matchmaking.partners.models import PartnerRequest, PartnerRequestStatus, PartnerResponse

PLACEMENT_ENDING_DAYS = 14
LIVE = (MatchStatus.PROPOSED, MatchStatus.ACCEPTED, MatchStatus.STARTED)


def _in_forbund(actor: Actor) -> Q:
    """Placements of the förbund the actor acts in (every to-do about a participant is the förbund's)."""
    return Q(need__participant__project__forbund_id=actor.forbund_id)


def _needs_in_forbund(actor: Actor) -> Q:
    return Q(participant__project__forbund_id=actor.forbund_id)


def _own_participants(actor: Actor) -> Q:
    return _in_forbund(actor) & Q(need__participant__raised_by_organisation_id__in=actor.officer_organisation_ids)


def _proposed(*where: Q) -> QuerySet[Match]:
    """The proposals the host has not answered, oldest first, with the participant and host their items name."""
    return oldest_first(
        Match.objects.filter(*where, status=MatchStatus.PROPOSED).select_related(
            "need__participant", "opportunity__organisation"
        ),
        "proposed_at",
    )


def _proposal_item(match: Match, text: str, *, action: str) -> TodoItem:
    """An item about one proposal, done on the placement's page; `text` names %(participant)s (the
    pseudonymous code), %(opportunity)s and %(host)s."""
    return TodoItem(
        text=text
        % {
            "participant": match.need.participant.code,
            "opportunity": match.opportunity.title,
            "host": match.opportunity.organisation.name,
        },
        url=match.get_absolute_url(),
        action=action,
        since=match.proposed_at,
    )


_ASF = frozenset({Role.ASF_STAFF.value})
_OFFICERS = frozenset({Role.OFFICER.value})
_COORDINATORS = frozenset({Role.COORDINATOR.value})


# --- ASF staff ----------------------------------------------------------------------------------------------
class ProposalsToAnswer(TodoSource[Actor, Match]):
    name = "proposals-to-answer"
    title = gettext_lazy("Placement proposals to answer")
    roles = _ASF
    order = 10
    since_label = gettext_lazy("Proposed")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[Match]:
        return _proposed(_in_forbund(actor), Q(opportunity__organisation_id__in=actor.organisation_ids))

    def item(self, match: Match, now: dt.datetime) -> TodoItem:
        return _proposal_item(
            match,
            _("Participant %(participant)s is proposed for “%(opportunity)s” (%(host)s)."),
            action=_("Answer the proposal"),
        )


class PartnerRequests(TodoSource[Actor, PartnerRequest]):
    name = "partner-requests"
    title = gettext_lazy("Partner requests to answer")
    roles = _ASF
    order = 20
    since_label = gettext_lazy("Posted")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[PartnerRequest]:
        asf_ids = [o.pk for o in actor.organisations if o.kind == OrganisationKind.ASF]
        served = Organisation.municipalities_served.through.objects.filter(
            organisation=OuterRef("pk"), municipality_id=OuterRef(OuterRef("municipality_id"))
        )
        answered = PartnerResponse.objects.filter(request=OuterRef(OuterRef("pk")), organisation=OuterRef("pk"))
        # One of the person's ASF is suggested for the request (listed, offers its service, in or serving its
        # municipality: matchmaking.partners.services.suggested_organisations) and has not answered it.
        suggested_unanswered = (
            Organisation.objects.listed()
            .filter(pk__in=asf_ids, services=OuterRef("service_id"))
            .filter(Q(kommunkod_id=OuterRef("municipality_id")) | Exists(served))
            .exclude(Exists(answered))
        )
        return oldest_first(
            PartnerRequest.objects.filter(status=PartnerRequestStatus.OPEN, municipality__isnull=False)
            .exclude(organisation_id__in=actor.organisation_ids)
            .filter(Exists(suggested_unanswered))
            .select_related("organisation", "municipality"),
            "created_at",
        )

    def item(self, request: PartnerRequest, now: dt.datetime) -> TodoItem:
        return TodoItem(
            text=_("%(organisation)s is looking for a partner in %(municipality)s: “%(title)s”.")
            % {
                "organisation": request.organisation.name,
                "municipality": request.municipality.name if request.municipality else "",
                "title": request.title,
            },
            url=request.get_absolute_url(),
            action=_("Answer the request"),
            since=request.created_at,
        )


# --- Officers -----------------------------------------------------------------------------------------------
def _need_days() -> int:
    return int(settings.NEED_WITHOUT_PROPOSAL_DAYS)


class NeedsWithoutProposal(TodoSource[Actor, Need]):
    name = "needs-without-proposal"
    title = gettext_lazy("Needs without a proposal")
    roles = _OFFICERS
    order = 10
    since_label = gettext_lazy("Raised")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[Need]:
        cutoff = now - dt.timedelta(days=_need_days())
        # As the officer's reminder reads it (matchmaking.nudges): nothing in progress, nothing proposed lately.
        recent_or_live = Match.objects.filter(need=OuterRef("pk")).filter(
            Q(status__in=LIVE) | Q(proposed_at__gt=cutoff) | Q(created_at__gt=cutoff)
        )
        return oldest_first(
            Need.objects.filter(
                _needs_in_forbund(actor),
                status=NeedStatus.OPEN,
                created_at__lte=cutoff,
                participant__raised_by_organisation_id__in=actor.officer_organisation_ids,
            )
            .exclude(Exists(recent_or_live))
            .select_related("participant"),
            "created_at",
        )

    def item(self, need: Need, now: dt.datetime) -> TodoItem:
        return TodoItem(
            text=ngettext(
                "Nothing has been proposed for participant %(participant)s for %(days)s day or more.",
                "Nothing has been proposed for participant %(participant)s for %(days)s days or more.",
                _need_days(),
            )
            % {"participant": need.participant.code, "days": _need_days()},
            url=need.get_absolute_url(),
            action=_("Find a placement"),
            since=need.created_at,
        )


class ProposalsWaiting(TodoSource[Actor, Match]):
    name = "proposals-waiting"
    title = gettext_lazy("Proposals waiting for an answer")
    roles = _OFFICERS
    order = 20
    since_label = gettext_lazy("Proposed")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[Match]:
        return _proposed(_own_participants(actor))

    def item(self, match: Match, now: dt.datetime) -> TodoItem:
        return _proposal_item(
            match,
            _("%(host)s has not yet answered the proposal of participant %(participant)s for “%(opportunity)s”."),
            action=_("Follow up the proposal"),
        )


class PlacementsEnding(TodoSource[Actor, Match]):
    name = "placements-ending"
    title = gettext_lazy("Placements ending soon")
    roles = _OFFICERS
    order = 30
    since_label = gettext_lazy("Ends")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[Match]:
        today = timezone.localdate(now)
        return oldest_first(
            Match.objects.filter(
                _own_participants(actor),
                status=MatchStatus.STARTED,
                opportunity__ends_on__gte=today,
                opportunity__ends_on__lte=today + dt.timedelta(days=PLACEMENT_ENDING_DAYS),
            ).select_related("need__participant", "opportunity__organisation"),
            "opportunity__ends_on",
        )

    def item(self, match: Match, now: dt.datetime) -> TodoItem:
        ends_on = match.opportunity.ends_on
        return TodoItem(
            text=_("The placement of participant %(participant)s at %(host)s ends on %(date)s.")
            % {
                "participant": match.need.participant.code,
                "host": match.opportunity.organisation.name,
                "date": todo_date(ends_on) if ends_on else "",
            },
            url=match.get_absolute_url(),
            action=_("Plan the next step"),
            since=ends_on,
        )


# --- Coordinators -------------------------------------------------------------------------------------------


class UnmatchedNeeds(TodoSource[Actor, Need]):
    name = "unmatched-needs"
    title = gettext_lazy("Needs with no placement proposed")
    roles = _COORDINATORS
    order = 20
    since_label = gettext_lazy("Raised")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[Need]:
        live = Match.objects.filter(need=OuterRef("pk"), status__in=LIVE)
        return oldest_first(
            Need.objects.filter(_needs_in_forbund(actor), status=NeedStatus.OPEN)
            .exclude(Exists(live))
            .select_related("participant__raised_by_organisation"),
            "created_at",
        )

    def item(self, need: Need, now: dt.datetime) -> TodoItem:
        return TodoItem(
            text=_("Participant %(participant)s (%(organisation)s) has no placement proposed.")
            % {"participant": need.participant.code, "organisation": need.participant.raised_by_organisation.name},
            url=need.get_absolute_url(),
            action=_("Find a placement"),
            since=need.created_at,
        )


SOURCES = [
    ProposalsToAnswer(),
    PartnerRequests(),
    NeedsWithoutProposal(),
    ProposalsWaiting(),
    PlacementsEnding(),
    UnmatchedNeeds(),
]
