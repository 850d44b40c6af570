"""Import of organisations from CSV (service, command, upload page) and export of a search as CSV/XLSX."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from directory.access import actor_for
from directory.factories import CoordinatorFactory
from directory.import_export import exports, imports
from directory.import_export.imports import organisation_import
from directory.models import Municipality, Organisation, OrganisationChange, ServiceCategory
from directory.search import reindex
from kernel import tabular
from kernel.models import AuditLog
from tests.conftest import give_totp
from tests.factories import OrganisationFactory, make_orgnr
from tests.personnummer import DATE, LAST_FOUR, SWEDISH_MESSAGE, WRITINGS


@pytest.fixture(autouse=True)
def _english_unless_a_test_says_otherwise(settings):
    """These tests were written against the English source strings; Swedish is checked where a test
    activates it explicitly."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


HEADER = "orgnr,name,kind,kommunkod,employees"


def orgnr(n: int) -> str:
    """A valid orgnr that the factories never produce (prefix 802: ideella föreningar)."""
    return make_orgnr("802", n)


def csv_of(*lines: str, header: str = HEADER) -> str:
    return "\n".join([header, *lines]) + "\n"


def read_csv_response(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


@pytest.fixture
def coordinator(db):
    user = CoordinatorFactory(email="coord@example.se")
    give_totp(user)
    return user


# --- The service: a valid file ----------------------------------------------------------------------------
def test_a_valid_file_creates_the_organisations_with_their_profiles(coordinator):
    header = HEADER + ",website,takes_placements,placement_capacity,services,municipalities_served,sni_codes,published"
    text = csv_of(
        f"{orgnr(1)},Returen Trädgård,asf,2580,12,returen.example.se,ja,3,tradgard-skog|aterbruk,2580|2581,81.300,true",
        f"{orgnr(2)},Piteå Folkhögskola,education_public,2581,,https://pfhs.example.se,false,,,,,nej",
        header=header,
    )
    report = organisation_import(actor=actor_for(coordinator), rows_or_file=text)

    assert report.ok and report.saved
    assert (report.created, report.updated, report.failed_rows) == (2, 0, 0)
    returen = Organisation.objects.get(orgnr=orgnr(1))
    assert returen.website == "https://returen.example.se"
    assert returen.employees == 12
    assert returen.takes_placements is True and returen.placement_capacity == 3
    assert sorted(returen.services.values_list("slug", flat=True)) == ["aterbruk", "tradgard-skog"]
    assert sorted(returen.municipalities_served.values_list("code", flat=True)) == ["2580", "2581"]
    assert returen.sni_codes == ["81300"]
    assert "tradgard" in returen.search_text  # the search index was updated
    school = Organisation.objects.get(orgnr=orgnr(2))
    assert school.employees is None and school.published is False and school.takes_placements is False


@pytest.mark.parametrize("written", ["local_government_association", "Kommunalförbund", "KOMMUNALFÖRBUND"])
def test_a_kommunalforbund_is_imported_by_its_code_or_its_name(coordinator, written):
    report = organisation_import(
        actor=actor_for(coordinator),
        rows_or_file=csv_of(f"2220002204,Samordningsförbundet Södra Norrbotten,{written},2580,"),
    )
    assert report.ok, [str(e) for e in report.errors]
    assert Organisation.objects.get(orgnr="2220002204").kind == "local_government_association"


def test_a_semicolon_file_with_a_bom_and_decimal_commas_from_swedish_excel_is_read(coordinator):
    text = "\ufefforgnr;name;kind;kommunkod;employees;latitude;longitude\r\n"
    text += f"{orgnr(3)};Kvarnen;asf;2581;4;65,316700;21,480000\r\n;;;;;;\r\n"
    report = organisation_import(actor=actor_for(coordinator), rows_or_file=text.encode("utf-8"))

    assert report.ok, [str(e) for e in report.errors]
    kvarnen = Organisation.objects.get(orgnr=orgnr(3))
    assert (kvarnen.latitude, kvarnen.longitude) == (Decimal("65.316700"), Decimal("21.480000"))


def test_header_names_are_case_insensitive_and_a_missing_leading_zero_in_a_kommunkod_is_restored(coordinator):
    report = organisation_import(
        actor=actor_for(coordinator), rows_or_file=csv_of(f"{orgnr(4)},Sthlm AB,business,180,", header=HEADER.upper())
    )

    assert report.ok
    assert Organisation.objects.get(orgnr=orgnr(4)).kommunkod_id == "0180"


# --- Errors per row and column ----------------------------------------------------------------------------
BAD_ROWS = csv_of(
    f"{orgnr(10)},Bra AB,business,2580,5",
    f"{orgnr(11)},Fel kommun AB,business,25x0,5",
    "12345,Fel orgnr AB,business,2580,5",
    f"{orgnr(12)},,business,2580,många",
)


def _errors(report) -> set[tuple[int | None, str, str]]:
    return {(e.row, e.column, str(e.message)) for e in report.errors}


def test_errors_name_row_and_column_in_english(coordinator):
    with translation.override("en"):
        report = organisation_import(actor=actor_for(coordinator), rows_or_file=BAD_ROWS)
        lines = [str(error) for error in report.errors]

    assert _errors(report) == {
        (3, "kommunkod", "A municipality code has exactly four digits, e.g. 2580."),
        (4, "orgnr", "Enter an organisation number as NNNNNN-NNNN (10 digits)."),
        (5, "name", "This field cannot be blank."),
        (5, "employees", "Enter a whole number."),
    }
    assert "row 3, kommunkod: A municipality code has exactly four digits, e.g. 2580." in lines
    assert [(r.row, r.action) for r in report.rows] == [(2, "create"), (3, "error"), (4, "error"), (5, "error")]


def test_errors_are_in_swedish_when_swedish_is_active(coordinator):
    with translation.override("sv"):
        report = organisation_import(actor=actor_for(coordinator), rows_or_file=BAD_ROWS)
        errors = _errors(report)  # messages are translated when shown, in the language active then

    assert errors == {
        (3, "kommunkod", "En kommunkod består av exakt fyra siffror, till exempel 2580."),
        (4, "orgnr", "Ange organisationsnumret som NNNNNN-NNNN (10 siffror)."),
        (5, "name", "Detta fält får inte vara tomt."),
        (5, "employees", "Ange ett heltal."),
    }


def test_unknown_kind_service_municipality_and_sni_code_are_errors_on_their_columns(coordinator):
    header = HEADER + ",services,municipalities_served,sni_codes,takes_placements"
    text = csv_of(f"{orgnr(13)},X AB,bank,2580,1,städ|ingen-sådan,2580|9999,81.300|ABC,kanske", header=header)
    report = organisation_import(actor=actor_for(coordinator), rows_or_file=text)

    columns = {e.column: e.message for e in report.errors}
    assert set(columns) == {"kind", "services", "municipalities_served", "sni_codes", "takes_placements"}
    assert "bank" in columns["kind"]
    assert "städ" in columns["services"] and "ingen-sådan" in columns["services"]
    assert "9999" in columns["municipalities_served"] and "2580" not in columns["municipalities_served"]
    assert Organisation.objects.filter(orgnr=orgnr(13)).count() == 0


@pytest.mark.security("E26")
@pytest.mark.adversarial("E")
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("latitude", "1e999999"),
        ("latitude", "NaN"),
        ("latitude", "91"),
        ("employees", "-3"),
        ("employees", "9" * 5000),
        ("placement_capacity", "5000"),
        ("website", "javascript:alert(1)"),
        ("name", "x" * 10_000),
        ("name", "Kvarnen\x00"),
    ],
)
def test_out_of_range_and_hostile_values_are_cell_errors_not_crashes(coordinator, column, value):
    row = {"orgnr": orgnr(18), "name": "Gränsfall", "kind": "asf", "kommunkod": "2580", "employees": ""}
    row.update({"latitude": "", "longitude": "", "takes_placements": "ja", "placement_capacity": "", "website": ""})
    row[column] = value
    if column == "latitude":
        row["longitude"] = "21.5"
    text = ",".join(row) + "\n" + ",".join(row.values()) + "\n"

    report = organisation_import(actor=actor_for(coordinator), rows_or_file=text)

    assert {(e.row, e.column) for e in report.errors} == {(2, column)}
    assert not Organisation.objects.filter(orgnr=orgnr(18)).exists()


