"""ESF+ common indicators, computed by database aggregation (conditional counts), as docs/esf-indicators.md
defines them. Three aggregate queries for the participant indicators (output, immediate results, longer-term
results) and one for the entities; memory does not grow with the number of participants. Works on PostgreSQL
and on SQLite (the embedded default).

The choices the regulation leaves open are in `DEFINITIONS` — the one place a coordinator's reading can
change. The rules are versioned: `RULES` also holds the earlier reading (2026-11-25) that reports delivered
before the revision were computed under, so `esf_rules_compare` can say which cells the revision changed;
a report is always computed under `DEFINITIONS` (a delivered run keeps its stored result and its version).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
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
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from matchmaking.models import FundedProject, ImprovementCriterion, LabourMarketEvent, OutcomeEvent, Participant
from reports.models import NOT_SUPPORT, RulesVersion, SupportRecord


@dataclass(frozen=True)
class Rules:
    """One reading of the definitions. Every field is a choice the report depends on."""

    version: str
    window_days: int = 28  # immediate results: W = exit_date … exit_date + 28 days, inclusive
    longer_term_months: int = 6  # six-month date S, clamped to the month's last day
    # The situation at S is the last labour-market event in F = S − days … S + days: it must be observed.
    # None: the last one from exit_date to S, observed or not (the earlier reading).
    follow_up_days: int | None = 28
    ltu_months_under_25: int = 6  # long-term unemployed: months > 6 when age < 25
    ltu_months_25_and_over: int = 12  # … > 12 when age ≥ 25
    sme_max_employees: int = 250  # EECO19: fewer than 250 employees (headcount; a proxy for 2003/361)
    public_kinds: tuple[str, ...] = (  # EECO18
        "municipality",
        "agency",
        "region",
        "education_public",
        "local_government_association",
    )
    sme_kinds: tuple[str, ...] = ("asf", "business", "education_private")  # EECO19
    # The labour-market situations: each replaces the previous one. `education` is a dimension of its own
    # (a course does not end a job); `qualification` and `improved` are milestones.
    situation_events: tuple[str, ...] = (
        OutcomeEvent.EMPLOYED,
        OutcomeEvent.SELF_EMPLOYED,
        OutcomeEvent.JOB_SEEKING,
        OutcomeEvent.INACTIVE,
    )
    # The situation upon leaving is the last one dated entry_date … exit_date + 28 days (a job begun during
    # participation counts); False: only those dated exit_date … (the earlier reading).
    situation_from_entry: bool = True
    # EECR06: an `improved` event with one of the Commission's four criteria, dated entry_date … the end of the
    # follow-up window (S + 28 days), and employed or self-employed at S. False: any `improved` event dated
    # after exit_date up to S (the earlier reading).
    improved_needs_criterion_and_employment_at_s: bool = True


RULES_VERSION = RulesVersion.REVISED.value  # the revision against Regulation 2021/1057 Annex I and the SFC guidance
DEFINITIONS = Rules(version=RULES_VERSION)
EARLIER_RULES_VERSION = RulesVersion.FIRST.value
RULES: dict[str, Rules] = {
    RULES_VERSION: DEFINITIONS,
    # Kept for comparing (esf_rules_compare) and for naming the rules a delivered report was computed under.
    EARLIER_RULES_VERSION: replace(
        DEFINITIONS,
        version=EARLIER_RULES_VERSION,
        follow_up_days=None,
        public_kinds=("municipality", "agency", "region", "education_public"),
        situation_events=(*DEFINITIONS.situation_events, OutcomeEvent.EDUCATION),
        situation_from_entry=False,
        improved_needs_criterion_and_employment_at_s=False,
    ),
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


def _ltu(rules: Rules) -> Q:
    return Q(status_at_entry="unemployed") & (
        Q(age__lt=25, unemployed_months__gt=rules.ltu_months_under_25)
        | Q(age__gte=25, unemployed_months__gt=rules.ltu_months_25_and_over)
    )


def output_indicators(
    project: FundedProject, start: dt.date, end: dt.date, rules: Rules = DEFINITIONS
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """EECO01–EECO17 and the number of participants with unknown ISCED (counted in EECO01, in no ISCED row)."""
    participants = _with_age(Participant.objects.filter(project=project, entry_date__range=(start, end)))
    conditions = {
        "EECO01": Q(),
        "EECO02": Q(status_at_entry="unemployed"),
        "EECO03": _ltu(rules),
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
    aggregates: dict[str, Count] = {"unknown_isced": Count("pk", filter=Q(isced=""))}
    for code, condition in conditions.items():
        aggregates.update(_cells(code, condition))
    row = participants.aggregate(**aggregates)
    return _unpack(row, OUTPUT_CODES), {"unknown_isced": int(row["unknown_isced"] or 0)}


def _days_after(reference: str, days: int) -> Any:
    return ExpressionWrapper(F(reference) + dt.timedelta(days=days), output_field=DateField())


def _last_situation(rules: Rules, since: str, until: str) -> Subquery:
    """The participant's last labour-market situation dated `since` … `until` (names of the participant's
    fields or annotations; several on one date: the one recorded last, i.e. the highest id)."""
    return Subquery(
        LabourMarketEvent.objects.filter(
            participant=OuterRef("pk"),
            event__in=rules.situation_events,
            date__gte=OuterRef(since),
            date__lte=OuterRef(until),
        )
        .order_by("-date", "-id")
        .values("event")[:1]
    )


def _event_between(event: str, since: str, until: str, **extra: Any) -> Exists:
    return Exists(
        LabourMarketEvent.objects.filter(
            participant=OuterRef("pk"), event=event, date__gte=OuterRef(since), date__lte=OuterRef(until), **extra
        )
    )


EMPLOYMENT = (OutcomeEvent.EMPLOYED, OutcomeEvent.SELF_EMPLOYED)


def immediate_results(
    project: FundedProject, start: dt.date, end: dt.date, rules: Rules = DEFINITIONS
) -> dict[str, dict[str, int]]:
    since = "entry_date" if rules.situation_from_entry else "exit_date"
    participants = (
        Participant.objects.filter(project=project, exit_date__range=(start, end))
        .annotate(window_end=_days_after("exit_date", rules.window_days))
        .annotate(
            situation=_last_situation(rules, since, "window_end"),
            education_in_window=_event_between(OutcomeEvent.EDUCATION, "exit_date", "window_end"),
            qualification=_event_between(OutcomeEvent.QUALIFICATION, "entry_date", "window_end"),
        )
    )
    aggregates: dict[str, Count] = {}
    aggregates.update(_cells("EECR01", Q(situation=OutcomeEvent.JOB_SEEKING)))
    aggregates.update(_cells("EECR02", Q(education_in_window=True)))
    aggregates.update(_cells("EECR03", Q(qualification=True)))
    aggregates.update(_cells("EECR04", Q(situation__in=EMPLOYMENT)))
    return _unpack(participants.aggregate(**aggregates), IMMEDIATE_CODES)


def longer_term_results(
    project: FundedProject, start: dt.date, end: dt.date, rules: Rules = DEFINITIONS
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """EECR05 and EECR06 of the participants whose six-month date S lies in the period, and how many of them
    have no follow-up (no labour-market event in F) and how many have an `improved` event without a
    criterion that would otherwise count."""
    participants = (
        Participant.objects.filter(project=project, exit_date__isnull=False)
        .annotate(six_months=AddMonthsClamped(F("exit_date"), rules.longer_term_months))
        .filter(six_months__range=(start, end))
    )
    employed_at_entry = Q(status_at_entry="employed")
    notes: dict[str, Count] = {}
    if rules.follow_up_days is None:
        observed_until = "six_months"
        participants = participants.annotate(situation=_last_situation(rules, "exit_date", "six_months"))
    else:
        observed_until = "follow_up_end"
        participants = participants.annotate(
            follow_up_start=_days_after("six_months", -rules.follow_up_days),
            follow_up_end=_days_after("six_months", rules.follow_up_days),
        ).annotate(situation=_last_situation(rules, "follow_up_start", "follow_up_end"))
        notes["no_follow_up"] = Count("pk", filter=Q(situation__isnull=True))
    if rules.improved_needs_criterion_and_employment_at_s:
        participants = participants.annotate(
            improved=_event_between(
                OutcomeEvent.IMPROVED, "entry_date", observed_until, criterion__in=ImprovementCriterion.values
            ),
            improved_without_criterion=_event_between(
                OutcomeEvent.IMPROVED, "entry_date", observed_until, criterion=""
            ),
        )
        eecr06 = employed_at_entry & Q(improved=True, situation__in=EMPLOYMENT)
        notes["criterion_missing"] = Count(
            "pk", filter=employed_at_entry & Q(improved_without_criterion=True, improved=False)
        )
    else:
        participants = participants.annotate(
            improved=Exists(
                LabourMarketEvent.objects.filter(
                    participant=OuterRef("pk"),
                    event=OutcomeEvent.IMPROVED,
                    date__gt=OuterRef("exit_date"),
                    date__lte=OuterRef("six_months"),
                )
            )
        )
        eecr06 = employed_at_entry & Q(improved=True)
    aggregates: dict[str, Count] = dict(notes)
    aggregates.update(_cells("EECR05", Q(situation__in=EMPLOYMENT)))
    aggregates.update(_cells("EECR06", eecr06))
    row = participants.aggregate(**aggregates)
    return _unpack(row, LONGER_CODES), {name: int(row[name] or 0) for name in notes}


def entity_indicators(
    project: FundedProject, start: dt.date, end: dt.date, rules: Rules = DEFINITIONS
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Organisations with at least one direct support record in the period, each once (the orgnr is stored
    normalised and unique, so one organisation row is one orgnr), and how many supported organisations of
    an SME kind have no number of employees."""
    support = SupportRecord.objects.filter(project=project, date__range=(start, end), direct=True).exclude(
        kind__in=NOT_SUPPORT
    )
    small = Q(organisation__employees__lt=rules.sme_max_employees)
    row = support.aggregate(
        EECO18=Count("organisation__orgnr", distinct=True, filter=Q(organisation__kind__in=rules.public_kinds)),
        EECO19=Count(
            "organisation__orgnr",
            distinct=True,
            filter=Q(organisation__kind__in=rules.sme_kinds) & small,
        ),
        unknown_size=Count(
            "organisation__orgnr",
            distinct=True,
            filter=Q(organisation__kind__in=rules.sme_kinds, organisation__employees__isnull=True),
        ),
    )
    indicators = {"EECO18": {"total": row["EECO18"]}, "EECO19": {"total": row["EECO19"]}}
    return indicators, {"unknown_size": int(row["unknown_size"] or 0)}


