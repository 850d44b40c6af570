"""The edges of how the ESF+ statement reads the data (the rules themselves: test_esf_indicators.py): the exit dates
whose six-month date falls in a period, computed before the statement; leavers with no event a result reads; the
last of several events; the age bands the output indicators add up; all in one report, cell by cell."""

from __future__ import annotations

import datetime as dt

import pytest

from directory.factories import ForbundFactory
from directory.models import OrganisationKind
from matchmaking.models import FundedProject
from reports.indicators import add_months_clamped, esf_report, six_month_exits
from tests.factories import OrganisationFactory
from tests.reports.test_esf_indicators import EARLIER, EXIT, S, after, person, report

D = dt.date


@pytest.fixture
def project(db):
    return FundedProject.objects.create(forbund=ForbundFactory(), diarienummer="23-051-S06", name="Prov")


@pytest.fixture
def raiser(db):
    return OrganisationFactory(kind=OrganisationKind.MUNICIPALITY, name="Luleå kommun", orgnr="2120002742")


# --- The exit dates whose six-month date S is in the period -------------------------------------------------------
def _exits_by_brute_force(start: dt.date, end: dt.date, months: int) -> list[dt.date]:
    first = start - dt.timedelta(days=months * 31 + 10)
    days = (end - first).days + 1
    return [
        day
        for day in (first + dt.timedelta(days=n) for n in range(days))
        if start <= add_months_clamped(day, months) <= end
    ]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2025, 2, 28), D(2025, 2, 28)),  # S of 2024-08-28 … 2024-08-31: month-end clamping
        (D(2024, 2, 29), D(2024, 2, 29)),  # a leap day: S of 2023-08-29 … 2023-08-31
        (D(2024, 8, 29), D(2024, 8, 29)),  # S of 2024-02-29 only
        (D(2025, 8, 29), D(2025, 8, 31)),  # S of no exit date: 2025 has no 29 February
        (D(2025, 3, 1), D(2025, 3, 31)),
        (D(2024, 1, 1), D(2024, 12, 31)),
        (D(2024, 12, 31), D(2025, 1, 1)),
        (D(2023, 1, 1), D(2026, 12, 31)),
    ],
)
@pytest.mark.parametrize("months", [6, 1, 0, 12])
def test_the_exit_dates_whose_six_month_date_is_in_the_period_are_one_range(start, end, months):
    exits = _exits_by_brute_force(start, end, months)
    first, last = six_month_exits(start, end, months)
    if exits:
        assert (first, last) == (exits[0], exits[-1])
        assert len(exits) == (last - first).days + 1  # one range, no gap
    else:
        assert first > last  # empty: BETWEEN first AND last matches nothing


def test_the_exit_dates_at_the_ends_of_the_calendar():
    assert six_month_exits(dt.date.min, D(1, 7, 1), 6) == (dt.date.min, dt.date.min)
    first, last = six_month_exits(dt.date.min, D(1, 6, 30), 6)
    assert first > last
    # S of an exit after 9999-06-30 is in the year 10000: after the period.
    assert six_month_exits(D(9999, 12, 1), dt.date.max, 6) == (D(9999, 6, 1), D(9999, 6, 30))


def test_leavers_whose_six_month_date_is_clamped_to_the_same_day_are_all_followed_up(project, raiser):
    for exit in (D(2024, 8, 28), D(2024, 8, 29), D(2024, 8, 30), D(2024, 8, 31)):  # S = 2025-02-28 for all four
        person(project, raiser, entry=D(2024, 1, 10), exit=exit, events=[(D(2025, 3, 10), "employed")])
    person(project, raiser, entry=D(2024, 1, 10), exit=D(2024, 9, 1), events=[(D(2025, 3, 10), "employed")])
    on_the_day = esf_report(project, D(2025, 2, 28), D(2025, 2, 28))
    assert on_the_day.indicators["EECR05"]["total"] == 4
    assert on_the_day.notes["no_follow_up"] == 0
    assert esf_report(project, D(2025, 3, 1), D(2025, 3, 1)).indicators["EECR05"]["total"] == 1  # 2024-09-01's S


def test_a_period_that_is_no_leavers_six_month_date_counts_no_longer_term_result(project, raiser):
    person(project, raiser, entry=D(2024, 1, 10), exit=D(2025, 2, 28), events=[(D(2025, 8, 29), "employed")])
    result = esf_report(project, D(2025, 8, 29), D(2025, 8, 31))  # S of 2025-02-28 is 2025-08-28
    assert result.indicators["EECR05"]["total"] == 0
    assert result.notes["no_follow_up"] == 0


# --- Leavers and their events ---------------------------------------------------------------------------------------
def test_a_leaver_with_no_event_in_any_window_has_no_result_and_no_follow_up(project, raiser):
    person(project, raiser, exit=EXIT)  # nothing recorded
    person(
        project,
        raiser,
        exit=EXIT,
        events=[(after(EXIT, 60), "employed"), (after(EXIT, 60), "education"), (after(EXIT, 60), "qualification")],
    )  # between the end of W and the start of F
    result = esf_report(project, D(2024, 1, 1), D(2026, 12, 31))
    assert all(cells["total"] == 0 for code, cells in result.indicators.items() if code.startswith("EECR"))
    assert result.notes["no_follow_up"] == 2


def test_events_on_the_exit_date_are_in_w(project, raiser):
    person(project, raiser, exit=EXIT, events=[(EXIT, "education"), (EXIT, "job_seeking")])
    person(project, raiser, exit=EXIT, events=[(after(EXIT, -1), "education"), (EXIT, "self_employed")])
    ind = report(project)
    assert (ind["EECR01"]["total"], ind["EECR02"]["total"], ind["EECR04"]["total"]) == (1, 1, 1)


