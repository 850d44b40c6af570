"""`manage.py import_participants`: columns, every kind of row error (file, row, column, message in the active
language), all-or-nothing, project creation, the raising organisation, idempotent re-import."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from directory.factories import ForbundFactory
from kernel.models import AuditLog
from matchmaking.imports import OUTCOME_COLUMNS, PARTICIPANT_COLUMNS, participant_import
from matchmaking.models import FundedProject, LabourMarketEvent, Participant
from tests.personnummer import SWEDISH_MESSAGE, WRITINGS

HEADER = ",".join(PARTICIPANT_COLUMNS)
# Two good participants in Luleå (2580): A1 unemployed and left; A2 employed at entry.
GOOD_PARTICIPANTS = [
    "A1,woman,1997-06-15,2024-06-15,2024-12-01,unemployed,14,3-4,ja,nej,0,1,false,true,2580",
    "A2,man,1980-03-01,2024-02-01,2024-09-30,employed,,5-8,,,,,,,2580",
]
GOOD_OUTCOMES = [
    "A1,2024-12-10,employed",
    "A2,2024-10-15,employed",
    "A2,2025-01-20,improved,promotion",
]


def csv_text(header: str, rows: list[str]) -> str:
    return "\n".join([header, *rows]) + "\n"


@pytest.fixture
def files(tmp_path):
    """Write the two CSV files (default: the good ones) and return their paths."""

    def write(participants: list[str] | None = None, outcomes: list[str] | None = None, *, header: str = HEADER):
        p = tmp_path / "participants.csv"
        o = tmp_path / "outcomes.csv"
        p.write_text(csv_text(header, GOOD_PARTICIPANTS if participants is None else participants), encoding="utf-8")
        o.write_text(
            csv_text(",".join(OUTCOME_COLUMNS), GOOD_OUTCOMES if outcomes is None else outcomes), encoding="utf-8"
        )
        return p, o

    return write


def run(paths, *options: str, language: str = "en", project: str = "23-051-S06") -> tuple[int, str, str]:
    """Run the command; returns (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    args = [*options]
    if "--project-name" not in options:
        args += ["--project-name", "Samverkan för ASF i södra Norrbotten 2.0"]
    with translation.override(language):
        try:
            call_command("import_participants", *map(str, paths), "--project", project, *args, stdout=out, stderr=err)
        except CommandError as error:
            err.write(str(error))
            return error.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def nothing_saved() -> bool:
    return not (Participant.objects.exists() or LabourMarketEvent.objects.exists() or FundedProject.objects.exists())


# --- The happy path -------------------------------------------------------------------------------------------
def test_import_creates_the_project_participants_and_events(world, files):
    status, out, err = run(files())
    assert status == 0, err
    project = FundedProject.objects.get(diarienummer="23-051-S06")
    assert project.name == "Samverkan för ASF i södra Norrbotten 2.0"
    a1 = Participant.objects.get(project=project, code="A1")
    assert a1.raised_by_organisation == world.muni_x  # Luleå kommun: kommunkod 2580, kind municipality
    assert (a1.gender, a1.birth_date, a1.exit_date, a1.unemployed_months, a1.isced) == (
        "woman",
        dt.date(1997, 6, 15),
        dt.date(2024, 12, 1),
        14,
        "3-4",
    )
    assert (a1.disability, a1.third_country_national, a1.foreign_background, a1.minority, a1.homeless, a1.rural) == (
        True,
        False,
        False,
        True,
        False,
        True,
    )
    a2 = Participant.objects.get(code="A2")
    assert a2.unemployed_months is None and a2.isced == "5-8" and not a2.disability
    assert list(LabourMarketEvent.objects.order_by("id").values_list("participant__code", "date", "event")) == [
        ("A1", dt.date(2024, 12, 10), "employed"),
        ("A2", dt.date(2024, 10, 15), "employed"),
        ("A2", dt.date(2025, 1, 20), "improved"),
    ]
    assert "Created the project" in out and "2 participants were created." in out


def test_the_import_is_audited_without_personal_values(world, files):
    run(files())
    row = AuditLog.objects.get(action="participant.import")
    assert row.data == {
        "created": 2,
        "updated": 0,
        "outcomes_created": 3,
        "outcomes_completed": 0,
        "project_created": True,
    }
    assert "1997" not in str(row.data)


def test_semicolons_and_a_bom_from_swedish_excel_are_read(world, tmp_path):
    p = tmp_path / "deltagare.csv"
    o = tmp_path / "utfall.csv"
    p.write_bytes(("\ufeff" + csv_text(HEADER, GOOD_PARTICIPANTS).replace(",", ";")).encode())
    o.write_bytes(("\ufeff" + csv_text(",".join(OUTCOME_COLUMNS), GOOD_OUTCOMES).replace(",", ";")).encode())
    status, _out, err = run((p, o))
    assert status == 0, err
    assert Participant.objects.count() == 2


# --- The project -------------------------------------------------------------------------------------------------
def test_an_unknown_project_without_a_name_is_refused_and_nothing_saved(world, files):
    paths = files()
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command("import_participants", *map(str, paths), "--project", "24-001-X", stdout=out, stderr=err)
    assert error.value.returncode == 1
    assert "--project-name: The project 24-001-X does not exist yet" in err.getvalue()
    assert nothing_saved()


def test_an_existing_project_is_used_and_keeps_its_name(world, files):
    project = FundedProject.objects.create(forbund=ForbundFactory(), diarienummer="23-051-S06", name="Samverkan 2.0")
    status, out, _err = run(files(), "--project-name", "Another name")
    assert status == 0
    project.refresh_from_db()
    assert project.name == "Samverkan 2.0"
    assert Participant.objects.filter(project=project).count() == 2
    assert "Created the project" not in out


# --- The raising organisation ---------------------------------------------------------------------------------
@pytest.mark.parametrize("orgnr", ["212000-2742", "2120002742", "16212000-2742", "16 2120002742"])
def test_the_organisation_option_takes_an_orgnr_in_any_written_form(world, files, orgnr):
    # Piteå's participants, raised by Luleå kommun as the option says (not by the row's municipality).
    rows = [row.replace(",2580", ",2581") for row in GOOD_PARTICIPANTS]
    status, _out, err = run(files(rows), "--organisation", orgnr)
    assert status == 0, err
    assert set(Participant.objects.values_list("raised_by_organisation", flat=True)) == {world.muni_x.pk}
    assert set(Participant.objects.values_list("municipality", flat=True)) == {"2581"}


def test_without_the_option_each_row_is_raised_by_its_municipality(world, files):
    rows = [GOOD_PARTICIPANTS[0], GOOD_PARTICIPANTS[1].replace(",2580", ",2581")]
    assert run(files(rows))[0] == 0
    assert Participant.objects.get(code="A1").raised_by_organisation == world.muni_x
    assert Participant.objects.get(code="A2").raised_by_organisation == world.muni_y  # Piteå kommun


@pytest.mark.parametrize(
    ("orgnr", "message"),
    [
        ("222000-2205", "--organisation: The organisation number's check digit is wrong"),
        ("556036-0793", "--organisation: No organisation with organisation number 556036-0793 is registered"),
    ],
)
def test_a_wrong_organisation_option_is_refused(world, files, orgnr, message):
    status, _out, err = run(files(), "--organisation", orgnr)
    assert status == 1
    assert message in err
    assert nothing_saved()


@pytest.mark.parametrize("options", [(), ("--organisation", "212000-2742")], ids=["by municipality", "raiser given"])
def test_four_digits_that_are_no_municipality_are_an_error_on_that_row(world, files, options):
    rows = [GOOD_PARTICIPANTS[0], GOOD_PARTICIPANTS[1].replace(",2580", ",9999")]
    status, _out, err = run(files(rows, GOOD_OUTCOMES[:1]), *options)
    assert status == 1
    assert "participants.csv, row 3, column municipality: 9999 is not a Swedish municipality code." in err
    assert nothing_saved()


def test_a_municipality_without_a_municipality_organisation_is_an_error_on_that_row(world, files):
    rows = [GOOD_PARTICIPANTS[0], GOOD_PARTICIPANTS[1].replace(",2580", ",2584")]  # Kiruna: not registered
    status, _out, err = run(files(rows, GOOD_OUTCOMES[:1]))
    assert status == 1
    assert "participants.csv, row 3, column municipality: No municipality with code 2584" in err
    assert nothing_saved()


# --- Every kind of error, with its file, row and column ---------------------------------------------------
def _p(index: int, **changes: str) -> list[str]:
    """The good participant rows with one cell of row `index` changed."""
    rows = [row.split(",") for row in GOOD_PARTICIPANTS]
    for column, value in changes.items():
        rows[index][PARTICIPANT_COLUMNS.index(column)] = value
    return [",".join(row) for row in rows]


ERROR_CASES = [
    # (participants, outcomes, expected line start, expected message fragment)
    pytest.param(
        None,
        [*GOOD_OUTCOMES, "Z9,2024-12-10,employed"],
        "outcomes.csv, row 5, column participant_code:",
        "There is no participant with the code Z9",
        id="unknown participant code in outcomes",
    ),
    pytest.param(
        _p(0, exit_date="2024-06-01"),
        None,
        "participants.csv, row 2, column exit_date:",
        "The exit date cannot be before the entry date.",
        id="exit before entry",
    ),
    pytest.param(
        None,
        [*GOOD_OUTCOMES, "A1,2025-06-01,improved"],
        "outcomes.csv, row 5, column event:",
        "applies only to participants who were employed at entry",
        id="improved for someone not employed at entry",
    ),
    pytest.param(
        None,
        [*GOOD_OUTCOMES, "A2,2025-02-01,improved,"],
        "outcomes.csv, row 5, column criterion:",
        "Say what improved: a more stable contract, more hours, a job needing higher skills or a promotion.",
        id="improved without its criterion",
    ),
    pytest.param(
        None,
        [*GOOD_OUTCOMES, "A2,2025-02-01,improved,pay_rise"],
        "outcomes.csv, row 5, column criterion:",
        "Value 'pay_rise' is not a valid choice. Use one of: stable_contract, more_hours, higher_skilled, promotion.",
        id="a criterion that is not one of the four",
    ),
    pytest.param(
        None,
        [*GOOD_OUTCOMES, "A2,2025-02-01,employed,promotion"],
        "outcomes.csv, row 5, column criterion:",
        "What improved is given only for an improved labour-market situation.",
        id="a criterion on another event",
    ),
    pytest.param(
        None,
        [*GOOD_OUTCOMES, "A1,2999-01-01,employed"],
        "outcomes.csv, row 5, column date:",
        "A labour-market event cannot be dated in the future: record it when it has happened.",
        id="an event in the future",
    ),
    pytest.param(
        _p(0, status_at_entry="unemployed;inactive"),
        None,
        "participants.csv, row 2, column status_at_entry:",
        "Give exactly one status at entry",
        id="a second status value",
    ),
    pytest.param(
        _p(1, entry_date="2024-13-01"),
        None,
        "participants.csv, row 3, column entry_date:",
        "invalid date",
        id="an impossible date",
    ),
    pytest.param(
        _p(1, birth_date="01/03/1980"),
        None,
        "participants.csv, row 3, column birth_date:",
        "It must be in YYYY-MM-DD format",
        id="a date in the wrong format",
    ),
    pytest.param(
        None,
        ["A1,10 dec 2024,employed"],
        "outcomes.csv, row 2, column date:",
        "It must be in YYYY-MM-DD format",
        id="a bad outcome date",
    ),
    pytest.param(
        _p(0, homeless="kanske"),
        None,
        "participants.csv, row 2, column homeless:",
        "Write true or false (or 1 or 0, ja or nej).",
        id="a boolean that is not one",
    ),
    pytest.param(
        _p(0, gender="female"),
        None,
        "participants.csv, row 2, column gender:",
        "Value 'female' is not a valid choice.",
        id="unknown gender",
    ),
    pytest.param(
        _p(0, isced="9"),
        None,
        "participants.csv, row 2, column isced:",
        "Value '9' is not a valid choice.",
        id="unknown isced",
    ),
    pytest.param(
        _p(1, unemployed_months="5"),
        None,
        "participants.csv, row 3, column unemployed_months:",
        "Months of unemployment apply only to people unemployed at entry.",
        id="unemployed months for someone not unemployed",
    ),
    pytest.param(
        _p(0, unemployed_months=""),
        None,
        "participants.csv, row 2, column unemployed_months:",
        "Give the number of months of unemployment.",
        id="no months for someone unemployed",
    ),
    pytest.param(
        _p(0, unemployed_months="fjorton"),
        None,
        "participants.csv, row 2, column unemployed_months:",
        "Enter a whole number",
        id="months that are not a number",
    ),
    pytest.param(
        None,
        ["A1,2024-01-10,job_seeking"],
        "outcomes.csv, row 2, column date:",
        "A labour-market event cannot be dated before the entry date.",
        id="an outcome dated before entry",
    ),
    pytest.param(
        None,
        ["A1,2024-12-10,hired"],
        "outcomes.csv, row 2, column event:",
        "Value 'hired' is not a valid choice.",
        id="an unknown event",
    ),
    pytest.param(
        [*GOOD_PARTICIPANTS, GOOD_PARTICIPANTS[0]],
        None,
        "participants.csv, row 4, column code:",
        "The code A1 is already on row 2.",
        id="duplicate codes",
    ),
    pytest.param(
        _p(0, code="19900101-0017"),
        [],
        "participants.csv, row 2, column code:",
        "This looks like a Swedish personal identity number",
        id="a code that looks like a personnummer",
    ),
    pytest.param(
        _p(0, code="900101-0017"),
        [],
        "participants.csv, row 2, column code:",
        "This looks like a Swedish personal identity number",
        id="a code that looks like a 10-digit personnummer",
    ),
    pytest.param(
        _p(0, code="Anna Svensson"),
        [],
        "participants.csv, row 2, column code:",
        "Letters, digits, '-', '_' and '.' only.",
        id="a name as a code",
    ),
    pytest.param(
        _p(0, municipality="Luleå"),
        [],
        "participants.csv, row 2, column municipality:",
        "A municipality code has exactly four digits",
        id="a municipality name instead of its code",
    ),
    pytest.param(
        _p(0, birth_date=""),
        [],
        "participants.csv, row 2, column birth_date:",
        "This field cannot be null.",
        id="a missing birth date",
    ),
]


@pytest.mark.parametrize(("participants", "outcomes", "where", "message"), ERROR_CASES)
def test_each_error_names_file_row_and_column_and_nothing_is_saved(
    world, files, participants, outcomes, where, message
):
    status, _out, err = run(files(participants, outcomes))
    assert status == 1
    lines = [line for line in err.splitlines() if line.startswith(where)]
    assert lines, err
    assert any(message in line for line in lines), err
    assert "nothing was saved" in err
    assert nothing_saved()


def test_all_errors_of_both_files_are_reported_in_one_run(world, files):
    status, _out, err = run(
        files(
            [*_p(0, gender="x", rural="maybe"), "B1,woman,1990-01-01,2024-01-01,,inactive;employed,,,,,,,,,2580"],
            [
                "A1,2024-12-10,employed",
                "Q7,2024-12-10,employed",
            ],
        )
    )
    assert status == 1
    assert "participants.csv, row 2, column gender:" in err
    assert "participants.csv, row 2, column rural:" in err
    assert "participants.csv, row 4, column status_at_entry:" in err
    assert "outcomes.csv, row 3, column participant_code:" in err
    assert "outcomes.csv, row 2" not in err  # A1 has a row with errors: reported there, not as unknown


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (HEADER.replace(",rural", ""), "Required columns are missing: rural."),
        (HEADER + ",name", "Unknown columns: name."),
        (HEADER.replace("gender", "kön"), "Unknown columns: kön."),
        (HEADER + ",code", "These columns appear more than once: code."),
    ],
)
def test_the_columns_must_be_exactly_the_documented_ones(world, files, header, message):
    status, _out, err = run(files(header=header))
    assert status == 1
    assert f"participants.csv: {message}" in err
    assert nothing_saved()


