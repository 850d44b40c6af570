"""Writes in matchmaking: participants and their outcomes, needs, opportunities and the placement pipeline
suggested → proposed → accepted/declined → started → ended. Every transition is atomic and audited, and
notifies the other side (notifications.services.notify, e-mailed after commit as each person chooses).
Taking the last place is a compare-and-swap on `places_available`, so two accepts for one place give one
placement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from directory.access import Actor, can_edit_organisation
from directory.forbund.links import portal_of
from directory.models import Organisation, ServiceCategory
from directory.selectors import member_user_ids
from kernel.audit import apply_changes, audit_log, save_audited, target_id_of
from kernel.erasure import DELETED, Erased
from matchmaking import scoring
from matchmaking.access import is_host, sees_participant_details
from matchmaking.models import (
    FundedProject,
    LabourMarketEvent,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Opportunity,
    OutcomeEvent,
    Participant,
)
from notifications.services import notify


def _notify(match: Match, step: str, actor: Actor) -> None:
    """Tell the other side of the placement about `step` (proposed, accepted, declined, started, ended), in the
    transaction of the step: the host organisation's members unless the actor acted as one of them, and the
    officer who proposed it unless the actor acted from the participant's own organisation (a coordinator
    acts for neither: both hear). E-mail follows each person's choice (notifications/kinds.py)."""
    match = Match.objects.select_related(
        "need__participant__raised_by_organisation", "need__participant__project", "opportunity__organisation"
    ).get(pk=match.pk)
    host = match.opportunity.organisation
    participant = match.need.participant
    recipients: list[int] = []
    if not actor.is_member_of(host):
        recipients += member_user_ids(organisation_ids=[host.pk])
    if match.proposed_by_id is not None and participant.raised_by_organisation_id not in actor.officer_organisation_ids:
        recipients.append(match.proposed_by_id)
    notify(
        kind=f"placement_{step}",
        recipients=recipients,
        url=match.get_absolute_url(),
        params={
            "participant": participant.code,
            "opportunity": match.opportunity.title,
            "host": host.name,
            "proposer": participant.raised_by_organisation.name,
        },
        actor=actor.user,
        site=portal_of(participant.project.forbund_id),
        forbund_id=participant.project.forbund_id,
    )


# --- Participants ------------------------------------------------------------------------------------------
@transaction.atomic
def participant_create(
    *, actor: Actor, project: FundedProject, organisation: Organisation, data: dict[str, Any]
) -> Participant:
    """An officer raises a participant for their own municipality/agency (coordinators for any), in a project
    of the förbund they act in."""
    if not (actor.is_coordinator or organisation.pk in actor.officer_organisation_ids):
        raise PermissionDenied
    if project.forbund_id != actor.forbund_id or actor.forbund_id is None:
        raise PermissionDenied
    participant = Participant(project=project, raised_by_organisation=organisation, raised_by=actor.user, **data)
    return save_audited(participant, actor=actor.user, action="participant.create")


@transaction.atomic
def participant_update(*, actor: Actor, participant: Participant, data: dict[str, Any]) -> Participant:
    if not sees_participant_details(actor, participant):
        raise PermissionDenied
    changed = apply_changes(participant, data)
    return save_audited(participant, actor=actor.user, action="participant.update", data={"fields": changed})


@transaction.atomic
def outcome_record(
    *, actor: Actor, participant: Participant, date: dt.date, event: str, criterion: str = ""
) -> LabourMarketEvent:
    """Record a labour-market event: dated from the entry date to today; `improved` only for a participant
    employed at entry, with what improved (LabourMarketEvent.clean). An `improved` event of the same date
    recorded without a criterion (before criteria were required) is completed instead of repeated."""
    if not sees_participant_details(actor, participant):
        raise PermissionDenied
    incomplete = (
        LabourMarketEvent.objects.criterion_missing()
        .select_for_update()
        .filter(participant=participant, date=date)
        .order_by("id")
        .first()
        if event == OutcomeEvent.IMPROVED and criterion
        else None
    )
    if incomplete is not None:
        incomplete.participant = participant
        incomplete.criterion = criterion
        incomplete.full_clean()
        incomplete.save(update_fields=["criterion"])
        audit_log(
            actor=actor.user, action="participant.outcome_complete", target=participant, data={"criterion": criterion}
        )
        return incomplete
    outcome = LabourMarketEvent(
        participant=participant, date=date, event=event, criterion=criterion, recorded_by=actor.user
    )
    return save_audited(
        outcome, actor=actor.user, action="participant.outcome", target=participant, data={"event": event}
    )


