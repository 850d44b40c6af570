"""ESF+ common indicators, computed by database aggregation (conditional counts), as docs/esf-indicators.md
defines them. One aggregate statement for the participant indicators (output indicators: the participants
read once, grouped by gender and age band; immediate and longer-term results: the leavers' labour-market
events read once, each leaver's dates computed once) and one for the entities; memory does not grow with the
number of participants. Works on PostgreSQL and on SQLite (the embedded default).

The choices the regulation leaves open are in `DEFINITIONS` — the one place a coordinator's reading can
change. The rules are versioned: `RULES` also holds the earlier reading (2026-11-25) that reports delivered
before the revision were computed under, so `esf_rules_compare` can say which cells the revision changed;
a report is always computed under `DEFINITIONS` (a delivered run keeps its stored result and its version).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import transaction
from django.db.models import Count, DateField, Func, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from kernel.replica import reading_connection
from matchmaking.models import FundedProject, ImprovementCriterion, OutcomeEvent, Participant
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
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- The participant indicators: one statement ----------------------------------------------------------------
# Two parts, each one pass, joined by UNION ALL into one statement:
# - `participants` reads the project's participants once, grouped by gender and age band (the age at entry is
#   computed once per row, as the grouping key; no band when the entry is not in the period): every output
#   indicator is a count of a group, or a FILTER over plain columns, and the cells that depend on the age add
#   up bands. It also counts the leavers whose six-month date S is in the period (those that need a follow-up).
# - `results` reads, once, the labour-market events of the leavers whose exit or S is in the period, each
#   joined to its participant's dates (computed once per participant): one row per leaver with any event in a
#   window (the situation upon leaving, the situation at S and the milestones), then one FILTER per result
#   indicator, grouped by gender. A leaver without such an event has no result, so it need not be a row.
# The values of the rules are parameters; PostgreSQL and SQLite differ in date arithmetic and in how the last of
# several events is found, which `_Sql` spells. Run inside `report_transaction` (JIT off, work_mem).

EMPLOYMENT = (OutcomeEvent.EMPLOYED, OutcomeEvent.SELF_EMPLOYED)
_KEY_DIGITS = 8 + 19  # SQLite: an event's key is its date as YYYYMMDD, its id in 19 digits, then its situation
# The situation an event records, as a number: what the result indicators tell apart.
_EMPLOYMENT, _JOB_SEEKING, _OTHER_SITUATION = 2, 1, 0
# The age bands (completed years on the entry date): the bounds are where an indicator starts or stops counting:
# under 18 (EECO06), 18–29 (EECO07), 55 and over (EECO08), and 25, where long-term unemployment needs more months
# (EECO03). Band 0: under 18, 1: 18–24, 2: 25–29, 3: 30–54, 4: 55 and over.
AGE_BOUNDS = (18, 25, 30, 55)
_UNDER_18, _18_TO_24, _25_TO_29, _55_AND_OVER = 0, 1, 2, 4
_UNDER_25 = frozenset({_UNDER_18, _18_TO_24})


class _Sql:
    """Collects the parameters of one statement (named, so one value may be used several times) and spells
    the date arithmetic of the connection's database."""

    def __init__(self, vendor: str) -> None:
        if vendor not in ("postgresql", "sqlite"):
            raise NotImplementedError(f"ESF+ indicators are computed on PostgreSQL or SQLite, not {vendor}")
        self.sqlite = vendor == "sqlite"
        self.params: dict[str, Any] = {}

    def __call__(self, value: Any) -> str:
        """The placeholder of a new parameter `value`."""
        name = f"p{len(self.params)}"
        if self.sqlite and isinstance(value, dt.date):
            value = value.isoformat()  # SQLite stores dates as ISO text
        self.params[name] = value
        return f"%({name})s"

    @property
    def fence(self) -> str:
        """Ends a subquery PostgreSQL must not merge into the query around it, so that the values it computes
        are computed once per row, not again at every use."""
        return "" if self.sqlite else " OFFSET 0"

    def any_of(self, values: tuple[str, ...] | list[str]) -> str:
        return "(" + ", ".join(self(value) for value in values) + ")"

    def age(self, born: str, on: str) -> str:
        """Completed years on date `on` of someone born on `born`: the year difference, minus one before the
        birthday. PostgreSQL's age() gives exactly these years (it borrows a year while the month and day of
        `on` come before those of `born`)."""
        if self.sqlite:
            return (
                f"CAST(strftime('%%Y', {on}) AS integer) - CAST(strftime('%%Y', {born}) AS integer)"
                f" - CASE WHEN strftime('%%m%%d', {on}) < strftime('%%m%%d', {born}) THEN 1 ELSE 0 END"
            )
        return f"CAST(date_part('year', age({on}, {born})) AS integer)"

    def age_band(self, born: str, on: str) -> str:
        """The band of AGE_BOUNDS the age on `on` falls in (0: below the first bound), the age computed once."""
        age = self.age(born, on)
        if self.sqlite:  # no width_bucket: the age is computed again for each bound, which is correct, only slower
            bands = " ".join(f"WHEN {age} < {self(bound)} THEN {band}" for band, bound in enumerate(AGE_BOUNDS))
            return f"CASE {bands} ELSE {len(AGE_BOUNDS)} END"
        bounds = ", ".join(f"CAST({self(bound)} AS integer)" for bound in AGE_BOUNDS)
        return f"width_bucket({age}, ARRAY[{bounds}])"

    def plus_days(self, day: str, days: int) -> str:
        if self.sqlite:
            return f"date({day}, {self(f'{days:+d} days')})"
        return f"({day} + CAST({self(days)} AS integer))"

    def plus_months(self, day: str, months: int) -> str:
        """`day` + N calendar months, clamped to the target month's last day (as AddMonthsClamped)."""
        if self.sqlite:
            naive = f"date({day}, {self(f'+{months} months')})"
            last_day = f"date({day}, 'start of month', {self(f'+{months + 1} months')}, '-1 day')"
            return f"min({naive}, {last_day})"
        return f"CAST({day} + make_interval(months => CAST({self(months)} AS integer)) AS date)"

    def situation(self) -> str:
        """The situation event `e` records, as a number: employment, job seeking or another situation."""
        return (
            f"CASE WHEN e.event IN {self.any_of(EMPLOYMENT)} THEN {_EMPLOYMENT}"
            f" WHEN e.event = {self(OutcomeEvent.JOB_SEEKING)} THEN {_JOB_SEEKING} ELSE {_OTHER_SITUATION} END"
        )

    def last_situation(self, condition: str) -> str:
        """The situation (a number, as `situation`) of the last of the participant's events that meet
        `condition`: the latest date; several on one date: the one recorded last, i.e. the highest id. NULL when
        none does. PostgreSQL: the greatest array [days since entry, id, situation] (compared element by
        element; the id is unique, so the situation never decides); SQLite: the greatest text key."""
        if self.sqlite:
            key = f"(replace(e.date, '-', '') || substr('0000000000000000000' || e.id, -19) || {self.situation()})"
            return f"CAST(substr(max(CASE WHEN {condition} THEN {key} END), {_KEY_DIGITS + 1}) AS integer)"
        key = f"ARRAY[CAST(e.date - d.entry_date AS bigint), e.id, {self.situation()}]"
        return f"(max({key}) FILTER (WHERE {condition}))[3]"

    @staticmethod
    def any_event(condition: str) -> str:
        """How many of the participant's events meet `condition` (more than 0: there is one)."""
        return f"count(*) FILTER (WHERE {condition})"