# --- What a report says about itself ---------------------------------------------------------------------------
def about_sentences() -> list[str]:
    """What every ESF+ report says about itself, in the active language."""
    return [
        _(
            "These are the project's own monitoring figures. In Sweden the official ESF+ participant indicators are "
            "produced by Statistics Sweden (SCB) from registers, so the official figures can differ."
        ),
        _(
            "Official ESF+ data are binary by gender: the non-binary column exists in this report but not in the "
            "official figures."
        ),
        _(
            "EECO19 counts enterprises with fewer than %(limit)s employees. The headcount is a proxy for the SME "
            "definition of Recommendation 2003/361/EC, which also caps turnover (€50 million) or the balance sheet "
            "(€43 million) and considers linked enterprises."
        )
        % {"limit": DEFINITIONS.sme_max_employees},
    ]


# The warnings a report's counts call for, by the key of the count in `EsfReport.notes`.
_WARNINGS = {
    "unknown_isced": ngettext_lazy(
        "%(count)s participant has an unknown education level (ISCED): counted in EECO01 but in none of EECO09–EECO11.",
        "%(count)s participants have an unknown education level (ISCED): counted in EECO01 but in none of "
        "EECO09–EECO11.",
        "count",
    ),
    "no_follow_up": ngettext_lazy(
        "%(count)s participant whose six-month date falls in the period has no labour-market event recorded "
        "within 28 days of that date: no longer-term result (EECR05, EECR06) is counted for them.",
        "%(count)s participants whose six-month date falls in the period have no labour-market event recorded "
        "within 28 days of that date: no longer-term result (EECR05, EECR06) is counted for them.",
        "count",
    ),
    "criterion_missing": ngettext_lazy(
        "%(count)s participant has an improved labour-market situation recorded without saying what improved: "
        "not counted in EECR06 until the criterion is added.",
        "%(count)s participants have an improved labour-market situation recorded without saying what "
        "improved: not counted in EECR06 until the criterion is added.",
        "count",
    ),
    "unknown_size": ngettext_lazy(
        "%(count)s supported organisation of an SME kind has no number of employees and is not counted in EECO19.",
        "%(count)s supported organisations of an SME kind have no number of employees and are not counted in EECO19.",
        "count",
    ),
}