def test_a_cross_field_rule_of_the_model_is_reported_for_the_row(coordinator):
    text = csv_of(f"{orgnr(14)},Halv plats AB,business,2580,1,65.5", header=HEADER + ",latitude")
    report = organisation_import(actor=actor_for(coordinator), rows_or_file=text)

    assert [(e.row, e.column) for e in report.errors] == [(2, "")]
    assert "row 2: " in str(report.errors[0])


@pytest.mark.security("H40")
@pytest.mark.adversarial("H")
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("orgnr", "900101-0017"),
        ("orgnr", "19811218-9876"),
        ("name", "Anna 900101-0017"),
        ("description_sv", "pnr 811218-9876"),
    ],
)
def test_a_personnummer_anywhere_in_a_row_is_refused_and_nothing_is_stored(coordinator, column, value):
    row = {"orgnr": orgnr(15), "name": "Enskild firma", "kind": "business", "kommunkod": "2580", "employees": ""}
    row["description_sv"] = ""
    row[column] = value
    text = ",".join(row) + "\n" + ",".join(row.values()) + "\n"

    report = organisation_import(actor=actor_for(coordinator), rows_or_file=text)

    assert [e.column for e in report.errors] == [column]
    assert not report.saved
    assert not Organisation.objects.filter(orgnr=orgnr(15)).exists()


