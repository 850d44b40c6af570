"""Every rule and worked example of docs/esf-indicators.md that the code follows (the document lists where it
does not yet), the invariants, and a property test that checks the SQL aggregation against a straightforward
Python reference on random participants."""

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

from directory.models import OrganisationKind
from matchmaking.models import SITUATION_EVENTS, FundedProject, LabourMarketEvent, Participant
from reports.indicators import (
    ALL_CODES,
    CELLS,
    InvariantViolation,
    add_months_clamped,
    check_invariants,
    esf_report,
)
from reports.models import SupportRecord
from tests.factories import OrganisationFactory

D = dt.date
_codes = itertools.count()


@pytest.fixture
def project(db):
    return FundedProject.objects.create(diarienummer="23-051-S06", name="Samverkan för ASF i södra Norrbotten 2.0")


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
    for day, event in events:
        LabourMarketEvent.objects.create(participant=p, date=day, event=event)
    return p


def report(project, start=PERIOD_START, end=PERIOD_END):
    return esf_report(project, start, end).indicators


def counted(indicators) -> set[str]:
    return {code for code, cells in indicators.items() if cells["total"]}


# --- Worked examples --------------------------------------------------------------------------------------
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
    person(project, raiser, entry=D(2024, 6, 15), exit=D(2024, 12, 1), events=[(D(2024, 12, 10), "employed")])
    ind = report(project)
    assert ind["EECR04"]["total"] == 1
    assert ind["EECR01"]["total"] == 0


def test_example_7_still_employed_counts_six_months_after(project, raiser):
    person(project, raiser, entry=D(2024, 6, 15), exit=D(2024, 12, 1), events=[(D(2024, 12, 10), "employed")])
    assert report(project, D(2025, 4, 1), D(2025, 6, 30))["EECR05"]["total"] == 1  # S = 2025-06-01
    assert report(project, D(2025, 6, 2), D(2025, 9, 30))["EECR05"]["total"] == 0


def test_example_8_job_seeking_then_employed_in_the_window(project, raiser):
    person(
        project, raiser, exit=D(2024, 12, 1), events=[(D(2024, 12, 1), "job_seeking"), (D(2024, 12, 21), "employed")]
    )
    ind = report(project)
    assert (ind["EECR04"]["total"], ind["EECR01"]["total"]) == (1, 0)


def test_example_9_employed_then_job_seeking_in_the_window(project, raiser):
    person(
        project, raiser, exit=D(2024, 12, 1), events=[(D(2024, 12, 2), "employed"), (D(2024, 12, 26), "job_seeking")]
    )
    ind = report(project)
    assert (ind["EECR04"]["total"], ind["EECR01"]["total"]) == (0, 1)


def test_example_10_one_municipality_supported_three_times_counts_once(project, raiser):
    for day in (D(2024, 3, 1), D(2024, 4, 1), D(2024, 5, 1)):
        SupportRecord.objects.create(project=project, organisation=raiser, date=day, kind="advice", direct=True)
    assert report(project)["EECO18"] == {"total": 1}


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


def test_the_window_is_28_days_inclusive_and_nothing_in_it_is_no_result(project, raiser):
    person(project, raiser, exit=D(2024, 12, 1), events=[(D(2024, 12, 29), "employed")])  # day 28: in
    person(project, raiser, exit=D(2024, 12, 1), events=[(D(2024, 12, 30), "employed")])  # day 29: out
    person(project, raiser, exit=D(2024, 12, 1), events=[(D(2024, 11, 30), "employed")])  # before exit: out
    person(project, raiser, exit=D(2024, 12, 1))
    assert report(project)["EECR04"]["total"] == 1


def test_several_events_on_one_date_the_one_recorded_last_counts(project, raiser):
    person(project, raiser, exit=D(2024, 12, 1), events=[(D(2024, 12, 5), "employed"), (D(2024, 12, 5), "job_seeking")])
    ind = report(project)
    assert (ind["EECR01"]["total"], ind["EECR04"]["total"]) == (1, 0)


def test_milestones_do_not_replace_the_situation(project, raiser):
    person(
        project, raiser, exit=D(2024, 12, 1), events=[(D(2024, 12, 2), "employed"), (D(2024, 12, 20), "qualification")]
    )
    assert report(project)["EECR04"]["total"] == 1


