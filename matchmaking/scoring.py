"""Scoring a need against placement opportunities, with reasons in plain words.

Pre-filter in SQL (open opportunities the person could reach: same municipality or within travel, still
available when they can start), score in Python (deterministic: ties broken by opportunity id). The weights
below are the whole policy; change them here and the tests in tests/matchmaking/test_scoring.py say what
moved.

| criterion                     | points |
|-------------------------------|--------|
| same municipality             | 25     |
| within travelling distance    | 10     |
| kind of work matches          | 20     |
| occupational field matches    | 15     |
| offers the wanted times       | 10     |
| hours fit                     | 10     |
| supervisor when one is needed | 10     |
| each adaptation offered       | 5 (max 15) |
| starts in time                | 5      |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from directory import geography
from matchmaking.models import Adaptation, Need, Opportunity, Weekday

WEIGHTS = {
    "same_municipality": 25,
    "near_municipality": 10,
    "service": 20,
    "occupation": 15,
    "times": 10,
    "hours": 10,
    "supervisor": 10,
    "adaptation_each": 5,
    "adaptation_max": 15,
    "starts_in_time": 5,
}


def distance_km(a: str, b: str) -> int | None:
    """Kilometres between two municipalities, any in Sweden (directory.geography)."""
    return geography.distance_km(a, b)


def reachable_municipalities(home: str, travel_km: int) -> list[str]:
    """The municipalities a person living in `home` who can travel `travel_km` reaches."""
    return list(geography.within_km(home, travel_km))


@dataclass(frozen=True)
class Reason:
    text: str
    fits: bool
    points: int = 0


@dataclass
class Scored:
    opportunity: Opportunity
    score: int
    reasons: list[Reason] = field(default_factory=list)

    @property
    def fits(self) -> list[Reason]:
        return [r for r in self.reasons if r.fits]

    @property
    def misfits(self) -> list[Reason]:
        return [r for r in self.reasons if not r.fits]


def candidates(need: Need, opportunities: QuerySet[Opportunity] | None = None) -> QuerySet[Opportunity]:
    """The SQL pre-filter: open opportunities in a municipality the person can reach that are still
    available on their earliest start date."""
    base = opportunities if opportunities is not None else Opportunity.objects.open()
    return (
        base.filter(municipality__in=reachable_municipalities(need.municipality_id, need.travel_km))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=need.earliest_start))
        .select_related("organisation", "service")
    )


def score(need: Need, opportunity: Opportunity, *, need_service_ids: set[int] | None = None) -> Scored:
    reasons: list[Reason] = []
    total = 0

    def add(condition: bool, points: int, yes: str, no: str | None = None) -> None:
        nonlocal total
        if condition:
            total += points
            reasons.append(Reason(str(yes), True, points))
        elif no:
            reasons.append(Reason(str(no), False, 0))

    km = distance_km(need.municipality_id, opportunity.municipality_id)
    if km == 0:
        add(True, WEIGHTS["same_municipality"], _("same municipality"))
    else:
        add(
            km is not None and km <= need.travel_km,
            WEIGHTS["near_municipality"],
            _("within travelling distance (%(km)s km)") % {"km": km},
            _("further away than the person can travel"),
        )
    service_ids = need_service_ids if need_service_ids is not None else {s.pk for s in need.services.all()}
    if service_ids:
        add(
            opportunity.service_id in service_ids,
            WEIGHTS["service"],
            _("kind of work matches"),
            _("another kind of work"),
        )
    if need.occupation_codes:
        add(
            bool(opportunity.occupation_code) and opportunity.occupation_code in need.occupation_codes,
            WEIGHTS["occupation"],
            _("field matches"),
            _("another occupational field"),
        )
    if need.times:
        wanted = set(need.times)
        offered = set(opportunity.times)
        overlap = wanted & offered
        if overlap:
            labels = ", ".join(str(Weekday(t).label).lower() for t in sorted(overlap))
            add(True, WEIGHTS["times"], _("offers %(times)s") % {"times": labels})
        else:
            add(False, 0, "", _("other times of day than wanted"))
    add(
        opportunity.hours_per_week_min <= need.hours_per_week <= opportunity.hours_per_week_max,
        WEIGHTS["hours"],
        _("hours fit (%(hours)s per week)") % {"hours": need.hours_per_week},
        _("hours do not fit (%(low)s–%(high)s per week offered)")
        % {"low": opportunity.hours_per_week_min, "high": opportunity.hours_per_week_max},
    )
    if need.supervisor_needed:
        add(
            opportunity.supervisor_available, WEIGHTS["supervisor"], _("supervisor on site"), _("no supervisor on site")
        )
    needed = set(need.adaptations)
    if needed:
        offered_adaptations = needed & set(opportunity.adaptations)
        points = min(len(offered_adaptations) * WEIGHTS["adaptation_each"], WEIGHTS["adaptation_max"])
        for key in sorted(offered_adaptations):
            reasons.append(Reason(str(_("offers: %(what)s") % {"what": str(Adaptation(key).label).lower()}), True, 0))
        for key in sorted(needed - offered_adaptations):
            reasons.append(
                Reason(str(_("does not offer: %(what)s") % {"what": str(Adaptation(key).label).lower()}), False)
            )
        total += points
    add(
        opportunity.starts_on <= need.earliest_start,
        WEIGHTS["starts_in_time"],
        _("starts in time"),
        _("starts %(date)s, later than wished") % {"date": opportunity.starts_on.isoformat()},
    )
    return Scored(opportunity=opportunity, score=total, reasons=reasons)


class ScoredOpportunity(Protocol):
    """What `points` reads of an opportunity: an Opportunity, or a row of SCORED_FIELDS (suggestions)."""

    @property
    def municipality_id(self) -> str | None: ...
    @property
    def service_id(self) -> int | None: ...
    @property
    def occupation_code(self) -> str: ...
    @property
    def times(self) -> list[str]: ...
    @property
    def hours_per_week_min(self) -> int: ...
    @property
    def hours_per_week_max(self) -> int: ...
    @property
    def supervisor_available(self) -> bool: ...
    @property
    def adaptations(self) -> list[str]: ...
    @property
    def starts_on(self) -> dt.date: ...


def points(need: Need, opportunity: ScoredOpportunity, need_service_ids: set[int]) -> int:
    """The score alone (no reason texts): the same arithmetic as `score`, cheap enough for every candidate."""
    total = 0
    km = distance_km(need.municipality_id, opportunity.municipality_id)
    if km == 0:
        total += WEIGHTS["same_municipality"]
    elif km is not None and km <= need.travel_km:
        total += WEIGHTS["near_municipality"]
    if need_service_ids and opportunity.service_id in need_service_ids:
        total += WEIGHTS["service"]
    if need.occupation_codes and opportunity.occupation_code and opportunity.occupation_code in need.occupation_codes:
        total += WEIGHTS["occupation"]
    if need.times and set(need.times) & set(opportunity.times):
        total += WEIGHTS["times"]
    if opportunity.hours_per_week_min <= need.hours_per_week <= opportunity.hours_per_week_max:
        total += WEIGHTS["hours"]
    if need.supervisor_needed and opportunity.supervisor_available:
        total += WEIGHTS["supervisor"]
    if need.adaptations:
        offered = len(set(need.adaptations) & set(opportunity.adaptations))
        total += min(offered * WEIGHTS["adaptation_each"], WEIGHTS["adaptation_max"])
    if opportunity.starts_on <= need.earliest_start:
        total += WEIGHTS["starts_in_time"]
    return total


# The columns score() reads: suggestions() loads only these; the benchmark (bench/measure_matchmaking.py)
# selects the same.
SCORED_FIELDS = (
    "id",
    "municipality_id",
    "service_id",
    "occupation_code",
    "times",
    "hours_per_week_min",
    "hours_per_week_max",
    "supervisor_available",
    "adaptations",
    "starts_on",
)


def suggestions(need: Need, *, limit: int = 20, opportunities: QuerySet[Opportunity] | None = None) -> list[Scored]:
    """Ranked suggestions for a need: highest score first, ties by the opportunity's id (deterministic).
    Every candidate is scored with numbers only; reasons are written for the `limit` best."""
    service_ids = {s.pk for s in need.services.all()}
    # Rows, not model instances: building an Opportunity per candidate was most of the time of a suggestion.
    lean = candidates(need, opportunities).select_related(None).order_by().values_list(*SCORED_FIELDS, named=True)
    ranked = sorted(
        ((points(need, row, service_ids), row.id) for row in lean.iterator(chunk_size=2000)),
        key=lambda item: (-item[0], item[1]),
    )[:limit]
    full = {o.pk: o for o in candidates(need, opportunities).filter(pk__in=[pk for _, pk in ranked])}
    return [score(need, full[pk], need_service_ids=service_ids) for _, pk in ranked]