@pytest.mark.security("K56")
@pytest.mark.adversarial("K")
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("street_address", WRITINGS["en dash glued to ref-"]),
        ("street_address", WRITINGS["no-break spaces around a hyphen"]),
        ("city", WRITINGS["dot"]),
        ("phone", f"{DATE}-{LAST_FOUR}"),
        ("legal_name", WRITINGS["samordningsnummer with an en dash and spaces"]),
        ("description_en", WRITINGS["minus sign with spaces glued to tel-"]),
    ],
)
def test_any_writing_of_a_personnummer_in_an_imported_row_is_refused_in_swedish(coordinator, column, value):
    text = csv_of(f"{orgnr(15)},Ny AB,business,2580,1,{value}", header=f"{HEADER},{column}")
    with translation.override("sv"):
        report = organisation_import(actor=actor_for(coordinator), rows_or_file=text)
        messages = [str(e) for e in report.errors]
    assert [e.column for e in report.errors] == [column]
    assert SWEDISH_MESSAGE in messages[0]
    assert not report.saved
    assert not Organisation.objects.filter(orgnr=orgnr(15)).exists()


# --- Columns ----------------------------------------------------------------------------------------------
def test_unknown_columns_are_named_and_nothing_is_read(coordinator):
    report = organisation_import(
        actor=actor_for(coordinator),
        rows_or_file=csv_of(f"{orgnr(16)},A,asf,2580,1,x,y", header=HEADER + ",colour,Shoe size"),
    )

    assert len(report.errors) == 1 and report.errors[0].row is None
    assert "colour, shoe size" in report.errors[0].message
    assert not Organisation.objects.filter(orgnr=orgnr(16)).exists()


def test_missing_required_columns_give_one_clear_error(coordinator):
    report = organisation_import(actor=actor_for(coordinator), rows_or_file="orgnr,name\n" + f"{orgnr(17)},A\n")

    assert [e.message for e in report.errors] == ["Required columns are missing: kind, kommunkod, employees."]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"PK\x03\x04 an xlsx file", "Excel"),
        (b"orgnr,name,kind,kommunkod,employees\r\n", "no organisations"),
        (b'orgnr,name,kind,kommunkod,employees\n"5560000000,"Kvarnen\0","x\n', "not valid CSV"),
        ("orgnr,name,kind,kommunkod,employees\n5560000000,Kåre,asf,2580,1\n".encode("cp1252"), "UTF-8"),
    ],
)
def test_an_unreadable_file_gives_one_clear_error(coordinator, data, expected):
    with translation.override("en"):
        report = organisation_import(actor=actor_for(coordinator), rows_or_file=data)

    assert len(report.file_errors) == 1 and expected in report.file_errors[0].message
    assert not report.saved