def six_month_exits(start: dt.date, end: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The exit dates whose six-month date S (exit + `months` calendar months, clamped to the month's last day)
    lies in [start, end]: S only grows with the exit date, so they are one range, [first, last] (empty when
    first > last). The statement compares the exit date with it instead of computing S for every participant."""
    beyond = dt.date.max.toordinal() + 1

    def six(ordinal: int) -> int:
        """S of the exit date `ordinal`, as an ordinal (`beyond`: after the last date Python can hold)."""
        try:
            return add_months_clamped(dt.date.fromordinal(ordinal), months).toordinal()
        except (ValueError, OverflowError):
            return beyond

    def first_exit(target: int) -> int:
        """The first exit date whose S is on or after `target` (both ordinals; `beyond`: none). S is at least
        the exit date and at most `months` × 31 days after it, so it lies in target − months × 31 − 1 … target."""
        low, high = max(1, target - months * 31 - 1), min(target, beyond)
        while low < high:
            middle = (low + high) // 2
            if six(middle) >= target:
                high = middle
            else:
                low = middle + 1
        return low

    first, last = first_exit(start.toordinal()), first_exit(end.toordinal() + 1) - 1
    if last < first:  # no exit date has its S in the period
        return dt.date.max, dt.date.min
    return dt.date.fromordinal(first), dt.date.fromordinal(last)


@dataclass(frozen=True)
class _Count:
    """One column of the statement: a count, and the cells it adds to: (indicator or note, the age bands it
    counts for, or None: every band). A count of the participant part adds the rows of participants whose entry
    is in the period only, unless `entered_only` is False."""

    sql: str
    adds_to: tuple[tuple[str, frozenset[int] | None], ...]
    entered_only: bool = True


@dataclass(frozen=True)
class _Part:
    """One part of the statement: its leading columns (the part's number, gender, the age band of participants
    whose entry is in the period), its counts, and the rest (FROM … GROUP BY …)."""

    head: str
    counts: list[_Count]
    tail: str

    def sql(self, width: int) -> str:
        """The part with `width` counts: its own, then zeros."""
        columns = [count.sql for count in self.counts] + ["0"] * (width - len(self.counts))
        return f"{self.head}, {', '.join(columns)} {self.tail}"


def _participant_part(
    sql: _Sql, project: FundedProject, start: dt.date, end: dt.date, rules: Rules, *, results: bool
) -> _Part:
    """The participant part: one pass over the project's participants, grouped by gender and age band (NULL for
    a participant whose entry is not in the period: one grouping key, so the planner expects few groups). Output
    indicators count the participants whose entry date is in the period (inclusive); with `results`, the leavers
    whose six-month date is in the period are counted too."""
    period = f"{sql(start)} AND {sql(end)}"
    entered = f"p.entry_date BETWEEN {period}"
    unemployed, employed = sql("unemployed"), sql("employed")
    every_band = None

    def count(condition: str | None, *adds_to: tuple[str, frozenset[int] | None]) -> _Count:
        return _Count("count(*)" if condition is None else f"count(*) FILTER (WHERE {condition})", adds_to)

    counts = [
        # Every participant, and by age band: under 18, 18–29, 55 and over.
        count(
            None,
            ("EECO01", every_band),
            ("EECO06", frozenset({_UNDER_18})),
            ("EECO07", frozenset({_18_TO_24, _25_TO_29})),
            ("EECO08", frozenset({_55_AND_OVER})),
        ),
        count(f"p.status_at_entry = {unemployed}", ("EECO02", every_band)),
        # Long-term unemployed: unemployed at entry for more than 6 months under 25, more than 12 from 25.
        count(
            f"p.status_at_entry = {unemployed} AND p.unemployed_months > {sql(rules.ltu_months_under_25)}",
            ("EECO03", _UNDER_25),
        ),
        count(
            f"p.status_at_entry = {unemployed} AND p.unemployed_months > {sql(rules.ltu_months_25_and_over)}",
            ("EECO03", frozenset(range(len(AGE_BOUNDS) + 1)) - _UNDER_25),
        ),
        count(f"p.status_at_entry = {sql('inactive')}", ("EECO04", every_band)),
        count(f"p.status_at_entry = {employed}", ("EECO05", every_band)),
        # ISCED 0–2, 3–4, 5–8; an unknown level counts in EECO01 only.
        count(f"p.isced = {sql('0-2')}", ("EECO09", every_band)),
        count(f"p.isced = {sql('3-4')}", ("EECO10", every_band)),
        count(f"p.isced = {sql('5-8')}", ("EECO11", every_band)),
        count(f"p.isced = {sql('')}", ("unknown_isced", every_band)),
        count("p.disability", ("EECO12", every_band)),
        count("p.third_country_national", ("EECO13", every_band)),
        count("p.foreign_background", ("EECO14", every_band)),
        count("p.minority", ("EECO15", every_band)),
        count("p.homeless", ("EECO16", every_band)),
        count("p.rural", ("EECO17", every_band)),
    ]
    scope = entered
    if results:
        # Longer-term results count the participants whose six-month date S is in the period.
        first, last = six_month_exits(start, end, rules.longer_term_months)
        followed = f"p.exit_date BETWEEN {sql(first)} AND {sql(last)}"
        counts.append(_Count(f"count(*) FILTER (WHERE {followed})", (("followed", every_band),), entered_only=False))
        scope = f"({entered} OR {followed})"
    band = f"CASE WHEN {entered} THEN {sql.age_band('p.birth_date', 'p.entry_date')} END"
    return _Part(
        f"SELECT 0, p.gender, {band}",
        counts,
        f"FROM matchmaking_participant p WHERE p.project_id = {sql(project.pk)} AND {scope} GROUP BY 2, 3",
    )


def _results_part(sql: _Sql, project: FundedProject, start: dt.date, end: dt.date, rules: Rules) -> _Part:
    """The result part: one pass over the labour-market events of the leavers whose exit date or six-month
    date S is in the period, one row per such leaver with any event that a result reads, grouped by gender."""
    period = f"{sql(start)} AND {sql(end)}"
    first, last = six_month_exits(start, end, rules.longer_term_months)
    # Each leaver's dates, computed once. Immediate results: W = exit_date … exit_date + 28 days, inclusive,
    # counted by exit date in the period. Longer-term results: the six-month date S (clamped to the month's
    # last day), counted by S in the period.
    six = sql.plus_months("p.exit_date", rules.longer_term_months)
    columns = [
        "p.id",
        "p.gender",
        f"p.status_at_entry = {sql('employed')} AS employed",
        "p.entry_date",
        "p.exit_date",
        f"{sql.plus_days('p.exit_date', rules.window_days)} AS window_end",
        f"p.exit_date BETWEEN {period} AS exited",
        f"p.exit_date BETWEEN {sql(first)} AND {sql(last)} AS followed",
    ]
    if rules.follow_up_days is None:
        # The earlier reading: the situation at S is the last one from exit_date to S, observed or not.
        columns.append(f"{six} AS six")
        at_six_since, observed_until = "d.exit_date", "d.six"
    else:
        # The situation at S is the last one in F = S − 28 days … S + 28 days: it must be observed.
        columns += [
            f"{sql.plus_days(six, -rules.follow_up_days)} AS follow_up_start",
            f"{sql.plus_days(six, rules.follow_up_days)} AS follow_up_end",
        ]
        at_six_since, observed_until = "d.follow_up_start", "d.follow_up_end"
    leavers = (
        f"SELECT {', '.join(columns)} FROM matchmaking_participant p"  # noqa: S608 - every value is a parameter
        f" WHERE p.project_id = {sql(project.pk)}"
        f" AND (p.exit_date BETWEEN {period} OR p.exit_date BETWEEN {sql(first)} AND {sql(last)}){sql.fence}"
    )
    # The situation upon leaving is the last one dated entry_date … the end of W (a job begun during
    # participation counts); the earlier reading: only those dated exit_date … the end of W.
    since = "d.entry_date" if rules.situation_from_entry else "d.exit_date"
    situations = sql.any_of(rules.situation_events)
    improved = sql("improved")
    events = [
        sql.last_situation(f"e.event IN {situations} AND e.date BETWEEN {since} AND d.window_end") + " AS upon_leaving",
        # EECR02: an education event any time in W, even if it is not the last.
        sql.any_event(f"e.event = {sql('education')} AND e.date BETWEEN d.exit_date AND d.window_end")
        + " AS education_in_window",
        # EECR03: a qualification dated entry_date … the end of W.
        sql.any_event(f"e.event = {sql('qualification')} AND e.date BETWEEN d.entry_date AND d.window_end")
        + " AS qualification",
        sql.last_situation(f"e.event IN {situations} AND e.date BETWEEN {at_six_since} AND {observed_until}")
        + " AS at_six",
    ]
    if rules.improved_needs_criterion_and_employment_at_s:
        # EECR06: employed at entry, an `improved` event with one of the Commission's four criteria dated
        # entry_date … the end of F, and employed or self-employed at S.
        criteria = sql.any_of(ImprovementCriterion.values)
        events += [
            sql.any_event(
                f"e.event = {improved} AND e.criterion IN {criteria}"
                f" AND e.date BETWEEN d.entry_date AND {observed_until}"
            )
            + " AS improved",
            sql.any_event(
                f"e.event = {improved} AND e.criterion = {sql('')} AND e.date BETWEEN d.entry_date AND {observed_until}"
            )
            + " AS improved_without_criterion",
        ]
        eecr06 = f"employed AND improved > 0 AND at_six = {_EMPLOYMENT}"
    else:
        # The earlier reading: employed at entry and any `improved` event dated after exit_date up to S.
        events.append(
            sql.any_event(f"e.event = {improved} AND e.date > d.exit_date AND e.date <= d.six") + " AS improved"
        )
        eecr06 = "employed AND improved > 0"
    every_band = None

    def count(condition: str, name: str) -> _Count:
        return _Count(f"count(*) FILTER (WHERE {condition})", ((name, every_band),), entered_only=False)

    counts = [
        # EECR01 and EECR04 read the one situation upon leaving: they never count the same person.
        count(f"exited AND upon_leaving = {_JOB_SEEKING}", "EECR01"),
        count("exited AND education_in_window > 0", "EECR02"),
        count("exited AND qualification > 0", "EECR03"),
        count(f"exited AND upon_leaving = {_EMPLOYMENT}", "EECR04"),
        count(f"followed AND at_six = {_EMPLOYMENT}", "EECR05"),
        count(f"followed AND {eecr06}", "EECR06"),
        # The leavers of the period with a situation at S: the others have no follow-up.
        count("followed AND at_six IS NOT NULL", "observed"),
    ]
    if rules.improved_needs_criterion_and_employment_at_s:
        counts.append(
            count("followed AND employed AND improved_without_criterion > 0 AND improved = 0", "criterion_missing")
        )
    # Only the events a result can read: every window starts on or after the entry date and ends by the end of W
    # or of F (an `improved` event counts from the entry date to the end of F).
    relevant = (
        f"e.date >= d.entry_date AND (e.date <= d.window_end OR e.date BETWEEN {at_six_since} AND {observed_until}"
        f" OR (e.event = {improved} AND e.date <= {observed_until}))"
    )
    per_leaver = (
        f"SELECT d.gender, d.exited, d.followed, d.employed, {', '.join(events)}"  # noqa: S608 - parameters only
        f" FROM matchmaking_labourmarketevent e JOIN ({leavers}) d ON d.id = e.participant_id WHERE {relevant}"
        " GROUP BY d.id, d.gender, d.exited, d.followed, d.employed"
    )
    return _Part("SELECT 1, leaver.gender, NULL", counts, f"FROM ({per_leaver}) leaver GROUP BY leaver.gender")


def participant_indicators(
    project: FundedProject, start: dt.date, end: dt.date, rules: Rules = DEFINITIONS, *, results: bool = True
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """EECO01–EECO17 (and, with `results`, EECR01–EECR06) and the counts behind the warnings, in one
    statement: the participants read once, and with `results` the leavers' events read once."""
    connection = reading_connection(Participant)
    sql = _Sql(connection.vendor)
    parts = [_participant_part(sql, project, start, end, rules, results=results)]
    if results:
        parts.append(_results_part(sql, project, start, end, rules))
    # The parts in one statement (UNION ALL), each row led by its part's number; the rows of a part with fewer
    # counts are padded with zeros to the same number of columns.
    width = max(len(part.counts) for part in parts)
    statement = " UNION ALL ".join(part.sql(width) for part in parts)
    with connection.cursor() as cursor:
        cursor.execute(statement, sql.params)
        rows = cursor.fetchall()
    # A cell is the sum of its gender's rows (of the age bands it counts for), the total the sum of all rows.
    cells: dict[str, dict[str, int]] = {}
    for number, gender, band, *values in rows:
        for count, value in zip(parts[number].counts, values, strict=False):
            if count.entered_only and band is None:  # the entry is not in the period
                continue
            for name, bands in count.adds_to:
                if bands is not None and band not in bands:
                    continue
                cell = cells.setdefault(name, dict.fromkeys(CELLS, 0))
                cell["total"] += int(value or 0)
                if gender in _CELL_OF:
                    cell[_CELL_OF[gender]] += int(value or 0)
    codes = OUTPUT_CODES + (IMMEDIATE_CODES + LONGER_CODES if results else [])
    indicators = {code: cells.get(code, dict.fromkeys(CELLS, 0)) for code in codes}
    notes = {"unknown_isced": _total(cells, "unknown_isced")}
    if results and rules.follow_up_days is not None:
        notes["no_follow_up"] = _total(cells, "followed") - _total(cells, "observed")
    if results and rules.improved_needs_criterion_and_employment_at_s:
        notes["criterion_missing"] = _total(cells, "criterion_missing")
    return indicators, notes


def _total(cells: dict[str, dict[str, int]], name: str) -> int:
    return cells.get(name, {}).get("total", 0)


def output_indicators(
    project: FundedProject, start: dt.date, end: dt.date, rules: Rules = DEFINITIONS
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """EECO01–EECO17 and the number of participants with unknown ISCED (counted in EECO01, in no ISCED row)."""
    return participant_indicators(project, start, end, rules, results=False)


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


# What the report's statements run with on PostgreSQL (report_transaction). work_mem: the leavers' events are
# grouped per leaver in a hash table (about 12 MB for 57,000 leavers); PostgreSQL's default 4 MB would spill it
# to disk in batches. A hash table may use hash_mem_multiplier (2) times work_mem.
REPORT_SETTINGS = {"jit": "off", "work_mem": "'32MB'"}  # as SET takes them


@contextmanager
def report_transaction() -> Iterator[None]:
    """The report's statements, in one transaction with PostgreSQL's JIT compiler off (compiling them costs
    seconds: it is planned for long-running queries; running them takes milliseconds) and with the memory
    (`REPORT_SETTINGS`) to group every leaver's events in one hash table rather than in batches spilled to disk.
    Inside an outer transaction the settings are put back at the end, so only the report's statements run
    with them."""
    connection = reading_connection(Participant)
    nested = connection.in_atomic_block
    with transaction.atomic(using=connection.alias):
        if connection.vendor != "postgresql":  # SQLite has neither setting
            yield
            return
        before = {}  # what to put back (SET LOCAL of a transaction of its own ends with it)
        with connection.cursor() as cursor:
            for name, value in REPORT_SETTINGS.items():
                if nested:
                    cursor.execute(f"SHOW {name}")
                    before[name] = cursor.fetchone()[0]
                cursor.execute(f"SET LOCAL {name} = {value}")
        yield
        if nested:
            with connection.cursor() as cursor:
                for name, value in before.items():
                    cursor.execute(f"SET LOCAL {name} = {_literal(value)}")


def _literal(value: str) -> str:
    """A setting's value as an SQL string literal (SET takes no parameters)."""
    return "'" + value.replace("'", "''") + "'"


def esf_report(project: FundedProject, start: dt.date, end: dt.date, rules: Rules = DEFINITIONS) -> EsfReport:
    """Every ESF+ indicator for `project` and the inclusive period [start, end], invariants checked. `rules`:
    the current definitions; another version only to compare (esf_rules_compare)."""
    if end < start:
        raise ValueError("The period must end on or after its start.")
    with report_transaction():
        indicators, notes = participant_indicators(project, start, end, rules)
        entities, entity_notes = entity_indicators(project, start, end, rules)
    indicators |= entities
    notes |= entity_notes
    check_invariants(indicators)
    return EsfReport(
        project=project.diarienummer,
        start=start,
        end=end,
        indicators={code: indicators[code] for code in ALL_CODES},
        notes=notes,
        rules_version=rules.version,
    )
