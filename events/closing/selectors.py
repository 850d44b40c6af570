"""The attendance figures of an event (what its closing report freezes) and the organisations that events in a
period reached (what the project's measures count). Only people marked present count: a confirmed
registration with attendance "present". Nothing here is personal data: organisation kinds, municipality
codes and organisation ids."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, QuerySet

from directory.models import OrganisationKind
from events.models import Attendance, ClosingReport, Event, EventStatus, Registration, RegistrationStatus

UNKNOWN = "unknown"

# The three sectors an organisation kind belongs to: the social economy, the public sector and business.
SECTORS: dict[str, str] = {
    OrganisationKind.ASF: "social_economy",
    OrganisationKind.CIVIL_SOCIETY: "social_economy",
    OrganisationKind.MUNICIPALITY: "public",
    OrganisationKind.AGENCY: "public",
    OrganisationKind.REGION: "public",
    OrganisationKind.EDUCATION_PUBLIC: "public",
    OrganisationKind.LOCAL_GOVERNMENT_ASSOCIATION: "public",
    OrganisationKind.EDUCATION_PRIVATE: "business",
    OrganisationKind.BUSINESS: "business",
}


def present_registrations(event_ids: Iterable[int] | QuerySet[Event, Any]) -> QuerySet[Registration]:
    """Registrations of people marked present at these events (ids or a queryset of ids)."""
    return Registration.objects.filter(
        event__in=event_ids, status=RegistrationStatus.CONFIRMED, attendance=Attendance.PRESENT
    )


def _ordered(counter: Counter[str]) -> dict[str, int]:
    """Largest group first, then by key: the same order whatever order the rows came in."""
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def event_figures(*, event: Event) -> dict[str, Any]:
    """The attendance figures of one event, as JSON: attendees; attendance by organisation kind and by
    municipality of the attendee's organisation ("unknown" for guests without one); the number of distinct
    organisations reached and of sectors present; and the organisations by kind (ids), from which the
    project's measures count organisations reached and cross-sector contacts over a period. Two queries."""
    rows = list(
        present_registrations([event.pk]).values_list("organisation_id", "organisation_kind", "organisation__kommunkod")
    )
    by_kind: Counter[str] = Counter(kind or UNKNOWN for _, kind, _ in rows)
    by_municipality: Counter[str] = Counter(kommunkod or UNKNOWN for _, _, kommunkod in rows)
    organisations: dict[str, set[int]] = {}
    for organisation_id, kind, _ in rows:
        if organisation_id is not None:
            organisations.setdefault(kind or UNKNOWN, set()).add(organisation_id)
    sectors = {SECTORS[kind] for kind in by_kind if kind in SECTORS}
    return {
        "attendees": len(rows),
        "by_organisation_kind": _ordered(by_kind),
        "by_municipality": _ordered(by_municipality),
        "organisations_reached": len({o for ids in organisations.values() for o in ids}),
        "sectors_present": len(sectors),
        "organisations_by_kind": {kind: sorted(ids) for kind, ids in sorted(organisations.items())},
    }


def _held(start: dt.date, end: dt.date, forbund_id: int) -> tuple[QuerySet[Event], dict[int, dict[str, Any]]]:
    """The published events of the förbund's calendar held in the period (start date in [start, end]), and the
    frozen figures of those whose closing report is final (by event id)."""
    events = Event.objects.filter(forbund_id=forbund_id, status=EventStatus.PUBLISHED, start__date__range=(start, end))
    frozen = dict(
        ClosingReport.objects.filter(event__in=events, finalised_at__isnull=False).values_list("event_id", "figures")
    )
    return events, frozen


def attendance_at_events(start: dt.date, end: dt.date, *, forbund_id: int) -> dict[str, dict[str, int]]:
    """Attendance at the events held in the period, by organisation kind and by municipality, as the funder
    figures report it. One rule, the closing report's (event_figures above): an attendee is a confirmed
    registration marked present, counted under the kind of their organisation and the municipality of their
    organisation (not the event's), "unknown" when they have none. An event whose closing report is final
    counts with the figures frozen in it; any other event as its attendance marks stand now, by the same rule,
    so a finalised report and the measures of its period always agree. Two queries."""
    events, frozen = _held(start, end, forbund_id)
    by_kind: Counter[str] = Counter()
    by_municipality: Counter[str] = Counter()
    for figures in frozen.values():
        by_kind.update(figures.get("by_organisation_kind") or {})
        by_municipality.update(figures.get("by_municipality") or {})
    live = (
        present_registrations(events.exclude(pk__in=list(frozen)).values("pk"))
        .values_list("organisation_kind", "organisation__kommunkod")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for kind, kommunkod, n in live:
        by_kind[kind or UNKNOWN] += n
        by_municipality[kommunkod or UNKNOWN] += n
    return {"by_organisation_kind": _ordered(by_kind), "by_municipality": _ordered(by_municipality)}


def organisations_at_events(start: dt.date, end: dt.date, *, forbund_id: int) -> dict[int, dict[str, set[int]]]:
    """Per published event of the förbund's calendar held in the period (start date in [start, end]): the
    organisations present, by kind. An event whose closing report is final counts as frozen in it; any other
    event as its attendance marks stand now."""
    events, frozen = _held(start, end, forbund_id)
    result: dict[int, dict[str, set[int]]] = {
        event_id: {kind: set(ids) for kind, ids in (figures.get("organisations_by_kind") or {}).items()}
        for event_id, figures in frozen.items()
    }
    live = (
        present_registrations(events.exclude(pk__in=list(frozen)).values("pk"))
        .filter(organisation__isnull=False)
        .values_list("event_id", "organisation_kind", "organisation_id")
        .distinct()
    )
    for event_id, kind, organisation_id in live:
        result.setdefault(event_id, {}).setdefault(kind or UNKNOWN, set()).add(organisation_id)
    return result


def closing_report_of(event: Event) -> ClosingReport | None:
    return ClosingReport.objects.filter(event=event).select_related("finalised_by").first()