# --- All or nothing, partial, dry run ---------------------------------------------------------------------
def test_one_bad_row_means_nothing_is_saved(coordinator):
    existing = OrganisationFactory(name="Före", orgnr=orgnr(20))
    text = csv_of(f"{orgnr(20)},Efter,asf,2580,1", f"{orgnr(21)},Ny AB,business,2580,2", f"{orgnr(22)},Trasig,asf,99,1")
    before = Organisation.objects.count()

    report = organisation_import(actor=actor_for(coordinator), rows_or_file=text)

    assert not report.saved and report.failed_rows == 1
    assert Organisation.objects.count() == before
    existing.refresh_from_db()
    assert existing.name == "Före"
    assert not OrganisationChange.objects.filter(organisation=existing).exists()
    audit = AuditLog.objects.get(action="organisation.import")
    assert audit.data["saved"] is False and audit.data["created"] == 0


def test_partial_saves_the_valid_rows_and_reports_the_others(coordinator):
    text = csv_of(
        f"{orgnr(23)},Ny AB,business,2580,2", f"{orgnr(24)},Trasig,asf,99,1", f"{orgnr(25)},Också ny,asf,2581,"
    )

    report = organisation_import(actor=actor_for(coordinator), rows_or_file=text, partial=True)

    assert report.saved and (report.created, report.failed_rows) == (2, 1)
    assert [(e.row, e.column) for e in report.errors] == [(3, "kommunkod")]
    assert set(
        Organisation.objects.filter(orgnr__in=[orgnr(23), orgnr(24), orgnr(25)]).values_list("name", flat=True)
    ) == {
        "Ny AB",
        "Också ny",
    }
    assert sorted(report.organisation_ids) == sorted(
        Organisation.objects.filter(orgnr__in=[orgnr(23), orgnr(25)]).values_list("pk", flat=True)
    )


def test_a_dry_run_saves_nothing_and_tells_what_would_happen(coordinator):
    existing = OrganisationFactory(name="Före", orgnr=orgnr(26))
    text = csv_of(f"{orgnr(26)},Efter,asf,2580,1", f"{orgnr(27)},Ny AB,business,2580,2")
    before = Organisation.objects.count()

    report = organisation_import(actor=actor_for(coordinator), rows_or_file=text, dry_run=True)

    assert report.dry_run and not report.saved and report.can_save
    assert [(r.row, r.action) for r in report.rows] == [(2, "update"), (3, "create")]
    assert Organisation.objects.count() == before
    existing.refresh_from_db()
    assert existing.name == "Före"
    assert not AuditLog.objects.filter(action="organisation.import").exists()


# --- Duplicates and updates -------------------------------------------------------------------------------
def test_the_same_orgnr_twice_in_the_file_is_an_error_on_the_second_row_however_it_is_written(coordinator):
    text = csv_of(
        "222000-2204,Första,asf,2580,1",
        f"{orgnr(30)},Annan,asf,2580,1",
        "16222000-2204,Andra,asf,2580,1",
    )
    with translation.override("en"):
        report = organisation_import(actor=actor_for(coordinator), rows_or_file=text, partial=True)

    assert [(e.row, e.column) for e in report.errors] == [(4, "orgnr")]
    assert report.errors[0].message == "The organisation number 222000-2204 is also on row 2."
    assert Organisation.objects.get(orgnr="2220002204").name == "Första"


@pytest.mark.parametrize("written", ["222000-2204", "2220002204", "16222000-2204", " 222000 2204 "])
def test_an_orgnr_already_in_the_directory_updates_that_organisation_however_it_is_written(coordinator, written):
    forbund = OrganisationFactory(name="Förbundet", orgnr="2220002204", kind="region", employees=3, published=False)
    forbund.services.set([ServiceCategory.objects.get(slug="stad")])
    header = HEADER + ",services,published"
    before = Organisation.objects.count()

    report = organisation_import(
        actor=actor_for(coordinator),
        rows_or_file=csv_of(f'"{written}",Nytt Namn,region,2580,7,catering,', header=header),
    )

    assert report.saved and (report.created, report.updated) == (0, 1)
    assert Organisation.objects.count() == before
    forbund.refresh_from_db()
    assert (forbund.name, forbund.employees) == ("Nytt Namn", 7)
    assert forbund.published is False  # an empty true/false cell leaves the value as it was
    assert list(forbund.services.values_list("slug", flat=True)) == ["catering"]
    assert "nytt namn" in forbund.search_text
    history = dict(OrganisationChange.objects.filter(organisation=forbund).values_list("field", "new_value"))
    assert history == {"name": "Nytt Namn", "employees": "7", "services": "catering"}
    assert set(OrganisationChange.objects.filter(organisation=forbund).values_list("changed_by", flat=True)) == {
        coordinator.pk
    }