def test_trailing_empty_columns_from_excel_are_ignored(world, files):
    rows = [row + ";;" for row in (HEADER, *GOOD_PARTICIPANTS)]
    p, o = files()
    p.write_text("\n".join(row.replace(",", ";") for row in rows) + "\n", encoding="utf-8")
    status, _out, err = run((p, o))
    assert status == 0, err
    assert Participant.objects.count() == 2


def test_an_excel_workbook_is_refused_with_advice(world, tmp_path, files):
    _p_path, o = files()
    workbook = tmp_path / "participants.xlsx"
    workbook.write_bytes(b"PK\x03\x04 not really a workbook")
    status, _out, err = run((workbook, o))
    assert status == 1
    assert "participants.xlsx: This looks like an Excel workbook" in err


def test_a_file_that_is_not_utf8_is_refused_with_advice(world, files):
    p, o = files()
    p.write_bytes(p.read_text(encoding="utf-8").replace("A1", "Å1").encode("latin-1"))
    status, _out, err = run((p, o))
    assert status == 1
    assert "participants.csv: The file is not UTF-8 text." in err
    assert nothing_saved()


def test_an_outcomes_file_without_the_criterion_column_imports_when_it_has_no_improved_row(world, files, tmp_path):
    p, o = files(None, [])
    o.write_text(csv_text("participant_code,date,event", GOOD_OUTCOMES[:2]), encoding="utf-8")
    status, _out, err = run((p, o))
    assert status == 0, err
    assert LabourMarketEvent.objects.count() == 2