def warning_sentences(notes: dict[str, int]) -> list[str]:
    """The warnings a report's counts call for, in the active language (none for a zero count)."""
    return [str(text % {"count": notes[key]}) for key, text in _WARNINGS.items() if notes.get(key)]


@dataclass
class EsfReport:
    project: str
    start: dt.date
    end: dt.date
    indicators: dict[str, dict[str, int]]
    notes: dict[str, int] = field(default_factory=dict)  # counts behind the warnings
    rules_version: str = RULES_VERSION

    @property
    def warnings(self) -> list[str]:
        """What the report says about itself, then the warnings its counts call for (active language)."""
        return [*about_sentences(), *warning_sentences(self.notes)]

    def as_json(self) -> dict[str, Any]:
        """The stable shape of `manage.py esf_indicators --format json`."""
        return {
            "project": self.project,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "indicators": {code: self.indicators[code] for code in ALL_CODES},
            "warnings": self.warnings,
        }

    def as_result(self) -> dict[str, Any]:
        """What a report run stores: the JSON shape plus the rules version and the counts behind the warnings,
        so a page shows them in its reader's language."""
        return {**self.as_json(), "rules_version": self.rules_version, "notes": dict(self.notes)}


def differing_cells(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]]) -> int:
    """How many cells (indicator × women/men/non-binary/total, or the total of an entity indicator) differ
    between two results; a cell one of them lacks counts as different."""
    return sum(
        1
        for code in ALL_CODES
        for cell in (("total",) if code in ENTITY_CODES else CELLS)
        if before.get(code, {}).get(cell) != after.get(code, {}).get(cell)
    )


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


def esf_report(project: FundedProject, start: dt.date, end: dt.date, rules: Rules = DEFINITIONS) -> EsfReport:
    """Every ESF+ indicator for `project` and the inclusive period [start, end], invariants checked. `rules`:
    the current definitions; another version only to compare (esf_rules_compare)."""
    if end < start:
        raise ValueError("The period must end on or after its start.")
    indicators: dict[str, dict[str, int]] = {}
    notes: dict[str, int] = {}
    for part in (output_indicators, longer_term_results, entity_indicators):
        values, counts = part(project, start, end, rules)
        indicators.update(values)
        notes.update(counts)
    indicators.update(immediate_results(project, start, end, rules))
    # EECR01 and EECR04 never count the same person: both read the one "last situation" per participant.
    check_invariants(indicators)
    return EsfReport(
        project=project.diarienummer,
        start=start,
        end=end,
        indicators={code: indicators[code] for code in ALL_CODES},
        notes=notes,
        rules_version=rules.version,
    )
