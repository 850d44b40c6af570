"""The project's own measures, by aggregation over the other apps (read only).

What events contribute (attendance by organisation kind and municipality, cross-sector contacts, organisations
reached) follows one rule, the closing report's (events/closing/selectors.py): people count when their
registration is confirmed and marked present, under their organisation's kind and their organisation's
municipality; an event with a finalised closing report counts with the figures frozen in it, any other event
as its attendance marks stand when the report runs. So a funder report and the closing reports of its period
give the same figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q

from directory.models import Organisation
from events.closing.selectors import attendance_at_events, organisations_at_events
from events.models import Event, EventStatus
from matchmaking.models import Agreement, LabourMarketEvent, Match, MatchStatus, Opportunity
from reports.models import NOT_SUPPORT, ReportRun, SupportRecord

PUBLIC_OR_BUSINESS = ("municipality", "agency", "region", "education_public", "business", "education_private")


def _as_dict(queryset, key: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Rows of `values(key).annotate(n=…)` as {group: n}, largest first; an empty group is "unknown"."""
    return {str(row[key] or "unknown"): row["n"] for row in queryset.order_by("-n", key)}


def cross_sector_contacts(start: dt.date, end: dt.date, *, forbund_id: int) -> int:
    """Events held in the period where an ASF and a public body or business both attended: one contact per
    (event, ASF organisation, other organisation) pair. An event with a finalised closing report counts as
    frozen in it, any other as its attendance marks stand (events.closing.selectors.organisations_at_events)."""
    contacts = 0
    for by_kind in organisations_at_events(start, end, forbund_id=forbund_id).values():
        others = set().union(*(by_kind.get(kind, set()) for kind in PUBLIC_OR_BUSINESS))
        contacts += len(by_kind.get("asf", set())) * len(others)
    return contacts


def organisations_reached_by_events(start: dt.date, end: dt.date, *, forbund_id: int) -> int:
    """Distinct organisations with someone present at an event held in the period (each counted once however
    many events it came to), from finalised closing reports and, for other events, the attendance marks."""
    reached: set[int] = set()
    for by_kind in organisations_at_events(start, end, forbund_id=forbund_id).values():
        for ids in by_kind.values():
            reached |= ids
    return len(reached)


def compute(run: ReportRun) -> dict[str, Any]:
    start, end = run.period_from, run.period_to
    support = SupportRecord.objects.filter(project=run.project, date__range=(start, end), direct=True).exclude(
        kind__in=NOT_SUPPORT
    )
    engaged = Organisation.objects.filter(pk__in=support.values("organisation"))
    events = Event.objects.filter(
        forbund_id=run.forbund_id, status=EventStatus.PUBLISHED, start__date__range=(start, end)
    )
    attendance = attendance_at_events(start, end, forbund_id=run.forbund_id)
    # Placements and outcomes of this project's participants only.
    matches = Match.objects.filter(need__participant__project=run.project).filter(
        Q(started_on__range=(start, end)) | Q(ended_on__range=(start, end))
    )
    measures: dict[str, dict[str, int]] = {
        "organisations_engaged_by_kind": _as_dict(engaged.values("kind").annotate(n=Count("pk")), "kind"),
        "organisations_engaged_by_municipality": _as_dict(
            engaged.values("kommunkod").annotate(n=Count("pk")), "kommunkod"
        ),
        # Verified: within the period of validity (VERIFICATION_VALID_MONTHS) at the end of the period reported.
        "verified_profiles": {"total": Organisation.objects.verified(on=end + dt.timedelta(days=1)).count()},
        "events_held_by_kind": _as_dict(events.values("kind").annotate(n=Count("pk")), "kind"),
        # The closing report's rule (events.closing.selectors.attendance_at_events): confirmed registrations
        # marked present, by the kind and the municipality of the attendee's organisation; a finalised closing
        # report's frozen figures for its event, the attendance marks for the others.
        "attendance_by_organisation_kind": attendance["by_organisation_kind"],
        "attendance_by_municipality": attendance["by_municipality"],
        "cross_sector_contacts": {"total": cross_sector_contacts(start, end, forbund_id=run.forbund_id)},
        "organisations_reached_by_events": {
            "total": organisations_reached_by_events(start, end, forbund_id=run.forbund_id)
        },
        "opportunities_open": {"total": Opportunity.objects.open(end).count()},
        "placements_started": {"total": matches.filter(started_on__range=(start, end)).count()},
        "placements_ended": {"total": matches.filter(status=MatchStatus.ENDED, ended_on__range=(start, end)).count()},
        "outcomes_by_event": _as_dict(
            LabourMarketEvent.objects.filter(participant__project=run.project, date__range=(start, end))
            .values("event")
            .annotate(n=Count("pk")),
            "event",
        ),
    }
    measures["agreements_by_kind"] = _as_dict(
        # In force at some time in the period.
        Agreement.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start), starts_on__lte=end)
        .filter(forbund_id=run.forbund_id)
        .values("kind")
        .annotate(n=Count("pk")),
        "kind",
    )
    return {
        "project": run.project.diarienummer if run.project else "",
        "from": start.isoformat(),
        "to": end.isoformat(),
        "measures": measures,
    }
