"""The key figures, each one aggregate query; the ESF+ totals through the report's own rules
(reports.indicators.output_indicators), for at most MAX_PROJECTS funded projects, so the page costs a fixed
number of queries however much data there is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.models import Organisation, OrganisationKind, months_ago
from events.models import Attendance, Event, EventStatus, Registration, RegistrationStatus
from matchmaking.models import FundedProject, Match, Need, NeedStatus, Opportunity
from reports.charts import bar_chart
from reports.indicators import output_indicators

MAX_PROJECTS = 5
ESF_CODES = ("EECO01", "EECO02", "EECO04", "EECO05")


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar quarter `day` is in."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    next_start = dt.date(day.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1)
    return start, next_start - dt.timedelta(days=1)


@dataclass(frozen=True)
class KindRow:
    kind: str
    label: str
    fresh: int
    needs_update: int
    hidden: int

    @property
    def total(self) -> int:
        return self.fresh + self.needs_update + self.hidden


@dataclass(frozen=True)
class EsfTotals:
    project: FundedProject
    start: dt.date
    end: dt.date
    cells: dict[str, dict[str, int]]


@dataclass
class Figures:
    today: dt.date
    quarter: tuple[dt.date, dt.date]
    organisations: list[KindRow]
    open_needs: int
    open_opportunities: int
    open_places: int
    placements_started: int
    events_held: int
    registered: int
    present: int
    attendance_by_kind: list[tuple[str, int]]
    esf: list[EsfTotals] = field(default_factory=list)

    @property
    def organisations_total(self) -> int:
        return sum(row.total for row in self.organisations)

    def at_a_glance(self) -> list[tuple[Promise, int]]:
        """The figures as the page's first section lists them (includes/key_numbers.html): label and number."""
        return [
            (gettext_lazy("Organisations"), self.organisations_total),
            (gettext_lazy("Open needs"), self.open_needs),
            (gettext_lazy("Open placement opportunities"), self.open_opportunities),
            (gettext_lazy("Places left on them"), self.open_places),
            (gettext_lazy("Placements started this quarter"), self.placements_started),
            (gettext_lazy("Events held this quarter"), self.events_held),
            (gettext_lazy("Registered at them"), self.registered),
            (gettext_lazy("Marked present"), self.present),
        ]


def _organisations_by_kind() -> list[KindRow]:
    needs_update = months_ago(settings.DIRECTORY_NEEDS_UPDATE_MONTHS)
    hidden = months_ago(settings.DIRECTORY_HIDE_AFTER_MONTHS)
    rows = {
        row["kind"]: row
        for row in Organisation.objects.order_by()
        .values("kind")
        .annotate(
            fresh=Count("pk", filter=Q(confirmed_at__gte=needs_update)),
            needs_update=Count("pk", filter=Q(confirmed_at__lt=needs_update, confirmed_at__gte=hidden)),
            hidden=Count("pk", filter=Q(confirmed_at__lt=hidden)),
        )
    }
    return [
        KindRow(kind, str(label), rows[kind]["fresh"], rows[kind]["needs_update"], rows[kind]["hidden"])
        for kind, label in OrganisationKind.choices
        if kind in rows
    ]


def _esf_totals(today: dt.date, forbund_id: int) -> list[EsfTotals]:
    projects = FundedProject.objects.filter(forbund_id=forbund_id).order_by("-starts_on", "-pk")[:MAX_PROJECTS]
    totals = []
    for project in projects:
        start = project.starts_on or dt.date(2000, 1, 1)
        end = max(min(project.ends_on or today, today), start)
        indicators, _notes = output_indicators(project, start, end)
        totals.append(EsfTotals(project, start, end, {code: indicators[code] for code in ESF_CODES}))
    return totals


def key_figures(*, forbund_id: int, now: dt.datetime | None = None) -> Figures:
    """The förbund's figures (needs, placements, its calendar, its projects) beside the national directory's
    and the open opportunities."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start, end = quarter_of(today)
    opportunities = Opportunity.objects.open(today).aggregate(n=Count("pk"), places=Sum("places_available"))
    # Events and attendance as the project's measures count them (reports/measures.py): published events that
    # start in the period, registrations of people marked present. Here: this quarter so far.
    held = Event.objects.filter(forbund_id=forbund_id, status=EventStatus.PUBLISHED, start__date__range=(start, today))
    registrations = Registration.objects.filter(event__in=held, status=RegistrationStatus.CONFIRMED)
    counts = registrations.aggregate(
        registered=Count("pk"), present=Count("pk", filter=Q(attendance=Attendance.PRESENT))
    )
    by_kind_labels = dict(OrganisationKind.choices)
    attendance_by_kind = [
        (str(by_kind_labels.get(row["organisation_kind"], row["organisation_kind"] or "–")), row["n"])
        for row in registrations.filter(attendance=Attendance.PRESENT)
        .order_by()
        .values("organisation_kind")
        .annotate(n=Count("pk"))
        .order_by("-n", "organisation_kind")
    ]
    return Figures(
        today=today,
        quarter=(start, end),
        organisations=_organisations_by_kind(),
        open_needs=Need.objects.filter(status=NeedStatus.OPEN, participant__project__forbund_id=forbund_id).count(),
        open_opportunities=opportunities["n"] or 0,
        open_places=opportunities["places"] or 0,
        placements_started=Match.objects.filter(
            started_on__range=(start, end), need__participant__project__forbund_id=forbund_id
        ).count(),
        events_held=held.count(),
        registered=counts["registered"] or 0,
        present=counts["present"] or 0,
        attendance_by_kind=attendance_by_kind,
        esf=_esf_totals(today, forbund_id),
    )


def charts(figures: Figures) -> dict[str, Any]:
    """The figures' bar charts (inline SVG, numbers as text, patterns for the series: reports/charts.py)."""

    drawn = {
        "organisations": bar_chart(
            chart_id="figures-organisations",
            title=_("Organisations by type and freshness"),
            description=_("The number of organisations of each type: up to date, needing an update, and hidden."),
            groups=[(row.label, [row.fresh, row.needs_update, row.hidden]) for row in figures.organisations],
            series=[_("Up to date"), _("Needs update"), _("Hidden")],
        ),
        "attendance": bar_chart(
            chart_id="figures-attendance",
            title=_("People present at events this quarter, by type of organisation"),
            description=_("The number of registrations marked present, by the type of the person's organisation."),
            groups=[(label, [count]) for label, count in figures.attendance_by_kind],
            series=[_("Present")],
        ),
    }
    empty = {"organisations": not figures.organisations, "attendance": not figures.attendance_by_kind}
    return {name: chart for name, chart in drawn.items() if not empty[name]}