def test_education_any_time_in_the_window_counts_even_if_not_last(project, raiser):
    person(project, raiser, exit=D(2024, 12, 1), events=[(D(2024, 12, 2), "education"), (D(2024, 12, 20), "employed")])
    ind = report(project)
    assert (ind["EECR02"]["total"], ind["EECR04"]["total"]) == (1, 1)


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
    person(project, raiser, entry=D(2023, 1, 1), exit=exit, events=[(exit, "employed")])
    assert report(project, six, six)["EECR05"]["total"] == 1
    assert report(project, six + dt.timedelta(days=1), six + dt.timedelta(days=40))["EECR05"]["total"] == 0


def test_situation_at_six_months_is_the_last_event_up_to_that_date(project, raiser):
    person(project, raiser, exit=D(2024, 12, 1), events=[(D(2024, 12, 10), "employed"), (D(2025, 5, 1), "job_seeking")])
    person(
        project,
        raiser,
        exit=D(2024, 12, 1),
        events=[(D(2024, 12, 10), "job_seeking"), (D(2025, 6, 1), "self_employed")],
    )
    person(project, raiser, exit=D(2024, 12, 1), events=[(D(2025, 6, 2), "employed")])  # after S: no
    assert report(project, D(2025, 6, 1), D(2025, 6, 1))["EECR05"]["total"] == 1


def test_improved_counts_only_for_people_employed_at_entry_after_exit_up_to_s(project, raiser):
    person(project, raiser, status="employed", exit=D(2024, 12, 1), events=[(D(2025, 3, 1), "improved")])
    person(
        project, raiser, status="employed", exit=D(2024, 12, 1), events=[(D(2024, 12, 1), "improved")]
    )  # on exit: no
    person(project, raiser, status="employed", exit=D(2024, 12, 1), events=[(D(2025, 6, 2), "improved")])  # after S
    assert report(project, D(2025, 6, 1), D(2025, 6, 1))["EECR06"]["total"] == 1


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
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert set(data) == {"project", "from", "to", "indicators", "warnings"}
    assert (data["project"], data["from"], data["to"]) == ("23-051-S06", "2024-01-01", "2024-03-31")
    assert list(data["indicators"]) == ALL_CODES
    assert data["indicators"]["EECO01"] == {"women": 0, "men": 1, "non_binary": 0, "total": 1}
    assert data["indicators"]["EECO19"] == {"total": 0}


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


# --- Property test against a Python reference ---------------------------------------------------------------
def reference(participants: list[dict], start: dt.date, end: dt.date) -> dict[str, dict[str, int]]:
    """The definitions read literally, one participant at a time."""
    result = {code: dict.fromkeys(CELLS, 0) for code in ALL_CODES if code not in ("EECO18", "EECO19")}
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
            for flag, code in (("disability", "EECO12"), ("rural", "EECO17")):
                if p[flag]:
                    hit(code, p)
        exit_ = p["exit"]
        if exit_ is None:
            continue
        events = p["events"]  # in recording order
        window_end = exit_ + dt.timedelta(days=28)

        def last_situation(until: dt.date, events=events, exit_=exit_) -> str | None:
            candidates = [(d, i, e) for i, (d, e) in enumerate(events) if e in SITUATION_EVENTS and exit_ <= d <= until]
            return max(candidates)[2] if candidates else None

        if start <= exit_ <= end:
            situation = last_situation(window_end)
            if situation == "job_seeking":
                hit("EECR01", p)
            if any(e == "education" and exit_ <= d <= window_end for d, e in events):
                hit("EECR02", p)
            if any(e == "qualification" and entry <= d <= window_end for d, e in events):
                hit("EECR03", p)
            if situation in ("employed", "self_employed"):
                hit("EECR04", p)
        six = add_months_clamped(exit_, 6)
        if start <= six <= end:
            if last_situation(six) in ("employed", "self_employed"):
                hit("EECR05", p)
            if p["status"] == "employed" and any(e == "improved" and exit_ < d <= six for d, e in events):
                hit("EECR06", p)
    return result


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
            st.tuples(st.integers(min_value=0, max_value=220), st.sampled_from(event_kinds)),
            max_size=4,
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
        # Events cluster around the exit date so the 28-day window and the six-month date are often hit.
        "events": [(max(entry, (exit_ or entry) + dt.timedelta(days=offset - 10)), kind) for offset, kind in events],
    }


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(people=st.lists(participant_data(), min_size=0, max_size=12), period=st.tuples(dates, dates))
def test_sql_aggregation_equals_the_python_reference(project, raiser, people, period):
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
    got = esf_report(project, start, end).indicators
    expected = reference(people, start, end)
    for code, cells in expected.items():
        assert got[code] == cells, code