# --- Needs and opportunities -------------------------------------------------------------------------------
@transaction.atomic
def need_create(
    *, actor: Actor, participant: Participant, data: dict[str, Any], services: Iterable[ServiceCategory] = ()
) -> Need:
    if not sees_participant_details(actor, participant):
        raise PermissionDenied
    need = Need(participant=participant, created_by=actor.user, **data)
    need.full_clean()
    need.save()
    need.services.set(services)
    audit_log(actor=actor.user, action="need.create", target=participant)
    return need


@transaction.atomic
def opportunity_create(*, actor: Actor, organisation: Organisation, data: dict[str, Any]) -> Opportunity:
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied
    data.setdefault("places_available", data.get("places_total", 1))
    opportunity = Opportunity(organisation=organisation, **data)
    return save_audited(opportunity, actor=actor.user, action="opportunity.create")


@transaction.atomic
def opportunity_refresh(*, actor: Actor, opportunity: Opportunity) -> Opportunity:
    """The organisation confirms the opportunity is still offered (it expires otherwise)."""
    if not can_edit_organisation(actor, opportunity.organisation):
        raise PermissionDenied
    Opportunity.objects.filter(pk=opportunity.pk).update(refreshed_at=timezone.now())
    opportunity.refresh_from_db(fields=["refreshed_at"])
    audit_log(actor=actor.user, action="opportunity.refresh", target=opportunity)
    return opportunity


# --- The pipeline ------------------------------------------------------------------------------------------
def _transition(match: Match, allowed: tuple[str, ...], new: str, **fields: Any) -> Match:
    """Compare-and-swap the status: refused when someone else moved the match first."""
    updated = Match.objects.filter(pk=match.pk, status__in=allowed).update(
        status=new, updated_at=timezone.now(), **fields
    )
    if updated != 1:
        raise ValidationError(_("The placement has already moved on. Reload the page to see its state."))
    match.refresh_from_db()
    return match


@transaction.atomic
def match_propose(*, actor: Actor, need: Need, opportunity: Opportunity) -> Match:
    """An officer proposes their participant's need for an open opportunity; the host is asked."""
    if not sees_participant_details(actor, need.participant):
        raise PermissionDenied
    if not Opportunity.objects.open().filter(pk=opportunity.pk).exists():
        raise ValidationError(_("This opportunity is no longer open."))
    if need.status != NeedStatus.OPEN:
        raise ValidationError(_("Only an open need can be proposed."))
    if (
        Match.objects.filter(need=need, opportunity=opportunity)
        .exclude(status__in=[MatchStatus.DECLINED, MatchStatus.WITHDRAWN, MatchStatus.ENDED])
        .exists()
    ):
        raise ValidationError(_("This need has already been proposed for this opportunity."))
    scored = scoring.score(need, opportunity)
    match = Match.objects.create(
        need=need,
        opportunity=opportunity,
        status=MatchStatus.PROPOSED,
        score=scored.score,
        reasons=[{"text": r.text, "fits": r.fits} for r in scored.reasons],
        proposed_by=actor.user,
        proposed_at=timezone.now(),
    )
    audit_log(actor=actor.user, action="match.propose", target=match)
    _notify(match, "proposed", actor)
    return match


@transaction.atomic
def match_accept(*, actor: Actor, match: Match) -> Match:
    """The host accepts: takes one place (compare-and-swap; the last place goes to one accept only)."""
    if not is_host(actor, match):
        raise PermissionDenied
    took = Opportunity.objects.filter(pk=match.opportunity_id, places_available__gt=0).update(
        places_available=F("places_available") - 1
    )
    if took != 1:
        raise ValidationError(_("There are no places left on this opportunity."))
    match = _transition(
        match, (MatchStatus.PROPOSED,), MatchStatus.ACCEPTED, decided_by=actor.user, decided_at=timezone.now()
    )
    audit_log(actor=actor.user, action="match.accept", target=match)
    _notify(match, "accepted", actor)
    return match


