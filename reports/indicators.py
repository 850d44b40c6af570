"""ESF+ common indicators, computed by database aggregation (conditional counts), as docs/esf-indicators.md
defines them (its "Where the code differs today" lists what is not implemented yet). Three aggregate queries
for the participant indicators (output, immediate results, longer-term results) and one for the entities;
memory does not grow with the number of participants. Works on PostgreSQL and on SQLite (the embedded default).

The choices the regulation leaves open are in `DEFINITIONS` — one place a coordinator's reading can change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.utils.translation import ngettext

from matchmaking.models import SITUATION_EVENTS, FundedProject, LabourMarketEvent, Participant
from reports.models import NOT_SUPPORT, SupportRecord

DEFINITIONS: dict[str, Any] = {
    "window_days": 28,  # immediate results: exit_date … exit_date + 28 days, inclusive
    "longer_term_months": 6,  # six-month date S, clamped to the month's last day
    "ltu_months_under_25": 6,  # long-term unemployed: months > 6 when age < 25
    "ltu_months_25_and_over": 12,  # … > 12 when age ≥ 25
    "sme_max_employees": 250,  # EECO19: fewer than 250 employees
    "public_kinds": ("municipality", "agency", "region", "education_public"),  # EECO18
    "sme_kinds": ("asf", "business", "education_private"),  # EECO19
}

GENDERS = ("woman", "man", "non_binary")
CELLS = ("women", "men", "non_binary", "total")
_CELL_OF = {"woman": "women", "man": "men", "non_binary": "non_binary"}

OUTPUT_CODES = [f"EECO{n:02d}" for n in range(1, 18)]
IMMEDIATE_CODES = ["EECR01", "EECR02", "EECR03", "EECR04"]
LONGER_CODES = ["EECR05", "EECR06"]
ENTITY_CODES = ["EECO18", "EECO19"]
ALL_CODES = OUTPUT_CODES + IMMEDIATE_CODES + LONGER_CODES + ENTITY_CODES


class AddMonthsClamped(Func):
    """date + N calendar months, clamped to the last day of the target month (2024-08-31 + 6 → 2025-02-28).
    PostgreSQL's interval arithmetic clamps by itself; SQLite's does not, so there the result is the
    earlier of the naive sum and the target month's last day."""

    output_field = DateField()

    def __init__(self, expression: Any, months: int, **extra: Any) -> None:
        self.months = int(months)
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql}) + INTERVAL '{self.months} months')::date", params

    def as_sqlite(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        sql, params = compiler.compile(self.source_expressions[0])
        naive = f"date({sql}, '+{self.months} months')"
        last_day = f"date({sql}, 'start of month', '+{self.months + 1} months', '-1 day')"
        return f"min({naive}, {last_day})", params * 2


def add_months_clamped(day: dt.date, months: int) -> dt.date:
    """The Python twin of AddMonthsClamped (used by the reference implementation and the UI)."""
    import calendar

    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _age_at_entry() -> Any:
    """Completed years on the entry date, in SQL: year difference, minus one before the birthday."""
    birthday_not_reached = Case(
        When(
            Q(entry_month_day__lt=F("birth_month_day")),
            then=Value(1),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    return ExpressionWrapper(
        ExtractYear("entry_date") - ExtractYear("birth_date") - birthday_not_reached, output_field=IntegerField()
    )


def _with_age(queryset):  # type: ignore[no-untyped-def]
    return queryset.annotate(
        entry_month_day=ExpressionWrapper(
            ExtractMonth("entry_date") * 100 + ExtractDay("entry_date"), output_field=IntegerField()
        ),
        birth_month_day=ExpressionWrapper(
            ExtractMonth("birth_date") * 100 + ExtractDay("birth_date"), output_field=IntegerField()
        ),
    ).annotate(age=_age_at_entry())


def _cells(name: str, condition: Q) -> dict[str, Count]:
    aggregates = {f"{name}__total": Count("pk", filter=condition)}
    for gender in GENDERS:
        aggregates[f"{name}__{_CELL_OF[gender]}"] = Count("pk", filter=condition & Q(gender=gender))
    return aggregates


def _unpack(row: dict[str, int], codes: list[str]) -> dict[str, dict[str, int]]:
    return {code: {cell: int(row[f"{code}__{cell}"] or 0) for cell in CELLS} for code in codes}


def _ltu() -> Q:
    return Q(status_at_entry="unemployed") & (
        Q(age__lt=25, unemployed_months__gt=DEFINITIONS["ltu_months_under_25"])
        | Q(age__gte=25, unemployed_months__gt=DEFINITIONS["ltu_months_25_and_over"])
    )


def output_indicators(project: FundedProject, start: dt.date, end: dt.date) -> dict[str, dict[str, int]]:
    participants = _with_age(Participant.objects.filter(project=project, entry_date__range=(start, end)))
    conditions = {
        "EECO01": Q(),
        "EECO02": Q(status_at_entry="unemployed"),
        "EECO03": _ltu(),
        "EECO04": Q(status_at_entry="inactive"),
        "EECO05": Q(status_at_entry="employed"),
        "EECO06": Q(age__lt=18),
        "EECO07": Q(age__gte=18, age__lte=29),
        "EECO08": Q(age__gte=55),
        "EECO09": Q(isced="0-2"),
        "EECO10": Q(isced="3-4"),
        "EECO11": Q(isced="5-8"),
        "EECO12": Q(disability=True),
        "EECO13": Q(third_country_national=True),
        "EECO14": Q(foreign_background=True),
        "EECO15": Q(minority=True),
        "EECO16": Q(homeless=True),
        "EECO17": Q(rural=True),
    }
    aggregates: dict[str, Count] = {}
    for code, condition in conditions.items():
        aggregates.update(_cells(code, condition))
    return _unpack(participants.aggregate(**aggregates), OUTPUT_CODES)


def _window_end() -> Any:
    return ExpressionWrapper(F("exit_date") + dt.timedelta(days=DEFINITIONS["window_days"]), output_field=DateField())


def _last_situation(until: Any) -> Subquery:
    """The participant's last situation event dated exit_date … `until` (several on one date: the one
    recorded last, i.e. the highest id)."""
    return Subquery(
        LabourMarketEvent.objects.filter(
            participant=OuterRef("pk"),
            event__in=SITUATION_EVENTS,
            date__gte=OuterRef("exit_date"),
            date__lte=OuterRef(until),
        )
        .order_by("-date", "-id")
        .values("event")[:1]
    )


def immediate_results(project: FundedProject, start: dt.date, end: dt.date) -> dict[str, dict[str, int]]:
    participants = (
        Participant.objects.filter(project=project, exit_date__range=(start, end))
        .annotate(window_end=_window_end())
        .annotate(
            situation=_last_situation("window_end"),
            education_in_window=Exists(
                LabourMarketEvent.objects.filter(
                    participant=OuterRef("pk"),
                    event="education",
                    date__gte=OuterRef("exit_date"),
                    date__lte=OuterRef("window_end"),
                )
            ),
            qualification=Exists(
                LabourMarketEvent.objects.filter(
                    participant=OuterRef("pk"),
                    event="qualification",
                    date__gte=OuterRef("entry_date"),
                    date__lte=OuterRef("window_end"),
                )
            ),
        )
    )
    aggregates: dict[str, Count] = {}
    aggregates.update(_cells("EECR01", Q(situation="job_seeking")))
    aggregates.update(_cells("EECR02", Q(education_in_window=True)))
    aggregates.update(_cells("EECR03", Q(qualification=True)))
    aggregates.update(_cells("EECR04", Q(situation__in=["employed", "self_employed"])))
    return _unpack(participants.aggregate(**aggregates), IMMEDIATE_CODES)


def longer_term_results(project: FundedProject, start: dt.date, end: dt.date) -> dict[str, dict[str, int]]:
    participants = (
        Participant.objects.filter(project=project, exit_date__isnull=False)
        .annotate(six_months=AddMonthsClamped(F("exit_date"), DEFINITIONS["longer_term_months"]))
        .filter(six_months__range=(start, end))
        .annotate(
            situation=_last_situation("six_months"),
            improved=Exists(
                LabourMarketEvent.objects.filter(
                    participant=OuterRef("pk"),
                    event="improved",
                    date__gt=OuterRef("exit_date"),
                    date__lte=OuterRef("six_months"),
                )
            ),
        )
    )
    aggregates: dict[str, Count] = {}
    aggregates.update(_cells("EECR05", Q(situation__in=["employed", "self_employed"])))
    aggregates.update(_cells("EECR06", Q(status_at_entry="employed", improved=True)))
    return _unpack(participants.aggregate(**aggregates), LONGER_CODES)


def entity_indicators(
    project: FundedProject, start: dt.date, end: dt.date
) -> tuple[dict[str, dict[str, int]], list[str]]:
    """Organisations with at least one direct support record in the period, each once (the orgnr is stored
    normalised and unique, so one organisation row is one orgnr)."""
    support = SupportRecord.objects.filter(project=project, date__range=(start, end), direct=True).exclude(
        kind__in=NOT_SUPPORT
    )
    small = Q(organisation__employees__lt=DEFINITIONS["sme_max_employees"])
    row = support.aggregate(
        EECO18=Count(
            "organisation__orgnr", distinct=True, filter=Q(organisation__kind__in=DEFINITIONS["public_kinds"])
        ),
        EECO19=Count(
            "organisation__orgnr",
            distinct=True,
            filter=Q(organisation__kind__in=DEFINITIONS["sme_kinds"]) & small,
        ),
        unknown_size=Count(
            "organisation__orgnr",
            distinct=True,
            filter=Q(organisation__kind__in=DEFINITIONS["sme_kinds"], organisation__employees__isnull=True),
        ),
    )
    warnings = []
    if row["unknown_size"]:
        warnings.append(
            ngettext(
                "%(count)s supported organisation of an SME kind has no number of employees and is not counted in "
                "EECO19.",
                "%(count)s supported organisations of an SME kind have no number of employees and are not counted "
                "in EECO19.",
                row["unknown_size"],
            )
            % {"count": row["unknown_size"]}
        )
    return {"EECO18": {"total": row["EECO18"]}, "EECO19": {"total": row["EECO19"]}}, warnings


@dataclass
class EsfReport:
    project: str
    start: dt.date
    end: dt.date
    indicators: dict[str, dict[str, int]]
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "indicators": {code: self.indicators[code] for code in ALL_CODES},
            "warnings": self.warnings,
        }


class InvariantViolation(Exception):
    """A report that breaks an invariant (EECO01 = EECO02 + EECO04 + EECO05, women + men + non-binary = total,
    …: check_invariants) is a bug: the run fails."""


def check_invariants(indicators: dict[str, dict[str, int]]) -> None:
    def v(code: str, cell: str = "total") -> int:
        return indicators[code][cell]

    problems = []
    for cell in CELLS:
        if v("EECO01", cell) != v("EECO02", cell) + v("EECO04", cell) + v("EECO05", cell):
            problems.append(f"EECO01 ≠ EECO02 + EECO04 + EECO05 ({cell})")
        if v("EECO03", cell) > v("EECO02", cell):
            problems.append(f"EECO03 > EECO02 ({cell})")
        if v("EECO06", cell) + v("EECO07", cell) + v("EECO08", cell) > v("EECO01", cell):
            problems.append(f"EECO06 + EECO07 + EECO08 > EECO01 ({cell})")
        if v("EECO09", cell) + v("EECO10", cell) + v("EECO11", cell) > v("EECO01", cell):
            problems.append(f"EECO09 + EECO10 + EECO11 > EECO01 ({cell})")
    for code, cells in indicators.items():
        if "women" in cells and cells["women"] + cells["men"] + cells["non_binary"] != cells["total"]:
            problems.append(f"{code}: women + men + non-binary ≠ total")
    if problems:
        raise InvariantViolation("; ".join(problems))


def esf_report(project: FundedProject, start: dt.date, end: dt.date) -> EsfReport:
    """Every ESF+ indicator for `project` and the inclusive period [start, end], invariants checked."""
    if end < start:
        raise ValueError("The period must end on or after its start.")
    indicators: dict[str, dict[str, int]] = {}
    indicators.update(output_indicators(project, start, end))
    indicators.update(immediate_results(project, start, end))
    indicators.update(longer_term_results(project, start, end))
    entities, warnings = entity_indicators(project, start, end)
    indicators.update(entities)
    # EECR01 and EECR04 never count the same person: both read the one "last situation" per participant.
    check_invariants(indicators)
    return EsfReport(project=project.diarienummer, start=start, end=end, indicators=indicators, warnings=warnings)