def test_an_update_changes_only_the_columns_in_the_file(coordinator):
    org = OrganisationFactory(orgnr=orgnr(31), website="https://kvar.example.se", city="Boden")
    organisation_import(actor=actor_for(coordinator), rows_or_file=csv_of(f"{orgnr(31)},Nytt,asf,2582,", header=HEADER))

    org.refresh_from_db()
    assert (org.name, org.website, org.city, org.kommunkod_id) == ("Nytt", "https://kvar.example.se", "Boden", "2582")


def test_one_audit_row_per_import_with_counts_and_no_data(coordinator):
    OrganisationFactory(orgnr=orgnr(32))
    organisation_import(
        actor=actor_for(coordinator),
        rows_or_file=csv_of(f"{orgnr(32)},Hemlig Uppdatering,asf,2580,1", f"{orgnr(33)},Ny,asf,2580,1"),
    )

    audit = AuditLog.objects.get(action="organisation.import")
    assert audit.actor == coordinator
    assert audit.data == {"created": 1, "updated": 1, "refused_rows": 0, "rows": 2, "partial": False, "saved": True}
    assert "Hemlig" not in str(audit.data)


def test_only_coordinators_may_import(world):
    with pytest.raises(PermissionDenied):
        organisation_import(actor=actor_for(world.admin_a), rows_or_file=csv_of(f"{orgnr(34)},Ny,asf,2580,1"))
    assert not Organisation.objects.filter(orgnr=orgnr(34)).exists()


def test_rows_may_be_given_as_mappings(coordinator):
    rows = [{"orgnr": orgnr(35), "name": "Från API", "kind": "asf", "kommunkod": 2580, "employees": None}]
    report = organisation_import(actor=actor_for(coordinator), rows_or_file=rows)

    assert report.saved and Organisation.objects.get(orgnr=orgnr(35)).kommunkod_id == "2580"


def test_the_number_of_queries_does_not_grow_with_the_number_of_rows(coordinator, django_assert_max_num_queries):
    header = HEADER + ",services,municipalities_served"
    existing = [OrganisationFactory(orgnr=orgnr(100 + n)) for n in range(50)]
    lines = [f"{org.orgnr},Uppdaterad {n},asf,2580,{n},catering|stad,2580" for n, org in enumerate(existing)]
    lines += [f"{orgnr(200 + n)},Ny {n},business,2581,{n},snickeri,2581|2582" for n in range(1500)]

    with django_assert_max_num_queries(30):
        report = organisation_import(actor=actor_for(coordinator), rows_or_file=csv_of(*lines, header=header))

    assert report.saved and (report.created, report.updated) == (1500, 50)
    assert Organisation.objects.get(orgnr=orgnr(1699)).services.get().slug == "snickeri"


def test_the_search_index_written_by_an_import_is_the_one_reindex_computes(coordinator):
    """New rows get their search text as they are written and updated rows a new one from their current
    services when the file has no services column; the result is what directory.search.reindex makes."""
    kept = OrganisationFactory(orgnr=orgnr(40), name="Gamla Namnet", city="Boden")
    kept.services.set([ServiceCategory.objects.get(slug="stad"), ServiceCategory.objects.get(slug="catering")])
    organisation_import(
        actor=actor_for(coordinator),
        rows_or_file=csv_of(
            f"{orgnr(41)},Återbruket Öst,asf,2580,4,Luleå,tradgard-skog|aterbruk",
            header=HEADER + ",city,services",
        ),
    )
    organisation_import(actor=actor_for(coordinator), rows_or_file=csv_of(f"{orgnr(40)},Nya Namnet,asf,2582,5"))

    organisations = list(Organisation.objects.filter(orgnr__in=[orgnr(40), orgnr(41)]).order_by("orgnr"))
    written = [(org.search_text, org.search_vector) for org in organisations]
    assert "nya namnet" in written[0][0] and "catering" in written[0][0].replace(" ", "")
    assert written[1][0].startswith("aterbruket ost") and written[1][1]
    reindex([org.pk for org in organisations])
    assert [
        (org.search_text, org.search_vector)
        for org in Organisation.objects.filter(pk__in=[org.pk for org in organisations]).order_by("orgnr")
    ] == written