@transaction.atomic
def match_decline(*, actor: Actor, match: Match, reason: str) -> Match:
    if not is_host(actor, match):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Say briefly why, so the officer can find another place.")})
    match = _transition(
        match,
        (MatchStatus.PROPOSED,),
        MatchStatus.DECLINED,
        decided_by=actor.user,
        decided_at=timezone.now(),
        decline_reason=reason.strip()[:300],
    )
    match.full_clean()  # personnummer guard on the reason; raises → the transaction rolls back
    audit_log(actor=actor.user, action="match.decline", target=match)
    _notify(match, "declined", actor)
    return match


@transaction.atomic
def match_start(*, actor: Actor, match: Match, started_on: dt.date, start_early: bool = False) -> Match:
    """Record the start. A start before the need's earliest start date is refused unless `start_early` says
    that it was agreed: the person said when they can begin, and that is checked, not forgotten."""
    if not (is_host(actor, match) or sees_participant_details(actor, match.need.participant)):
        raise PermissionDenied
    earliest = match.need.earliest_start
    if started_on < earliest and not start_early:
        raise ValidationError(
            {
                "started_on": ValidationError(
                    _(
                        "The person can start on %(date)s at the earliest. Check the date, or confirm below that "
                        "the placement did start earlier."
                    )
                    % {"date": date_format(earliest, "DATE_FORMAT")},
                    code="before_earliest_start",
                )
            }
        )
    match = _transition(match, (MatchStatus.ACCEPTED,), MatchStatus.STARTED, started_on=started_on)
    Need.objects.filter(pk=match.need_id).update(status=NeedStatus.PLACED)
    audit_log(
        actor=actor.user,
        action="match.start",
        target=match,
        data={"before_earliest_start": True} if started_on < earliest else None,
    )
    _notify(match, "started", actor)
    return match


@transaction.atomic
def match_end(*, actor: Actor, match: Match, ended_on: dt.date, note: str = "", outcome: str | None = None) -> Match:
    """The placement ends: the place returns to the opportunity. The raising officer (or a coordinator) records
    the person's situation at the end with it, so no result is left to memory; a host cannot see or record it
    (the officer is told to)."""
    records_outcome = sees_participant_details(actor, match.need.participant)
    if not (is_host(actor, match) or records_outcome):
        raise PermissionDenied
    if records_outcome and not outcome:
        raise ValidationError({"outcome": _("Choose the person's situation when the placement ends.")})
    if match.started_on and ended_on < match.started_on:
        raise ValidationError({"ended_on": _("The end cannot be before the start.")})
    match = _transition(match, (MatchStatus.STARTED,), MatchStatus.ENDED, ended_on=ended_on, end_note=note[:300])
    match.full_clean()
    Opportunity.objects.filter(pk=match.opportunity_id).update(
        places_available=Least(F("places_available") + 1, F("places_total"))
    )
    if outcome:
        outcome_record(actor=actor, participant=match.need.participant, date=ended_on, event=outcome)
    audit_log(actor=actor.user, action="match.end", target=match)
    _notify(match, "ended", actor)
    return match


# --- Retention -------------------------------------------------------------------------------------------
def participants_due_for_erasure(*, today: dt.date | None = None) -> models.QuerySet[Participant]:
    """Participants kept longer than PARTICIPANT_RETENTION_MONTHS after both their exit and their project's
    end (a project with no end date: after the exit). A participant who has not exited is never due."""
    cutoff = (today or timezone.localdate()) - relativedelta(months=settings.PARTICIPANT_RETENTION_MONTHS)
    return Participant.objects.filter(exit_date__lt=cutoff).filter(
        models.Q(project__ends_on__isnull=True) | models.Q(project__ends_on__lt=cutoff)
    )


def participants_erase_due(*, today: dt.date | None = None, dry_run: bool = False) -> list[Erased]:
    """Delete every participant due (their needs, labour-market events and proposals go with them). The figures
    of a report already delivered are stored with its run and do not change. Idempotent."""
    erased = []
    with transaction.atomic():
        due = participants_due_for_erasure(today=today).select_for_update(skip_locked=True)
        for participant in due.order_by("pk"):
            rows = 1 + participant.needs.count() + participant.outcomes.count()
            rows += Match.objects.filter(need__participant=participant).count()
            erased.append(Erased("matchmaking.participant", target_id_of(participant), DELETED, rows))
            if not dry_run:
                participant.delete()
        if erased and not dry_run:
            audit_log(actor=None, action="participant.erase", data={"participants": len(erased)})
    return erased
