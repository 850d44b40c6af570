"""Every rule and worked example of docs/esf-indicators.md (each example its own test), the warnings a report
gives about itself, the invariants, the earlier reading kept for comparing (esf_rules_compare), and a
property test that checks the SQL aggregation against a literal Python reading of the rules on random
participants."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json

import pytest
from django.core.management import call_command
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory.factories import ForbundFactory
from directory.models import OrganisationKind
from matchmaking.models import FundedProject, LabourMarketEvent, Participant
from reports.indicators import (
    ALL_CODES,
    CELLS,
    EARLIER_RULES_VERSION,
    RULES,
    RULES_VERSION,
    InvariantViolation,
    add_months_clamped,
    check_invariants,
    differing_cells,
    esf_report,
)
from reports.models import SupportRecord
from tests.factories import OrganisationFactory

D = dt.date
_codes = itertools.count()


@pytest.fixture
def project(db):
    return FundedProject.objects.create(
        forbund=ForbundFactory(), diarienummer="23-051-S06", name="Samverkan för ASF i södra Norrbotten 2.0"
    )


@pytest.fixture
def raiser(db):
    return OrganisationFactory(kind=OrganisationKind.MUNICIPALITY, name="Luleå kommun", orgnr="2120002742")


BORN = D(1990, 1, 1)
ENTRY = D(2024, 6, 15)
PERIOD_START = D(2024, 1, 1)
PERIOD_END = D(2026, 12, 31)


def person(
    project,
    raiser,
    *,
    gender="woman",
    born=BORN,
    entry=ENTRY,
    exit=None,
    status="unemployed",
    months=None,
    isced="",
    events=(),
    **flags,
) -> Participant:
    """A participant with events (date, event) or (date, event, criterion), stored in the order given (the
    last of several on one date is the one recorded last). Events are stored as they are, without the
    recording rules, so a report can be checked on data recorded before those rules existed."""
    if status == "unemployed" and months is None:
        months = 1
    p = Participant(
        code=f"T{next(_codes)}",
        project=project,
        raised_by_organisation=raiser,
        gender=gender,
        birth_date=born,
        entry_date=entry,
        exit_date=exit,
        status_at_entry=status,
        unemployed_months=months if status == "unemployed" else None,
        isced=isced,
        municipality_id="2580",
        **flags,
    )
    p.full_clean()
    p.save()
    for day, event, *criterion in events:
        LabourMarketEvent.objects.create(
            participant=p, date=day, event=event, criterion=criterion[0] if criterion else ""
        )
    return p


def report(project, start=PERIOD_START, end=PERIOD_END, rules=RULES[RULES_VERSION]):
    return esf_report(project, start, end, rules).indicators


def counted(indicators) -> set[str]:
    return {code for code, cells in indicators.items() if cells["total"]}


def after(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


EXIT = D(2024, 12, 1)  # S = 2025-06-01, F = 2025-05-04 … 2025-06-29
S = D(2025, 6, 1)
EARLIER = RULES[EARLIER_RULES_VERSION]


# --- Worked examples (one test each) ------------------------------------------------------------------------
def test_example_1_woman_27_unemployed_14_months_isced_3_4(project, raiser):
    person(project, raiser, gender="woman", born=D(1997, 6, 15), entry=D(2024, 6, 15), months=14, isced="3-4")
    ind = report(project)
    assert counted(ind) == {"EECO01", "EECO02", "EECO03", "EECO07", "EECO10"}
    assert ind["EECO03"] == {"women": 1, "men": 0, "non_binary": 0, "total": 1}


def test_example_2_man_29_inactive(project, raiser):
    person(project, raiser, gender="man", born=D(1995, 1, 10), entry=D(2024, 6, 15), status="inactive", isced="3-4")
    assert counted(report(project)) == {"EECO01", "EECO04", "EECO07", "EECO10"}


def test_example_3_man_30_unemployed_8_months_is_not_long_term(project, raiser):
    person(project, raiser, gender="man", born=D(1994, 6, 15), entry=D(2024, 6, 15), months=8, isced="0-2")
    assert counted(report(project)) == {"EECO01", "EECO02", "EECO09"}


def test_example_4_woman_24_unemployed_7_months_is_long_term(project, raiser):
    person(project, raiser, born=D(2000, 1, 1), entry=D(2024, 6, 15), months=7)
    assert "EECO03" in counted(report(project))


def test_example_5_age_17_inactive(project, raiser):
    person(project, raiser, born=D(2007, 1, 1), entry=D(2024, 6, 15), status="inactive")
    assert counted(report(project)) == {"EECO01", "EECO04", "EECO06"}


def test_example_6_employed_nine_days_after_exit(project, raiser):
    person(project, raiser, entry=D(2024, 6, 15), exit=EXIT, events=[(D(2024, 12, 10), "employed")])
    ind = report(project)
    assert ind["EECR04"]["total"] == 1
    assert ind["EECR01"]["total"] == 0


def test_example_7_a_job_at_exit_never_followed_up_is_no_six_month_result(project, raiser):
    person(project, raiser, entry=D(2024, 6, 15), exit=EXIT, events=[(D(2024, 12, 10), "employed")])
    assert report(project, D(2025, 4, 1), D(2025, 6, 30))["EECR05"]["total"] == 0  # nothing in F
    followed_up = person(project, raiser, entry=D(2024, 6, 15), exit=EXIT, events=[(D(2024, 12, 10), "employed")])
    LabourMarketEvent.objects.create(participant=followed_up, date=D(2025, 6, 3), event="employed")
    assert report(project, D(2025, 4, 1), D(2025, 6, 30))["EECR05"]["total"] == 1  # the period holds S = 2025-06-01
    assert report(project, D(2025, 6, 2), D(2025, 9, 30))["EECR05"]["total"] == 0  # S is not in this period


def test_example_8_job_seeking_then_employed_in_the_window(project, raiser):
    person(project, raiser, exit=EXIT, events=[(EXIT, "job_seeking"), (after(EXIT, 20), "employed")])
    ind = report(project)
    assert (ind["EECR04"]["total"], ind["EECR01"]["total"]) == (1, 0)


def test_example_9_employed_then_job_seeking_in_the_window(project, raiser):
    person(project, raiser, exit=EXIT, events=[(after(EXIT, 1), "employed"), (after(EXIT, 25), "job_seeking")])
    ind = report(project)
    assert (ind["EECR04"]["total"], ind["EECR01"]["total"]) == (0, 1)


def test_example_10_one_municipality_supported_three_times_counts_once(project, raiser):
    for day in (D(2024, 3, 1), D(2024, 4, 1), D(2024, 5, 1)):
        SupportRecord.objects.create(project=project, organisation=raiser, date=day, kind="advice", direct=True)
    assert report(project)["EECO18"] == {"total": 1}


def test_example_11_a_job_begun_during_participation_counts_upon_leaving(project, raiser):
    person(project, raiser, entry=D(2024, 6, 15), exit=EXIT, events=[(D(2024, 11, 10), "employed")])
    ind = report(project)
    assert (ind["EECR04"]["total"], ind["EECR01"]["total"]) == (1, 0)
    assert report(project, rules=EARLIER)["EECR04"]["total"] == 0  # the earlier reading ignored it


def test_example_12_education_does_not_end_employment(project, raiser):
    person(project, raiser, exit=EXIT, events=[(after(EXIT, 1), "employed"), (after(EXIT, 5), "education")])
    ind = report(project)
    assert (ind["EECR04"]["total"], ind["EECR02"]["total"]) == (1, 1)
    assert report(project, rules=EARLIER)["EECR04"]["total"] == 0  # the earlier reading lost the job


def test_example_13_a_job_29_days_after_s_is_outside_the_follow_up_window(project, raiser):
    assert add_months_clamped(D(2024, 8, 31), 6) == D(2025, 2, 28)
    person(project, raiser, entry=D(2024, 6, 15), exit=D(2024, 8, 31), events=[(D(2025, 3, 29), "employed")])
    assert report(project, D(2025, 1, 1), D(2025, 3, 31))["EECR05"]["total"] == 0
    person(project, raiser, entry=D(2024, 6, 15), exit=D(2024, 8, 31), events=[(D(2025, 3, 28), "employed")])
    assert report(project, D(2025, 1, 1), D(2025, 3, 31))["EECR05"]["total"] == 1  # S + 28 days: in F


def test_example_14_improved_during_participation_and_employed_at_s(project, raiser):
    person(
        project,
        raiser,
        status="employed",
        entry=D(2024, 6, 15),
        exit=EXIT,
        events=[(D(2024, 9, 1), "improved", "promotion"), (after(S, -10), "employed")],
    )
    ind = report(project, S, S)
    assert (ind["EECR06"]["total"], ind["EECR05"]["total"]) == (1, 1)
    assert report(project, S, S, rules=EARLIER)["EECR06"]["total"] == 0  # the earlier reading: after exit only


def test_example_15_a_samordningsforbund_is_a_public_body(project):
    forbund = OrganisationFactory(
        kind=OrganisationKind.LOCAL_GOVERNMENT_ASSOCIATION,
        name="Samordningsförbundet Södra Norrbotten",
        orgnr="2220002204",
    )
    SupportRecord.objects.create(project=project, organisation=forbund, date=D(2024, 5, 1), kind="advice")
    assert report(project)["EECO18"] == {"total": 1}
    assert report(project)["EECO19"] == {"total": 0}


# --- Rules ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("born", "entry", "code"),
    [
        (D(2006, 6, 15), D(2024, 6, 15), "EECO07"),  # 18th birthday on the entry date: 18
        (D(2006, 6, 16), D(2024, 6, 15), "EECO06"),  # one day short of 18: 17
        (D(1994, 6, 16), D(2024, 6, 15), "EECO07"),  # 29 until the day before the 30th birthday
        (D(1994, 6, 15), D(2024, 6, 15), None),  # 30 on the entry date: neither young nor 55+
        (D(1969, 6, 15), D(2024, 6, 15), "EECO08"),  # 55 on the entry date
        (D(1969, 6, 16), D(2024, 6, 15), None),  # 54
        (D(2004, 2, 29), D(2022, 2, 28), "EECO06"),  # leap-day birthday: not yet 18 on 28 February
        (D(2004, 2, 29), D(2022, 3, 1), "EECO07"),
    ],
)
def test_age_is_completed_years_on_the_entry_date(project, raiser, born, entry, code):
    person(project, raiser, born=born, entry=entry, status="inactive")
    ind = report(project, D(2020, 1, 1), D(2026, 12, 31))
    age_codes = {c for c in ("EECO06", "EECO07", "EECO08") if ind[c]["total"]}
    assert age_codes == ({code} if code else set())


@pytest.mark.parametrize(
    ("born", "months", "ltu"),
    [
        (D(2000, 6, 16), 6, False),  # 23, exactly 6 months: not > 6
        (D(2000, 6, 16), 7, True),
        (D(1999, 6, 16), 7, True),  # 24 (one day before the 25th birthday): under-25 threshold
        (D(1999, 6, 15), 7, False),  # 25 on the entry date: needs > 12
        (D(1999, 6, 15), 12, False),
        (D(1999, 6, 15), 13, True),
    ],
)
def test_long_term_unemployment_thresholds(project, raiser, born, months, ltu):
    person(project, raiser, born=born, entry=D(2024, 6, 15), months=months)
    assert bool(report(project)["EECO03"]["total"]) is ltu


def test_output_indicators_count_by_entry_date_inclusive(project, raiser):
    person(project, raiser, entry=D(2024, 1, 1))
    person(project, raiser, entry=D(2024, 3, 31))
    person(project, raiser, entry=D(2024, 4, 1))
    assert report(project, D(2024, 1, 1), D(2024, 3, 31))["EECO01"]["total"] == 2


def test_the_situation_upon_leaving_is_the_last_from_entry_to_28_days_after_exit(project, raiser):
    person(project, raiser, exit=EXIT, events=[(after(EXIT, 28), "employed")])  # day 28: in
    person(project, raiser, exit=EXIT, events=[(after(EXIT, 29), "employed")])  # day 29: out
    person(project, raiser, entry=ENTRY, exit=EXIT, events=[(ENTRY, "employed")])  # on the entry date: in
    person(project, raiser, exit=EXIT)  # nothing recorded: no labour-market result
    ind = report(project)
    assert ind["EECR04"]["total"] == 2
    assert ind["EECR01"]["total"] == 0


def test_a_job_during_participation_replaced_in_the_window_does_not_count(project, raiser):
    person(project, raiser, exit=EXIT, events=[(D(2024, 11, 10), "employed"), (after(EXIT, 3), "job_seeking")])
    person(project, raiser, exit=EXIT, events=[(D(2024, 11, 10), "employed"), (D(2024, 11, 20), "inactive")])
    ind = report(project)
    assert (ind["EECR04"]["total"], ind["EECR01"]["total"]) == (0, 1)


def test_several_events_on_one_date_the_one_recorded_last_counts(project, raiser):
    person(project, raiser, exit=D(2024, 12, 1), events=[(D(2024, 12, 5), "employed"), (D(2024, 12, 5), "job_seeking")])
    ind = report(project)
    assert (ind["EECR01"]["total"], ind["EECR04"]["total"]) == (1, 0)


def test_milestones_do_not_replace_the_situation(project, raiser):
    person(
        project,
        raiser,
        status="employed",
        exit=EXIT,
        events=[
            (after(EXIT, 1), "employed"),
            (after(EXIT, 20), "qualification"),
            (after(EXIT, 21), "improved", "promotion"),
        ],
    )
    assert report(project)["EECR04"]["total"] == 1


def test_education_any_time_in_the_window_counts_even_if_not_last(project, raiser):
    person(project, raiser, exit=EXIT, events=[(after(EXIT, 1), "education"), (after(EXIT, 19), "employed")])
    ind = report(project)
    assert (ind["EECR02"]["total"], ind["EECR04"]["total"]) == (1, 1)


def test_education_alone_is_no_labour_market_situation_and_counts_only_in_the_window(project, raiser):
    person(project, raiser, exit=EXIT, events=[(after(EXIT, 2), "education")])  # no labour-market result
    person(project, raiser, exit=EXIT, events=[(after(EXIT, -5), "education")])  # before W: not EECR02
    ind = report(project)
    assert (ind["EECR02"]["total"], ind["EECR01"]["total"], ind["EECR04"]["total"]) == (1, 0, 0)


def test_education_does_not_end_employment_six_months_after(project, raiser):
    person(project, raiser, exit=EXIT, events=[(after(S, -20), "employed"), (after(S, -5), "education")])
    assert report(project, S, S)["EECR05"]["total"] == 1


def test_qualification_counts_from_entry_to_28_days_after_exit(project, raiser):
    person(project, raiser, entry=D(2024, 6, 15), exit=D(2024, 12, 1), events=[(D(2024, 6, 15), "qualification")])
    person(project, raiser, entry=D(2024, 6, 15), exit=D(2024, 12, 1), events=[(D(2024, 12, 30), "qualification")])
    assert report(project)["EECR03"]["total"] == 1


def test_immediate_results_count_by_exit_date_in_the_period(project, raiser):
    person(project, raiser, exit=D(2024, 12, 31), events=[(D(2025, 1, 5), "employed")])
    assert report(project, D(2024, 10, 1), D(2024, 12, 31))["EECR04"]["total"] == 1
    assert report(project, D(2025, 1, 1), D(2025, 3, 31))["EECR04"]["total"] == 0


@pytest.mark.parametrize(
    ("exit", "six"),
    [
        (D(2024, 8, 31), D(2025, 2, 28)),
        (D(2023, 8, 31), D(2024, 2, 29)),
        (D(2024, 12, 1), D(2025, 6, 1)),
        (D(2024, 3, 31), D(2024, 9, 30)),
    ],
)
def test_six_month_date_is_clamped_to_the_months_last_day_in_sql_and_python(project, raiser, exit, six):
    assert add_months_clamped(exit, 6) == six
    person(project, raiser, entry=D(2023, 1, 1), exit=exit, events=[(six, "employed")])
    assert report(project, six, six)["EECR05"]["total"] == 1
    assert report(project, six + dt.timedelta(days=1), six + dt.timedelta(days=40))["EECR05"]["total"] == 0


@pytest.mark.parametrize(
    ("events", "eecr05"),
    [
        ([(D(2025, 5, 4), "employed")], 1),  # S − 28 days: in F
        ([(D(2025, 5, 3), "employed")], 0),  # S − 29 days: not observed near S
        ([(D(2025, 6, 29), "self_employed")], 1),  # S + 28 days: in F
        ([(D(2025, 6, 30), "employed")], 0),  # S + 29 days
        ([(D(2025, 5, 10), "job_seeking"), (D(2025, 6, 20), "employed")], 1),  # the last one in F
        ([(D(2025, 5, 10), "employed"), (D(2025, 6, 20), "job_seeking")], 0),
        ([(D(2025, 5, 10), "employed"), (D(2025, 5, 10), "inactive")], 0),  # same date: the one recorded last
        ([(D(2024, 12, 10), "employed"), (D(2025, 6, 1), "qualification")], 0),  # a milestone is no follow-up
    ],
)
def test_situation_at_six_months_is_the_last_labour_market_event_in_f(project, raiser, events, eecr05):
    person(project, raiser, exit=EXIT, events=events)
    assert report(project, S, S)["EECR05"]["total"] == eecr05


def test_the_report_says_how_many_leavers_have_no_follow_up(project, raiser):
    person(project, raiser, exit=EXIT, events=[(D(2024, 12, 10), "employed")])  # example 7: never followed up
    person(project, raiser, exit=EXIT, events=[(D(2025, 6, 10), "education")])  # education is no follow-up
    person(project, raiser, exit=EXIT, events=[(D(2025, 6, 10), "job_seeking")])  # followed up
    person(project, raiser, exit=D(2024, 11, 1))  # S = 2025-05-01: another period
    result = esf_report(project, S, S)
    assert result.notes["no_follow_up"] == 2
    with translation.override("en"):
        assert any(w.startswith("2 participants whose six-month date falls in the period") for w in result.warnings)
    with translation.override("sv"):
        assert any(w.startswith("2 deltagare vars sexmånadersdatum") for w in result.warnings)


@pytest.mark.parametrize(
    ("status", "events", "eecr06"),
    [
        ("employed", [(D(2024, 9, 1), "improved", "promotion"), (after(S, -10), "employed")], 1),  # example 14
        ("employed", [(D(2025, 3, 1), "improved", "stable_contract"), (S, "self_employed")], 1),
        ("employed", [(after(S, 28), "improved", "more_hours"), (after(S, 28), "employed")], 1),  # S + 28 days
        ("employed", [(after(S, 29), "improved", "more_hours"), (after(S, 5), "employed")], 0),  # after F
        ("employed", [(ENTRY, "improved", "higher_skilled"), (S, "employed")], 1),  # on the entry date
        ("employed", [(D(2025, 3, 1), "improved", "promotion")], 0),  # not observed employed at S
        ("employed", [(D(2025, 3, 1), "improved", "promotion"), (S, "job_seeking")], 0),  # not employed at S
        ("employed", [(D(2025, 3, 1), "improved"), (S, "employed")], 0),  # no criterion: not until completed
        ("unemployed", [(D(2025, 3, 1), "improved", "promotion"), (S, "employed")], 0),  # not employed at entry
    ],
)
def test_improved_needs_a_criterion_employment_at_entry_and_at_s(project, raiser, status, events, eecr06):
    person(project, raiser, status=status, entry=ENTRY, exit=EXIT, events=events)
    assert report(project, S, S)["EECR06"]["total"] == eecr06


def test_an_improved_event_without_criterion_is_named_in_the_warnings(project, raiser):
    person(project, raiser, status="employed", exit=EXIT, events=[(D(2025, 3, 1), "improved"), (S, "employed")])
    result = esf_report(project, S, S)
    assert result.indicators["EECR06"]["total"] == 0
    assert result.notes["criterion_missing"] == 1
    with translation.override("en"):
        assert any("not counted in EECR06 until the criterion is added" in w for w in result.warnings)
    LabourMarketEvent.objects.filter(event="improved").update(criterion="promotion")  # completed
    completed = esf_report(project, S, S)
    assert (completed.indicators["EECR06"]["total"], completed.notes["criterion_missing"]) == (1, 0)


def test_every_gender_cell_and_every_code_is_present_as_explicit_zeros(project):
    result = esf_report(project, D(2024, 1, 1), D(2024, 3, 31)).as_json()
    assert list(result["indicators"]) == ALL_CODES
    for code in ALL_CODES:
        cells = result["indicators"][code]
        expected = {"total"} if code in ("EECO18", "EECO19") else set(CELLS)
        assert set(cells) == expected
        assert all(value == 0 for value in cells.values())


def test_gender_cells_add_up(project, raiser):
    person(project, raiser, gender="woman")
    person(project, raiser, gender="man")
    person(project, raiser, gender="non_binary")
    assert report(project)["EECO01"] == {"women": 1, "men": 1, "non_binary": 1, "total": 3}


# --- Entities ---------------------------------------------------------------------------------------------
def test_entities_direct_only_deduplicated_by_orgnr_and_sme_by_size(project, raiser):
    asf_small = OrganisationFactory(kind="asf", employees=12)
    big_business = OrganisationFactory(kind="business", employees=250)
    unknown_size = OrganisationFactory(kind="business", employees=None)
    region = OrganisationFactory(kind="region")
    contractor = OrganisationFactory(kind="education_private", employees=5)
    info_only = OrganisationFactory(kind="asf", employees=3)
    indirect = OrganisationFactory(kind="municipality", orgnr="2120009010")
    day = D(2024, 5, 1)
    for org in (asf_small, asf_small, big_business, unknown_size, region, raiser):
        SupportRecord.objects.create(project=project, organisation=org, date=day, kind="advice")
    SupportRecord.objects.create(project=project, organisation=contractor, date=day, kind="paid_contractor")
    SupportRecord.objects.create(project=project, organisation=info_only, date=day, kind="information_meeting")
    SupportRecord.objects.create(project=project, organisation=indirect, date=day, kind="advice", direct=False)
    SupportRecord.objects.create(project=project, organisation=region, date=D(2023, 5, 1), kind="advice")
    result = esf_report(project, D(2024, 1, 1), D(2024, 12, 31))
    assert result.indicators["EECO18"] == {"total": 2}  # region + Luleå kommun
    assert result.indicators["EECO19"] == {"total": 1}  # only the small ASF
    with translation.override("en"):
        warnings = esf_report(project, D(2024, 1, 1), D(2024, 12, 31)).warnings
    assert any("not counted in EECO19" in w for w in warnings)


def test_unknown_isced_counts_in_eeco01_and_the_report_gives_their_number(project, raiser):
    person(project, raiser, isced="")
    person(project, raiser, isced="")
    person(project, raiser, isced="5-8")
    result = esf_report(project, PERIOD_START, PERIOD_END)
    assert result.indicators["EECO01"]["total"] == 3
    assert sum(result.indicators[c]["total"] for c in ("EECO09", "EECO10", "EECO11")) == 1
    assert result.notes["unknown_isced"] == 2
    with translation.override("en"):
        assert "2 participants have an unknown education level (ISCED): counted in EECO01 but in none of " in (
            " ".join(result.warnings)
        )


def test_every_report_says_what_it_is_in_the_readers_language(project):
    result = esf_report(project, PERIOD_START, PERIOD_END)
    with translation.override("en"):
        english = " ".join(result.warnings)
    with translation.override("sv"):
        swedish = " ".join(result.warnings)
    assert "project's own monitoring figures" in english and "Statistics Sweden (SCB)" in english
    assert "binary by gender" in english
    assert "headcount is a proxy" in english and "2003/361" in english
    assert "projektets egna uppföljningssiffror" in swedish and "SCB" in swedish
    assert "2003/361" in swedish and "proxy" not in swedish


def test_public_education_provider_is_a_public_body(project):
    school = OrganisationFactory(kind="education_public")
    SupportRecord.objects.create(project=project, organisation=school, date=D(2024, 5, 1), kind="training")
    assert report(project)["EECO18"] == {"total": 1}


def test_project_with_no_participants_shows_zeros_and_entity_indicators(project, raiser):
    SupportRecord.objects.create(project=project, organisation=raiser, date=D(2024, 5, 1), kind="advice")
    ind = report(project)
    assert ind["EECO01"] == {"women": 0, "men": 0, "non_binary": 0, "total": 0}
    assert ind["EECO18"] == {"total": 1}


# --- Invariants -------------------------------------------------------------------------------------------
def test_invariant_violation_names_the_indicator():
    zero = {code: dict.fromkeys(CELLS, 0) for code in ALL_CODES if code not in ("EECO18", "EECO19")}
    zero["EECO01"] = {"women": 1, "men": 0, "non_binary": 0, "total": 1}
    with pytest.raises(InvariantViolation, match="EECO01"):
        check_invariants(zero)
    zero["EECO02"] = {"women": 1, "men": 0, "non_binary": 0, "total": 1}
    zero["EECO03"] = {"women": 1, "men": 1, "non_binary": 0, "total": 1}
    with pytest.raises(InvariantViolation, match="EECO03"):
        check_invariants(zero)


# --- The command ------------------------------------------------------------------------------------------
def test_esf_indicators_command_prints_the_stable_json_shape(project, raiser):
    person(project, raiser, gender="man", entry=D(2024, 2, 1))
    out = io.StringIO()
    call_command(
        "esf_indicators",
        "--project",
        "23-051-S06",
        "--from",
        "2024-01-01",
        "--to",
        "2024-03-31",
        "--format",
        "json",
        "--language",
        "sv",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert set(data) == {"project", "from", "to", "indicators", "warnings"}
    assert (data["project"], data["from"], data["to"]) == ("23-051-S06", "2024-01-01", "2024-03-31")
    assert list(data["indicators"]) == ALL_CODES
    assert data["indicators"]["EECO01"] == {"women": 0, "men": 1, "non_binary": 0, "total": 1}
    assert data["indicators"]["EECO19"] == {"total": 0}
    # What the report is, then what its data call for (the participant's ISCED is unknown), in Swedish here.
    assert data["warnings"][0].startswith("Detta är projektets egna uppföljningssiffror.")
    assert data["warnings"][-1].startswith("1 deltagare har okänd utbildningsnivå (ISCED)")


def test_esf_indicators_command_writes_the_warnings_in_the_language_asked_for(project, raiser):
    out = io.StringIO()
    args = ["--project", "23-051-S06", "--from", "2024-01-01", "--to", "2024-12-31", "--language", "en"]
    call_command("esf_indicators", *args, stdout=out)
    warnings = json.loads(out.getvalue())["warnings"]
    assert warnings[0].startswith("These are the project's own monitoring figures.")
    assert len(warnings) == 3  # no data, so only what the report says about itself


@pytest.mark.parametrize(
    "args",
    [
        ["--project", "nope", "--from", "2024-01-01", "--to", "2024-03-31"],
        ["--project", "23-051-S06", "--from", "2024-13-01", "--to", "2024-03-31"],
        ["--project", "23-051-S06", "--from", "2024-04-01", "--to", "2024-03-31"],
    ],
)
def test_esf_indicators_command_refuses_bad_arguments(project, args):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("esf_indicators", *args, stdout=io.StringIO())


# --- The earlier reading, kept for comparing -------------------------------------------------------------------
def test_the_earlier_reading_is_reachable_only_by_its_version_and_differs_where_the_revision_says(project, raiser):
    person(project, raiser, exit=EXIT, events=[(D(2024, 11, 10), "employed")])  # example 11
    person(project, raiser, exit=EXIT, events=[(after(EXIT, 1), "employed"), (after(EXIT, 5), "education")])  # 12
    current = esf_report(project, PERIOD_START, PERIOD_END)
    earlier = esf_report(project, PERIOD_START, PERIOD_END, EARLIER)
    assert current.rules_version == RULES_VERSION and earlier.rules_version == EARLIER_RULES_VERSION
    assert (current.indicators["EECR04"]["total"], earlier.indicators["EECR04"]["total"]) == (2, 0)
    assert differing_cells(earlier.indicators, current.indicators) == 2  # EECR04 women and total
    assert differing_cells(current.indicators, current.indicators) == 0
    assert "no_follow_up" not in earlier.notes  # the earlier reading had no follow-up window


def test_esf_rules_compare_counts_the_cells_the_revision_changes(project, raiser):
    person(project, raiser, entry=D(2024, 7, 1), exit=EXIT, events=[(D(2024, 11, 10), "employed")])  # example 11
    out = io.StringIO()
    call_command("esf_rules_compare", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["rules_before"], data["rules_after"]) == (EARLIER_RULES_VERSION, RULES_VERSION)
    assert (data["from"], data["to"]) == ("2024-07-01", "2025-06-01")  # first entry … last six-month date
    assert data["reports"] == 4 + 1  # 2024Q3 … 2025Q2 and the whole period
    # EECR04 women and total, in 2024Q4 and in the whole period.
    assert data["cells_changed"] == 4
    assert data["by_indicator"] == {"EECR04": {"cells_changed": 4, "total_before": 0, "total_after": 2}}
    assert data["notes_after_whole_period"]["no_follow_up"] == 1


# --- Property test against a literal reading of the rules ------------------------------------------------------
SITUATIONS = ("employed", "self_employed", "job_seeking", "inactive")  # each replaces the previous one
EMPLOYMENT = ("employed", "self_employed")
CRITERIA = ("stable_contract", "more_hours", "higher_skilled", "promotion")


def reference(participants: list[dict], start: dt.date, end: dt.date) -> tuple[dict[str, dict[str, int]], dict]:
    """The definitions read literally, one participant at a time: the indicators and the counts behind the
    warnings."""
    result = {code: dict.fromkeys(CELLS, 0) for code in ALL_CODES if code not in ("EECO18", "EECO19")}
    notes = {"unknown_isced": 0, "no_follow_up": 0, "criterion_missing": 0}
    cell = {"woman": "women", "man": "men", "non_binary": "non_binary"}

    def hit(code: str, p: dict) -> None:
        result[code][cell[p["gender"]]] += 1
        result[code]["total"] += 1

    for p in participants:
        entry, born = p["entry"], p["born"]
        age = entry.year - born.year - ((entry.month, entry.day) < (born.month, born.day))
        if start <= entry <= end:
            hit("EECO01", p)
            status = p["status"]
            if status == "unemployed":
                hit("EECO02", p)
                if (age < 25 and p["months"] > 6) or (age >= 25 and p["months"] > 12):
                    hit("EECO03", p)
            if status == "inactive":
                hit("EECO04", p)
            if status == "employed":
                hit("EECO05", p)
            if age < 18:
                hit("EECO06", p)
            if 18 <= age <= 29:
                hit("EECO07", p)
            if age >= 55:
                hit("EECO08", p)
            isced_code = {"0-2": "EECO09", "3-4": "EECO10", "5-8": "EECO11"}.get(p["isced"])
            if isced_code:
                hit(isced_code, p)
            else:
                notes["unknown_isced"] += 1
            for flag, code in (("disability", "EECO12"), ("rural", "EECO17")):
                if p[flag]:
                    hit(code, p)
        exit_ = p["exit"]
        if exit_ is None:
            continue
        events = p["events"]  # (date, event, criterion) in recording order

        def last_situation(since: dt.date, until: dt.date, events=events) -> str | None:
            """The last labour-market event dated since … until (several on one date: the one recorded last)."""
            candidates = [(d, i, e) for i, (d, e, _c) in enumerate(events) if e in SITUATIONS and since <= d <= until]
            return max(candidates)[2] if candidates else None

        window_end = exit_ + dt.timedelta(days=28)
        if start <= exit_ <= end:
            upon_leaving = last_situation(entry, window_end)  # a job begun during participation counts
            if upon_leaving == "job_seeking":
                hit("EECR01", p)
            if any(e == "education" and exit_ <= d <= window_end for d, e, _c in events):
                hit("EECR02", p)
            if any(e == "qualification" and entry <= d <= window_end for d, e, _c in events):
                hit("EECR03", p)
            if upon_leaving in EMPLOYMENT:
                hit("EECR04", p)
        six = add_months_clamped(exit_, 6)
        if start <= six <= end:
            f_start, f_end = six - dt.timedelta(days=28), six + dt.timedelta(days=28)
            at_six = last_situation(f_start, f_end)  # observed near S, or no result
            if at_six is None:
                notes["no_follow_up"] += 1
            if at_six in EMPLOYMENT:
                hit("EECR05", p)
            improved = [c for d, e, c in events if e == "improved" and entry <= d <= f_end]
            if p["status"] == "employed" and any(c in CRITERIA for c in improved) and at_six in EMPLOYMENT:
                hit("EECR06", p)
            if p["status"] == "employed" and "" in improved and not any(c in CRITERIA for c in improved):
                notes["criterion_missing"] += 1
    return result, notes


dates = st.dates(min_value=D(2023, 6, 1), max_value=D(2025, 12, 31))


@st.composite
def participant_data(draw):
    entry = draw(dates)
    status = draw(st.sampled_from(["unemployed", "inactive", "employed"]))
    exit_offset = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=300)))
    exit_ = entry + dt.timedelta(days=exit_offset) if exit_offset is not None else None
    event_kinds = ["employed", "self_employed", "job_seeking", "education", "inactive", "qualification"]
    if status == "employed":
        event_kinds.append("improved")
    events = draw(
        st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=270),
                st.sampled_from(event_kinds),
                st.sampled_from(["", *CRITERIA]),  # "": an `improved` recorded before criteria were required
            ),
            max_size=5,
        )
    )
    return {
        "gender": draw(st.sampled_from(["woman", "man", "non_binary"])),
        "born": entry - dt.timedelta(days=draw(st.integers(min_value=15 * 365, max_value=70 * 365))),
        "entry": entry,
        "exit": exit_,
        "status": status,
        "months": draw(st.integers(min_value=0, max_value=30)) if status == "unemployed" else None,
        "isced": draw(st.sampled_from(["", "0-2", "3-4", "5-8"])),
        "disability": draw(st.booleans()),
        "rural": draw(st.booleans()),
        # Events cluster from two months before the exit (during participation) to about seven months after it,
        # so the 28-day window, the six-month date and its follow-up window are often hit.
        "events": [
            (
                max(entry, (exit_ or entry) + dt.timedelta(days=offset - 60)),
                kind,
                criterion if kind == "improved" else "",
            )
            for offset, kind, criterion in events
        ],
    }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(people=st.lists(participant_data(), min_size=0, max_size=12), period=st.tuples(dates, dates))
def test_sql_aggregation_equals_the_literal_reading(project, raiser, people, period):
    Participant.objects.filter(project=project).delete()
    start, end = sorted(period)
    for p in people:
        person(
            project,
            raiser,
            gender=p["gender"],
            born=p["born"],
            entry=p["entry"],
            exit=p["exit"],
            status=p["status"],
            months=p["months"],
            isced=p["isced"],
            disability=p["disability"],
            rural=p["rural"],
            events=p["events"],
        )
    got = esf_report(project, start, end)
    expected, notes = reference(people, start, end)
    for code, cells in expected.items():
        assert got.indicators[code] == cells, code
    assert {name: got.notes[name] for name in notes} == notes