@pytest.mark.parametrize(
    ("language", "line"),
    [
        (
            "en",
            "outcomes.csv, row 3, column criterion: An improved situation needs a criterion, and this file has no "
            "criterion column.",
        ),
        (
            "sv",
            "outcomes.csv, rad 3, kolumn criterion: En förbättrad situation behöver ett kriterium, och filen har "
            "ingen kolumn criterion.",
        ),
    ],
)
def test_an_improved_row_in_a_file_without_the_criterion_column_is_refused(world, files, language, line):
    p, o = files(None, [])
    o.write_text(
        csv_text("participant_code,date,event", [GOOD_OUTCOMES[0], "A2,2025-01-20,improved"]), encoding="utf-8"
    )
    status, _out, err = run((p, o), language=language)
    assert status == 1
    assert line in err, err
    assert nothing_saved()


def test_an_event_in_the_future_is_refused_in_swedish_too(world, files):
    status, _out, err = run(files(None, ["A1,2999-01-01,employed"]), language="sv")
    assert status == 1
    assert "En arbetsmarknadshändelse kan inte ha ett datum i framtiden" in err
    assert nothing_saved()


def test_a_re_import_completes_an_improved_event_recorded_without_a_criterion(world, files):
    """An `improved` event recorded before criteria were required stays without one until a row gives it."""
    assert run(files(None, GOOD_OUTCOMES[:2]))[0] == 0
    a2 = Participant.objects.get(code="A2")
    legacy = LabourMarketEvent.objects.create(participant=a2, date=dt.date(2025, 1, 20), event="improved")
    status, out, err = run(files(None, GOOD_OUTCOMES))  # the same event, now with its criterion
    assert status == 0, err
    assert (
        "0 labour-market events were added. 2 labour-market events were already there. "
        "1 labour-market event was completed with what improved." in out
    )
    legacy.refresh_from_db()
    assert legacy.criterion == "promotion"
    assert LabourMarketEvent.objects.filter(event="improved").count() == 1
    assert AuditLog.objects.filter(action="participant.import").order_by("pk").last().data["outcomes_completed"] == 1