def test_an_event_dated_before_the_entry_date_is_no_situation(project, raiser):
    # Stored as recorded before the recording rules: a job "before entry" is not a situation upon leaving.
    person(project, raiser, entry=D(2024, 6, 15), exit=EXIT, events=[(D(2024, 6, 14), "employed")])
    person(project, raiser, entry=D(2024, 6, 15), exit=EXIT, events=[(D(2024, 6, 14), "qualification")])
    ind = report(project)
    assert (ind["EECR04"]["total"], ind["EECR03"]["total"]) == (0, 0)


@pytest.mark.parametrize(
    ("events", "eecr05"),
    [
        ([(S, "job_seeking"), (S, "employed")], 1),  # same date: the one recorded last
        ([(S, "employed"), (S, "job_seeking")], 0),
        ([(S, "employed"), (S, "job_seeking"), (S, "self_employed")], 1),
        ([(S, "employed"), (after(S, -3), "job_seeking")], 1),  # the latest date, whatever the recording order
        ([(after(S, 2), "inactive"), (S, "employed")], 0),
    ],
)
def test_the_situation_at_s_is_the_latest_date_then_the_one_recorded_last(project, raiser, events, eecr05):
    person(project, raiser, exit=EXIT, events=events)
    assert report(project, S, S)["EECR05"]["total"] == eecr05


def test_the_situation_upon_leaving_and_at_s_are_read_from_the_same_events_each_in_its_window(project, raiser):
    person(
        project,
        raiser,
        exit=EXIT,
        events=[(after(EXIT, 10), "employed"), (after(EXIT, 10), "job_seeking"), (after(S, -1), "self_employed")],
    )
    ind = report(project)
    assert (ind["EECR01"]["total"], ind["EECR04"]["total"], ind["EECR05"]["total"]) == (1, 0, 1)


def test_the_earlier_reading_counts_improved_events_after_the_exit_date_up_to_s(project, raiser):
    for day in (EXIT, after(EXIT, 1), S, after(S, 1)):
        person(project, raiser, status="employed", exit=EXIT, events=[(day, "improved", "promotion")])
    assert report(project, S, S, rules=EARLIER)["EECR06"]["total"] == 2  # the day after the exit, and S


# --- Age bands ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("born", "months", "ltu"),
    [
        (D(2007, 6, 16), 7, True),  # 16: the under-25 threshold
        (D(2007, 6, 16), 6, False),
        (D(1984, 6, 15), 13, True),  # 40
        (D(1984, 6, 15), 12, False),
        (D(1960, 6, 15), 13, True),  # 64
        (D(1960, 6, 15), 12, False),
    ],
)
def test_long_term_unemployment_in_every_age_band(project, raiser, born, months, ltu):
    person(project, raiser, born=born, entry=D(2024, 6, 15), months=months)
    assert bool(report(project)["EECO03"]["total"]) is ltu


# --- Everything in one report ---------------------------------------------------------------------------------------
def test_one_report_counts_entrants_leavers_and_six_month_dates_of_different_people_cell_by_cell(project, raiser):
    start, end = D(2025, 1, 1), D(2025, 6, 30)
    # Entered in the period, still taking part: output indicators only.
    person(project, raiser, gender="woman", born=D(2008, 1, 1), entry=D(2025, 2, 1), status="inactive")
    # Entered before the period, left in it, employed upon leaving; S (2025-09-15) after the period.
    person(
        project, raiser, gender="man", entry=D(2024, 5, 1), exit=D(2025, 3, 15), events=[(D(2025, 3, 20), "employed")]
    )
    # Left before the period, S (2025-04-30) in it, self-employed at S; the job upon leaving is in another period.
    person(
        project,
        raiser,
        gender="non_binary",
        entry=D(2024, 5, 1),
        exit=D(2024, 10, 31),
        events=[(D(2024, 11, 2), "employed"), (D(2025, 5, 2), "self_employed")],
    )
    # Entered and left in the period, job seeking upon leaving; S (2025-07-03) after the period.
    person(
        project,
        raiser,
        gender="woman",
        born=D(1960, 1, 1),
        entry=D(2025, 1, 2),
        exit=D(2025, 1, 3),
        events=[(D(2025, 1, 3), "job_seeking")],
    )
    # Entered before the period and left before it, nothing recorded: S (2025-06-20) in the period, no follow-up.
    person(project, raiser, gender="man", entry=D(2024, 6, 1), exit=D(2024, 12, 20))
    # Entered after the period: nowhere.
    person(project, raiser, gender="man", entry=D(2025, 7, 1), exit=D(2025, 7, 2), events=[(D(2025, 7, 2), "employed")])
    result = esf_report(project, start, end)
    ind = result.indicators

    def cells(women=0, men=0, non_binary=0):
        return {"women": women, "men": men, "non_binary": non_binary, "total": women + men + non_binary}

    assert ind["EECO01"] == cells(women=2)
    assert ind["EECO02"] == cells(women=1)
    assert ind["EECO04"] == cells(women=1)
    assert ind["EECO06"] == cells(women=1)  # 17 at entry
    assert ind["EECO08"] == cells(women=1)  # 65 at entry
    assert ind["EECR01"] == cells(women=1)
    assert ind["EECR04"] == cells(men=1)
    assert ind["EECR05"] == cells(non_binary=1)
    assert result.notes["no_follow_up"] == 1
