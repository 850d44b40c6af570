"""The structure-oriented work of a period as SUS asks for it: how many efforts (insatser) of each kind and
how many organisations they reached, by kind and municipality. Counts only: no participant, no person and
no organisation is named in the result (organisations are counted, never listed).

What counts, for the run's period (both days included):
* events: published events held in the period, by type (the network's calendar, as in the project's
  measures);
* support: the project's direct support records dated in the period, by kind (information meetings and paid
  contractors are not support, as for EECO18/EECO19);
* agreements: agreements in force at some time in the period, by kind;
* partner requests: requests made in the period;
* organisations reached: distinct organisations supported by the project, present at an event held in the
  period, party to an agreement in force or making a partner request in the period — each counted once."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from directory.models import Forbund, Organisation
from events.closing.selectors import organisations_at_events
from events.models import Event, EventStatus
from matchmaking.models import Agreement, PartnerRequest
from reports.models import NOT_SUPPORT, ReportRun, SupportRecord

# The keys of the result's "measures" (reports.presentation gives them their titles and labels).
EFFORTS = "efforts_by_type"
EFFORT_TYPES = ("events", "support", "agreements", "partner_requests")


def _grouped(queryset: QuerySet[Any], key: str) -> dict[str, int]:
    """{group: count}, largest first; an empty group is "unknown"."""
    rows = queryset.order_by().values(key).annotate(n=Count("pk")).order_by("-n", key)
    return {str(row[key] or "unknown"): row["n"] for row in rows}


def structure_work(run: ReportRun) -> dict[str, Any]:
    start, end = run.period_from, run.period_to
    if start is None or end is None:  # services.report_run_request refuses a Finsam run without a period
        raise ValueError("a Finsam run needs a period")
    events = Event.objects.filter(
        forbund_id=run.forbund_id, status=EventStatus.PUBLISHED, start__date__range=(start, end)
    )
    support = SupportRecord.objects.filter(project=run.project, date__range=(start, end), direct=True).exclude(
        kind__in=NOT_SUPPORT
    )
    agreements = Agreement.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=start), starts_on__lte=end, forbund_id=run.forbund_id
    )
    # Partner requests are national: those of organisations in the förbund's area count.
    requests = PartnerRequest.objects.filter(
        created_at__date__range=(start, end),
        organisation__kommunkod__in=Forbund.municipalities.through.objects.filter(forbund_id=run.forbund_id).values(
            "municipality_id"
        ),
    )

    reached: set[int] = set(support.values_list("organisation_id", flat=True))
    for by_kind in organisations_at_events(start, end, forbund_id=run.forbund_id).values():
        for ids in by_kind.values():
            reached |= ids
    reached |= set(Organisation.objects.filter(agreements__in=agreements).values_list("pk", flat=True))
    reached |= set(requests.values_list("organisation_id", flat=True))
    organisations = Organisation.objects.filter(pk__in=reached)

    efforts = {
        "events": events.count(),
        "support": support.count(),
        "agreements": agreements.count(),
        "partner_requests": requests.count(),
    }
    measures: dict[str, dict[str, int]] = {
        "efforts_total": {"total": sum(efforts.values())},
        "organisations_reached": {"total": len(reached)},
        EFFORTS: efforts,
        "events_held_by_kind": _grouped(events, "kind"),
        "support_by_kind": _grouped(support, "kind"),
        "agreements_by_kind": _grouped(agreements, "kind"),
        "organisations_reached_by_kind": _grouped(organisations, "kind"),
        "organisations_reached_by_municipality": _grouped(organisations, "kommunkod"),
    }
    return {
        "project": run.project.diarienummer if run.project else "",
        "from": start.isoformat(),
        "to": end.isoformat(),
        "measures": measures,
    }