def test_a_header_only_outcomes_file_imports_participants_alone(world, files):
    status, _out, _err = run(files(None, []))
    assert status == 0
    assert Participant.objects.count() == 2 and not LabourMarketEvent.objects.exists()


# --- All or nothing -------------------------------------------------------------------------------------------
def test_one_bad_row_among_good_ones_saves_nothing_not_even_the_new_project(world, files):
    rows = [*GOOD_PARTICIPANTS, "A3,non_binary,2001-05-05,2024-03-01,2024-02-01,inactive,,0-2,,,,,,,2580"]
    status, _out, err = run(files(rows))
    assert status == 1
    assert "participants.csv, row 4, column exit_date:" in err
    assert nothing_saved()
    assert not AuditLog.objects.filter(action="participant.import").exists()


def test_a_failed_re_import_leaves_the_existing_data_unchanged(world, files):
    assert run(files())[0] == 0
    before = list(Participant.objects.order_by("code").values())
    events_before = LabourMarketEvent.objects.count()
    status, _out, _err = run(
        files([*_p(0, gender="woman", isced="0-2"), "B1,man,bad,2024-01-01,,inactive,,,,,,,,,2580"])
    )
    assert status == 1
    assert list(Participant.objects.order_by("code").values()) == before
    assert LabourMarketEvent.objects.count() == events_before