# --- The command ------------------------------------------------------------------------------------------
def _run_command(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_organisations", str(path), *args, "--language", "en", stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_the_command_prints_errors_per_row_and_exits_non_zero_when_nothing_was_saved(db, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text(csv_of(f"{orgnr(40)},Bra,asf,2580,1", f"{orgnr(41)},Fel,asf,25x0,1"), encoding="utf-8")

    code, out, err = _run_command(path)

    assert code == 1
    assert "row 3, kommunkod: A municipality code has exactly four digits, e.g. 2580." in err
    assert "Nothing was saved." in out
    assert not Organisation.objects.filter(orgnr__in=[orgnr(40), orgnr(41)]).exists()


def test_the_command_with_partial_saves_the_valid_rows_and_exits_2(db, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text(csv_of(f"{orgnr(42)},Bra,asf,2580,1", f"{orgnr(43)},Fel,asf,25x0,1"), encoding="utf-8")

    code, out, err = _run_command(path, "--partial")

    assert code == 2
    assert "row 3, kommunkod: " in err
    assert "1 organisation was created. 0 organisations were updated. 1 row was skipped." in out
    assert Organisation.objects.filter(orgnr=orgnr(42)).exists()


def test_the_command_succeeds_with_exit_0_and_a_dry_run_saves_nothing(db, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text(csv_of(f"{orgnr(44)},Bra,asf,2580,1"), encoding="utf-8")

    assert _run_command(path, "--dry-run")[0] == 0
    assert not Organisation.objects.filter(orgnr=orgnr(44)).exists()
    code, out, err = _run_command(path)
    assert (code, err) == (0, "")
    assert "1 organisation was created. 0 organisations were updated." in out
    assert Organisation.objects.filter(orgnr=orgnr(44)).exists()


def test_the_command_reports_a_missing_file(db, tmp_path):
    code, _out, _err = _run_command(tmp_path / "missing.csv")
    assert code == 1


# --- The upload page --------------------------------------------------------------------------------------
def _upload(client, text: str, **options):
    data = {"file": SimpleUploadedFile("orgs.csv", text.encode("utf-8"), content_type="text/csv")}
    data.update({name: "on" for name, value in options.items() if value})
    return client.post(reverse("directory:import"), data)


def test_upload_shows_a_preview_then_the_confirmation_imports(client, world):
    client.force_login(world.coordinator)
    text = csv_of(f"{orgnr(50)},Ny Förening,civil_society,2580,3", f"{world.org_a.orgnr},Returen Nytt Namn,asf,2580,8")

    preview = _upload(client, text, dry_run=True)

    assert preview.status_code == 200
    content = preview.content.decode()
    assert "Ny Förening" in content and "Returen Nytt Namn" in content
    assert not Organisation.objects.filter(orgnr=orgnr(50)).exists()
    payload = preview.context["payload"]
    assert payload

    confirmed = client.post(reverse("directory:import"), {"payload": payload})

    assert confirmed.status_code == 302
    assert Organisation.objects.get(orgnr=orgnr(50)).name == "Ny Förening"
    world.org_a.refresh_from_db()
    assert world.org_a.name == "Returen Nytt Namn"
    assert AuditLog.objects.filter(action="organisation.import", actor=world.coordinator).count() == 1


def test_a_preview_with_errors_lists_them_and_offers_no_confirmation(client, world):
    client.force_login(world.coordinator)
    with translation.override("en"):
        response = _upload(client, csv_of(f"{orgnr(51)},Bra,asf,2580,1", f"{orgnr(52)},Fel,asf,25x0,1"), dry_run=True)

    assert response.status_code == 200
    assert response.context["payload"] == ""
    assert "row 3, kommunkod: " in response.content.decode()
    assert 'name="payload"' not in response.content.decode()


def test_a_partial_preview_offers_to_import_the_valid_rows(client, world):
    client.force_login(world.coordinator)
    response = _upload(
        client, csv_of(f"{orgnr(53)},Bra,asf,2580,1", f"{orgnr(54)},Fel,asf,25x0,1"), dry_run=True, partial=True
    )

    client.post(reverse("directory:import"), {"payload": response.context["payload"]})

    assert Organisation.objects.filter(orgnr=orgnr(53)).exists()
    assert not Organisation.objects.filter(orgnr=orgnr(54)).exists()


def test_without_the_preview_the_upload_imports_at_once(client, world):
    client.force_login(world.coordinator)
    response = _upload(client, csv_of(f"{orgnr(55)},Direkt,asf,2580,1"))

    assert response.status_code == 302
    assert Organisation.objects.filter(orgnr=orgnr(55)).exists()


@pytest.mark.security("C11")
@pytest.mark.adversarial("C")
def test_a_forged_or_someone_elses_preview_is_refused(client, world):
    other = CoordinatorFactory()
    forged_for_other = signing.dumps(
        {"csv": csv_of(f"{orgnr(56)},Smuggel,asf,2580,1"), "partial": False}, salt=f"directory.import:{other.pk}"
    )
    client.force_login(world.coordinator)

    for payload in ["not-a-payload", forged_for_other]:
        response = client.post(reverse("directory:import"), {"payload": payload})
        assert response.status_code == 400
    assert not Organisation.objects.filter(orgnr=orgnr(56)).exists()


@pytest.mark.security("C17")
@pytest.mark.adversarial("C")
@pytest.mark.parametrize("role", ["staff_a", "admin_a", "officer_x", "business_member"])
def test_only_coordinators_may_upload(client, world, role):
    client.force_login(world.user(role))
    response = _upload(client, csv_of(f"{orgnr(57)},Ny,asf,2580,1"))

    assert response.status_code == 403
    assert not Organisation.objects.filter(orgnr=orgnr(57)).exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(reverse("directory:import"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


@pytest.mark.security("F31")
@pytest.mark.adversarial("F")
def test_a_file_over_the_size_limit_is_refused_with_a_form_error(client, world, settings):
    settings.TABULAR_MAX_UPLOAD_BYTES = 1024 * 1024
    client.force_login(world.coordinator)
    text = csv_of(*[f"{orgnr(60)},{'x' * 100},asf,2580,1"] * 11_000)

    response = _upload(client, text, dry_run=True)

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert response.context["report"] is None


@pytest.mark.adversarial("F")
def test_an_excel_workbook_uploaded_as_csv_gets_a_clear_message(client, world):
    client.force_login(world.coordinator)
    data = {
        "file": SimpleUploadedFile("orgs.csv", b"PK\x03\x04rest-of-a-zip", content_type="text/csv"),
        "dry_run": "on",
    }
    with translation.override("en"):
        response = client.post(reverse("directory:import"), data)

    assert response.status_code == 200
    assert "Excel workbook" in response.content.decode()


# --- Export -----------------------------------------------------------------------------------------------
def test_an_anonymous_csv_export_contains_only_what_the_public_may_see(client, world):
    response = client.get(reverse("directory:export", kwargs={"fmt": "csv"}))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="organisations-')
    assert response["Cache-Control"] == "no-store"
    rows = read_csv_response(response)
    names = {row["name"] for row in rows}
    assert {"Returen Återbruk", "Café Kvarnen", "Luleå kommun"} <= names
    assert "Dolda Snickeriet" not in names
    assert list(rows[0]) == list(imports.COLUMNS)


def test_a_member_of_the_unpublished_organisation_exports_it_and_a_coordinator_exports_everything(client, world):
    client.force_login(world.staff_b)
    names = {row["name"] for row in read_csv_response(client.get(reverse("directory:export", kwargs={"fmt": "csv"})))}
    assert "Dolda Snickeriet" in names

    client.force_login(world.coordinator)
    rows = read_csv_response(client.get(reverse("directory:export", kwargs={"fmt": "csv"})))
    assert len(rows) == Organisation.objects.count()


def test_the_export_uses_the_search_parameters(client, world):
    response = client.get(
        reverse("directory:export", kwargs={"fmt": "csv"}), {"kind": "municipality", "municipality": "2581"}
    )

    assert [row["name"] for row in read_csv_response(response)] == ["Piteå kommun"]


def test_an_xlsx_export_opens_in_openpyxl_with_what_the_user_may_see(client, world):
    response = client.get(reverse("directory:export", kwargs={"fmt": "xlsx"}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(imports.COLUMNS)
    names = {row[1] for row in rows[1:]}
    assert "Returen Återbruk" in names and "Dolda Snickeriet" not in names


def test_an_unknown_format_is_not_found(client, db):
    assert client.get(reverse("directory:index") + "export.pdf").status_code == 404


@pytest.mark.security("E24")
@pytest.mark.adversarial("E")
@pytest.mark.parametrize("params", [{"kind": "x'; drop table"}, {"q": "\x00%%"}, {"sort": "-password"}, {"page": "-1"}])
def test_odd_search_parameters_never_break_the_export(client, world, params):
    response = client.get(reverse("directory:export", kwargs={"fmt": "csv"}), params)
    assert response.status_code == 200
    assert read_csv_response(response)[0]["orgnr"]


def test_the_export_is_limited_and_reads_in_a_constant_number_of_queries(
    client, world, monkeypatch, django_assert_max_num_queries
):
    for org in Organisation.objects.all():
        org.services.set(ServiceCategory.objects.all()[:2])
    monkeypatch.setattr(exports, "EXPORT_MAX_ROWS", 3)
    with django_assert_max_num_queries(8):
        rows = read_csv_response(client.get(reverse("directory:export", kwargs={"fmt": "csv"})))
    assert len(rows) == 3


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+SUM(1,2)", "-2+3", "@SUM(A1)", "\tTAB", "\r=1"]


@pytest.mark.security("E28")
@pytest.mark.adversarial("E")
def test_formula_looking_cells_are_neutralised_in_csv_and_xlsx(client, coordinator):
    for n, formula in enumerate(FORMULAS):
        OrganisationFactory(name=f"Org {n}", description_sv=formula, city=formula[:100], legal_name=f"{formula[:50]}")
    client.force_login(coordinator)

    rows = read_csv_response(client.get(reverse("directory:export", kwargs={"fmt": "csv"})))
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("directory:export", kwargs={"fmt": "xlsx"})).content)
    ).active

    csv_cells = [row[column] for row in rows for column in ("description_sv", "city", "legal_name")]
    assert len(csv_cells) == 3 * len(FORMULAS)
    assert all(cell.startswith("'") for cell in csv_cells)
    xlsx_cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)]
    assert all(cell.data_type != "f" for cell in xlsx_cells)
    risky = [cell.value for cell in xlsx_cells if cell.value[:1] in tabular.FORMULA_START]
    assert risky == []


def test_an_export_can_be_imported_again_unchanged(client, coordinator):
    stad, catering = ServiceCategory.objects.get(slug="stad"), ServiceCategory.objects.get(slug="catering")
    full = OrganisationFactory(
        name="Städ & Catering i Piteå",
        legal_name="Städ och Catering Ekonomisk Förening",
        kind="asf",
        kommunkod="2581",
        employees=14,
        website="https://stad.example.se",
        phone="+46 911-123 45",
        email="info@stad.example.se",
        street_address="Storgatan 1",
        postal_code="941 31",
        city="Piteå",
        latitude=Decimal("65.316700"),
        longitude=Decimal("21.480000"),
        description_sv='Vi städar, lagar mat; "alltid" med handledning.\nNy rad.',
        description_en="-We clean and cook.",
        summary_easy_sv="Vi städar.",
        takes_placements=True,
        placement_capacity=4,
        sni_codes=["81210", "56210"],
        published=False,
    )
    full.services.set([stad, catering])
    full.municipalities_served.set(Municipality.objects.filter(code__in=["2581", "2582"]))
    OrganisationFactory(name="Minimal", kind="business", employees=None)
    client.force_login(coordinator)
    url = reverse("directory:export", kwargs={"fmt": "csv"})
    first = b"".join(client.get(url).streaming_content)

    Organisation.objects.all().delete()
    report = organisation_import(actor=actor_for(coordinator), rows_or_file=first)

    assert report.ok and report.created == 2, [str(e) for e in report.errors]
    assert b"".join(client.get(url).streaming_content) == first
    again = organisation_import(actor=actor_for(coordinator), rows_or_file=first, dry_run=True)
    assert again.ok and (again.created, again.updated) == (0, 2)
