"""kernel/tabular.py, the one tabular input/output module: the true/false vocabulary, the file policy
(delimiter, BOM, encoding, size, rows), columns, choices, the formula neutraliser of every writer, atomic
imports with the model's own validation, and the permission rule of the support import."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from directory.access import actor_for
from directory.factories import ForbundFactory
from directory.import_export.imports import organisation_import
from directory.models import Organisation, OrganisationKind
from kernel import tabular
from kernel.tabular import Column
from matchmaking.models import FundedProject, Gender
from reports.models import SupportRecord
from reports.support import import_support, support_record_create
from tests.factories import make_orgnr

ROOT = Path(__file__).resolve().parents[2]


# --- The module stays below the apps ------------------------------------------------------------------------
def test_the_module_imports_no_app_only_django_the_standard_library_and_openpyxl():
    tree = ast.parse((ROOT / "kernel" / "tabular.py").read_text(encoding="utf-8"))
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    top_level = {module.split(".")[0] for module in modules}
    assert "django" in top_level
    assert top_level - {"django", "openpyxl", "__future__"} <= sys.stdlib_module_names


# --- One true/false vocabulary -------------------------------------------------------------------------------
# What each importer accepted before kernel.tabular (directory/import_export/imports.py, matchmaking/imports.py,
# reports/support.py): every file that imported then still imports.
BEFORE = {
    "directory": ({"true", "ja", "yes", "1", "sant", "j", "y"}, {"false", "nej", "no", "0", "falskt", "n"}),
    "matchmaking": ({"true", "1", "ja"}, {"false", "0", "nej"}),
    "support": ({"true", "1", "ja", "yes"}, {"false", "0", "nej", "no"}),
}


@pytest.mark.parametrize("importer", BEFORE)
def test_every_true_false_word_an_importer_accepted_is_still_accepted(importer):
    true_words, false_words = BEFORE[importer]
    assert all(tabular.parse_boolean(word) is True for word in true_words)
    assert all(tabular.parse_boolean(word) is False for word in false_words)


def _any_case(word: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda upper: "".join(c.upper() if u else c for c, u in zip(word, upper, strict=True))
    )


_SPACE = st.text(alphabet=" \t\u00a0", max_size=3)


@given(
    word=st.sampled_from(sorted(tabular.TRUE_WORDS | tabular.FALSE_WORDS)).flatmap(_any_case),
    before=_SPACE,
    after=_SPACE,
)
def test_a_true_false_word_is_read_in_any_case_with_any_surrounding_space(word, before, after):
    assert tabular.parse_boolean(before + word + after) is (word.casefold() in tabular.TRUE_WORDS)


@given(st.text(max_size=12).filter(lambda t: t.strip().casefold() not in tabular.TRUE_WORDS | tabular.FALSE_WORDS))
def test_anything_else_is_a_coded_error_or_empty(text):
    if not text.strip():
        assert tabular.parse_boolean(text) is None
        return
    with pytest.raises(ValidationError) as error:
        tabular.parse_boolean(text)
    assert error.value.code == "boolean"


# --- Other cells ------------------------------------------------------------------------------------------
def test_numbers_dates_kommunkod_and_lists():
    assert tabular.parse_integer("1 000") == 1000 and tabular.parse_integer("\u202f12\u00a0") == 12
    assert tabular.parse_integer("") is None
    assert tabular.parse_decimal(6)("65,3167") == Decimal("65.316700")
    assert tabular.parse_date("2024-03-01") == dt.date(2024, 3, 1) and tabular.parse_date(" ") is None
    assert tabular.parse_kommunkod("180") == "0180" and tabular.parse_kommunkod("2580") == "2580"
    assert tabular.parse_list(tabular.parse_kommunkod)("180| 2580 |180|") == ["0180", "2580"]
    for parse, text in [
        (tabular.parse_integer, "12,5"),
        (tabular.parse_integer, "9" * 5000),
        (tabular.parse_decimal(6), "NaN"),
        (tabular.parse_decimal(6), "1e999999"),
        (tabular.parse_date, "01/03/2024"),
        (tabular.parse_date, "2024-02-30"),
    ]:
        with pytest.raises(ValidationError):
            parse(text)


def test_a_choice_is_read_by_its_code_or_its_label_in_either_language():
    kind = tabular.parse_choice(OrganisationKind)
    assert {kind("business"), kind("BUSINESS"), kind("Företag"), kind(" business ")} == {"business"}
    gender = tabular.parse_choice(Gender)
    assert (gender("Kvinna"), gender("woman"), gender("Woman")) == ("woman",) * 3
    assert gender("") == ""
    with translation.override("en"), pytest.raises(ValidationError) as error:
        gender("kvinnlig")
    assert error.value.code == "invalid_choice"
    with translation.override("sv"):
        assert str(tabular.row_errors(error.value, row=2, column="gender")[0]).startswith(
            "rad 2, gender: Värdet 'kvinnlig' är inget giltigt alternativ. Använd något av: woman, man, non_binary"
        )


# --- The file policy ------------------------------------------------------------------------------------------
SPEC = (Column("orgnr", required=True), Column("amount", tabular.parse_decimal(2), aliases=("belopp",)))


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("orgnr;amount\n1;2,5\n", ";"),
        ('orgnr,amount\n1,"2,5"\n', ","),
        ('orgnr,amount\n1,"a;b;c;d"\n', ","),  # semicolons in cells do not fool the sniffer
        ('orgnr;amount\n1;"a,b,c,d"\n', ";"),
    ],
)
def test_the_delimiter_is_sniffed_from_the_header_row(text, delimiter):
    assert tabular.sniff_delimiter(text) == delimiter
    table = tabular.read_table(text, SPEC)
    assert table.columns == ["orgnr", "amount"] and table.rows[0].cells["orgnr"] == "1"


def test_a_byte_order_mark_changes_nothing():
    text = "Orgnr;BELOPP\r\n1;2,5\r\n;\r\n"
    plain = tabular.read_table(text.encode(), SPEC)
    with_bom = tabular.read_table(b"\xef\xbb\xbf" + text.encode(), SPEC)
    as_text = tabular.read_table("\ufeff" + text, SPEC)
    assert [r.cells for r in plain.rows] == [r.cells for r in with_bom.rows] == [r.cells for r in as_text.rows]
    assert plain.columns == ["orgnr", "amount"]  # a header alias, any case
    assert tabular.parse_row(plain.rows[0], SPEC)[0] == {"orgnr": "1", "amount": Decimal("2.50")}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "data.csv: The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (kommaavgränsad)”."),
        ("sv", "data.csv: Filen är inte UTF-8-text. Spara den i Excel som ”CSV UTF-8 (kommaavgränsad)”."),
    ],
)
def test_a_file_in_another_encoding_gets_a_clear_message_in_the_users_language(language, message):
    with pytest.raises(tabular.FileError) as error:
        tabular.read_table("orgnr;amount\nKåre;1\n".encode("cp1252"), SPEC, file="data.csv")
    with translation.override(language):
        assert [str(e) for e in error.value.errors] == [message]
    assert error.value.errors[0].code == "encoding"


def test_every_problem_with_the_columns_is_reported_at_once():
    with pytest.raises(tabular.FileError) as error:
        tabular.read_table("amount,amount,colour\n1,2,3\n", SPEC)
    assert [e.code for e in error.value.errors] == ["duplicate_columns", "unknown_columns", "missing_columns"]


def test_a_file_with_too_many_rows_is_refused():
    text = "orgnr\n" + "1\n" * 4
    assert len(tabular.read_table(text, SPEC, max_rows=4).rows) == 4
    with pytest.raises(tabular.FileError) as error:
        tabular.read_table(text + "1\n", SPEC, max_rows=4)
    assert error.value.errors[0].code == "too_many_rows"


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(settings):
    settings.TABULAR_MAX_UPLOAD_BYTES = 1024 * 1024
    field = tabular.UploadField()
    assert field.clean(SimpleUploadedFile("a.csv", b"x" * 1024 * 1024)).size == 1024 * 1024
    with pytest.raises(ValidationError) as error:
        field.clean(SimpleUploadedFile("a.csv", b"x" * (1024 * 1024 + 1)))
    assert [e.code for e in error.value.error_list] == ["too_large"]
    with translation.override("en"):
        assert error.value.messages == [
            "The file is larger than 1 MB. Split it into smaller files, or use the import command."
        ]


def test_the_support_upload_page_uses_the_size_limit(client, world, project, settings):
    settings.TABULAR_MAX_UPLOAD_BYTES = 1024
    client.force_login(world.coordinator)
    text = "orgnr,date,kind,direct\n" + "212000-2742,2025-01-10,advice,true\n" * 40
    response = client.post(
        reverse("reports:support_import"),
        {"project": "23-051-S06", "file": SimpleUploadedFile("s.csv", text.encode(), "text/csv")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "The file is larger than" in response.content.decode()
    assert not SupportRecord.objects.exists()


# --- The formula neutraliser --------------------------------------------------------------------------------
@given(first=st.sampled_from(tabular.FORMULA_START), rest=st.text(max_size=20))
def test_every_dangerous_first_character_is_neutralised_by_every_writer(first, rest):
    value = first + rest
    assert tabular.neutralise(value) == "'" + value
    assert tabular.csv_cell(value) == "'" + value
    assert tabular.xlsx_cell(value).startswith("'")
    assert tabular.unneutralise(tabular.neutralise(value)) == value
    line = "".join(tabular.csv_lines(["a"], [[value]], bom=False))
    assert next(csv.reader(io.StringIO(line.split("\r\n", 1)[1], newline="")))[0].startswith("'")


@given(st.text(max_size=20).filter(lambda t: not t.startswith((*tabular.FORMULA_START, "'"))))
def test_other_text_is_written_as_it_is(value):
    assert tabular.neutralise(value) == value == tabular.unneutralise(value)


def test_xlsx_cells_are_neutralised_numbers_stay_numbers_and_control_characters_go():
    content = tabular.write_xlsx(
        ["a", "b", "c"], [["=1+1", 7, "\x01@SUM(A1)"], [True, None, Decimal("1.5")]], title="x"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows == [("a", "b", "c"), ("'=1+1", 7, "'@SUM(A1)"), ("true", None, 1.5)]
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


# --- Imports: the model's validation, all or nothing, and who may import --------------------------------------
@pytest.fixture
def project(world):
    """A funded project; the world has Luleå kommun, orgnr 212000-2742."""
    return FundedProject.objects.create(forbund=ForbundFactory(), diarienummer="23-051-S06", name="Projekt")


GOOD_SUPPORT = "212000-2742,2024-03-0{day},advice,ja\n"


@pytest.mark.parametrize("bad_row", range(4))
def test_a_file_with_one_bad_row_saves_nothing(project, bad_row):
    rows = [GOOD_SUPPORT.format(day=day) for day in range(1, 5)]
    rows[bad_row] = rows[bad_row].replace("advice", "present")
    result = import_support(actor=None, project=project, source="orgnr,date,kind,direct\n" + "".join(rows))
    assert [(e.row, e.column, e.code) for e in result.errors] == [(bad_row + 2, "kind", "invalid_choice")]
    assert result.created == 0 and not SupportRecord.objects.exists()


def test_what_an_import_wrote_before_a_problem_was_found_is_rolled_back(project):
    errors: list[tabular.RowError] = []
    with tabular.atomic_import(errors):
        FundedProject.objects.create(forbund=ForbundFactory(), diarienummer="24-001-X", name="Halvvägs")
        errors.append(tabular.RowError(3, "kind", "fel"))
    assert not FundedProject.objects.filter(diarienummer="24-001-X").exists()
    with tabular.atomic_import(errors[:0]):
        FundedProject.objects.create(forbund=ForbundFactory(), diarienummer="24-002-Y", name="Hel")
    assert FundedProject.objects.filter(diarienummer="24-002-Y").exists()


def test_the_support_import_runs_the_models_own_validation_on_every_row(project, monkeypatch):
    def no_training(value):
        if value == "training":
            raise ValidationError("Not this year.", code="closed")

    monkeypatch.setattr(SupportRecord._meta.get_field("kind"), "validators", [no_training])
    text = (
        "orgnr,date,kind,direct\n"
        + GOOD_SUPPORT.format(day=1)
        + GOOD_SUPPORT.format(day=2).replace("advice", "training")
    )
    result = import_support(actor=None, project=project, source=text)
    assert [(e.row, e.column, e.code) for e in result.errors] == [(3, "kind", "closed")]
    assert not SupportRecord.objects.exists()


def test_a_support_file_with_semicolons_in_an_extra_column_is_read_as_comma_separated(project):
    # More semicolons in the file than commas; the header row decides.
    note = "Möte; uppföljning; mejl; samtal; plan; budget; avtal; rapport; möte; samtal; plan"
    text = f'orgnr,date,kind,direct,note\n212000-2742,2024-03-01,advice,true,"{note}"\n'
    result = import_support(actor=None, project=project, source=text)
    assert (result.created, result.errors) == (1, [])


@pytest.mark.parametrize("orgnr", ["19900101-0017", "900101-0017"])
def test_a_personnummer_in_a_support_file_is_refused(project, orgnr):
    result = import_support(
        actor=None, project=project, source=f"orgnr,date,kind,direct\n{orgnr},2024-03-01,advice,1\n"
    )
    assert [e.column for e in result.errors] == ["orgnr"] and not SupportRecord.objects.exists()


@pytest.mark.parametrize("role", ["staff_a", "admin_a", "officer_x", "business_member"])
def test_only_a_coordinator_may_import_support_records(client, world, project, role):
    user = getattr(world, role)
    text = "orgnr,date,kind,direct\n" + GOOD_SUPPORT.format(day=1)
    with pytest.raises(PermissionDenied):
        import_support(actor=actor_for(user), project=project, source=text)
    with pytest.raises(PermissionDenied):
        support_record_create(
            actor=actor_for(user),
            project=project,
            organisation=world.org_a,
            data={"date": dt.date(2024, 3, 1), "kind": "advice"},
        )
    client.force_login(user)
    response = client.post(
        reverse("reports:support_import"),
        {"project": project.diarienummer, "file": SimpleUploadedFile("s.csv", text.encode(), "text/csv")},
    )
    assert response.status_code == 403
    assert not SupportRecord.objects.exists()


def test_a_coordinator_and_the_command_line_may_import_support_records(world, project, tmp_path):
    text = "orgnr,date,kind,direct\n" + GOOD_SUPPORT.format(day=1)
    assert import_support(actor=actor_for(world.coordinator), project=project, source=text).created == 1
    path = tmp_path / "support.csv"
    path.write_text("\ufeff" + text.replace("03-01", "03-02").replace(",", ";"), encoding="utf-8")
    call_command("import_support", "--project", project.diarienummer, str(path), stdout=io.StringIO())
    assert list(SupportRecord.objects.order_by("date").values_list("recorded_by", flat=True)) == [
        world.coordinator.pk,
        None,
    ]


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(word=st.sampled_from(sorted(tabular.TRUE_WORDS | tabular.FALSE_WORDS)).flatmap(_any_case))
def test_the_directory_and_support_imports_read_the_same_true_false_words(project, word):
    expected = word.casefold() in tabular.TRUE_WORDS
    orgnr = make_orgnr("802", 7)
    SupportRecord.objects.all().delete()
    Organisation.objects.filter(orgnr=orgnr).delete()
    report = organisation_import(
        actor=None,
        rows_or_file=f"orgnr,name,kind,kommunkod,employees,published\n{orgnr},Ja-nej AB,asf,2580,,{word}\n",
    )
    assert report.saved, [str(e) for e in report.errors]
    assert Organisation.objects.get(orgnr=orgnr).published is expected
    result = import_support(
        actor=None, project=project, source=f"orgnr,date,kind,direct\n{orgnr},2024-03-01,advice,{word}\n"
    )
    assert result.created == 1, [str(e) for e in result.errors]
    assert SupportRecord.objects.get().direct is expected