def test_the_service_reports_the_same_without_the_command(world):
    report = participant_import(
        actor=None,
        project="23-051-S06",
        project_name="Samverkan",
        participants=csv_text(HEADER, _p(0, exit_date="2020-01-01")),
        outcomes=csv_text(",".join(OUTCOME_COLUMNS), []),
    )
    assert not report.ok and not report.saved
    assert [(e.file, e.row, e.column) for e in report.errors] == [("participants.csv", 2, "exit_date")]
    assert nothing_saved()


# --- Re-importing ------------------------------------------------------------------------------------------
def test_importing_the_same_files_twice_changes_nothing(world, files):
    paths = files()
    assert run(paths)[0] == 0
    first = list(Participant.objects.order_by("code").values("pk", "code", "gender", "exit_date"))
    events = list(LabourMarketEvent.objects.order_by("id").values_list("pk", "participant__code", "date", "event"))
    status, out, _err = run(paths)
    assert status == 0
    assert (
        "0 participants were created. 2 participants were updated. 0 labour-market events were added. "
        "3 labour-market events were already there." in out
    )
    assert list(Participant.objects.order_by("code").values("pk", "code", "gender", "exit_date")) == first
    assert list(LabourMarketEvent.objects.order_by("id").values_list("pk", "participant__code", "date", "event")) == (
        events
    )
    assert FundedProject.objects.count() == 1


def test_a_re_import_updates_participants_and_adds_only_new_events(world, files):
    assert run(files())[0] == 0
    status, out, _err = run(
        files(_p(0, exit_date="2024-12-15", isced="0-2"), [*GOOD_OUTCOMES, "A1,2025-06-01,education"])
    )
    assert status == 0
    a1 = Participant.objects.get(code="A1")
    assert (a1.exit_date, a1.isced) == (dt.date(2024, 12, 15), "0-2")
    assert "1 labour-market event was added. 3 labour-market events were already there." in out
    assert LabourMarketEvent.objects.filter(participant=a1).count() == 2


def test_repeated_event_rows_in_one_file_are_added_once(world, files):
    assert run(files(None, [*GOOD_OUTCOMES, GOOD_OUTCOMES[0]]))[0] == 0
    assert LabourMarketEvent.objects.count() == 3


def test_same_code_in_another_project_is_another_participant(world, files):
    paths = files()
    assert run(paths)[0] == 0
    assert run(paths, "--project-name", "Ett annat projekt", project="24-002-Y")[0] == 0
    assert Participant.objects.filter(code="A1").count() == 2


def test_outcomes_may_refer_to_participants_imported_earlier(world, files):
    assert run(files())[0] == 0
    assert run(files([], ["A1,2025-06-01,education"]))[0] == 0
    assert LabourMarketEvent.objects.filter(participant__code="A1", event="education").exists()


def test_an_update_that_no_longer_fits_recorded_events_is_refused(world, files):
    assert run(files())[0] == 0
    # A2 has an `improved` event; it is only possible for someone employed at entry.
    status, _out, err = run(files(_p(1, status_at_entry="inactive"), []))
    assert status == 1
    assert "participants.csv, row 3, column status_at_entry: The event improved of 2025-01-20 already recorded" in err
    assert Participant.objects.get(code="A2").status_at_entry == "employed"


@pytest.mark.security("K56")
@pytest.mark.adversarial("K")
@pytest.mark.parametrize("option", ["--project-name", "--project"])
def test_a_personnummer_in_a_new_projects_name_or_reference_number_is_refused(world, files, option):
    value = f"Projekt {WRITINGS['en dash glued to ref-']}"
    if option == "--project":
        status, _out, err = run(files(), language="sv", project=value)
    else:
        status, _out, err = run(files(), "--project-name", value, language="sv")
    assert status == 1
    assert SWEDISH_MESSAGE in err
    assert nothing_saved()


# --- Language -------------------------------------------------------------------------------------------------
def test_messages_come_in_swedish_when_swedish_is_active(world, files):
    paths = files(_p(0, gender="kvinnlig", code="19900101-0017", entry_date="2024-02-30"), [])
    status, _out, err = run(paths, language="sv")
    assert status == 1
    assert "participants.csv, rad 2, kolumn gender: Värdet 'kvinnlig' är inget giltigt alternativ." in err
    assert "participants.csv, rad 2, kolumn code: Det här ser ut som ett personnummer eller samordningsnummer." in err
    assert "men det är ett ogiltigt datum" in err
    assert "is not a valid choice" not in err and ", row 2, column" not in err


def test_the_language_option_overrides_the_active_language(world, files):
    paths = files(_p(0, gender="kvinnlig"), [])
    status, _out, err = run(paths, "--language", "sv", language="en")
    assert status == 1
    assert "Värdet 'kvinnlig' är inget giltigt alternativ." in err


def test_messages_come_in_english_when_english_is_active(world, files):
    status, _out, err = run(files(_p(0, gender="kvinnlig"), []), language="en")
    assert status == 1
    assert "Value 'kvinnlig' is not a valid choice." in err
