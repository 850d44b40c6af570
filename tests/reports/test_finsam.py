"""Finsam/SUS: the structure-oriented work of a period as volume counts — exact counts on constructed data,
the same figures on the run page and in the CSV, XLSX, PDF and stored JSON, in Swedish and English, small
cells suppressed when asked for, and no personal data anywhere."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from directory.factories import ForbundFactory
from events.models import EventKind, EventStatus
from matchmaking.models import FundedProject, PartnerRequest
from reports import services
from reports.finsam.selectors import structure_work
from reports.models import ReportFile, ReportKind, ReportRun, RunStatus, SupportRecord
from reports.tasks import run_report
from tests.factories import (
    AgreementFactory,
    EventFactory,
    ParticipantFactory,
    PartnerRequestFactory,
    RegistrationFactory,
)

PERIOD = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
PARTICIPANT_CODE = "P-HEMLIG-4711"
GUEST = ("Greta Gästsson", "greta.gastsson@example.se")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def project(world):
    return FundedProject.objects.create(
        forbund=ForbundFactory(), diarienummer="23-051-S06", name="Samverkan för ASF", owner=world.forbund
    )


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def structure(project, world):
    """In the period: 3 events held (2 network meetings, 1 study visit), 2 support records, 1 agreement in force,
    1 partner request; reached: org_a (support, agreement), org_b (present at an event), muni_y (agreement),
    business (partner request). Everything else lies outside the period or does not count."""
    ParticipantFactory(project=project, raised_by_organisation=world.muni_x, code=PARTICIPANT_CODE)
    held = [
        EventFactory(organiser=world.org_a, start=_at(dt.date(2025, 2, 3))),
        EventFactory(organiser=world.org_a, start=_at(dt.date(2025, 3, 31), 15)),
        EventFactory(organiser=world.forbund, kind=EventKind.STUDY_VISIT, start=_at(dt.date(2025, 1, 1))),
    ]
    EventFactory(organiser=world.org_a, start=_at(dt.date(2025, 2, 10)), status=EventStatus.DRAFT)
    EventFactory(organiser=world.org_a, start=_at(dt.date(2025, 4, 1)))
    RegistrationFactory(event=held[0], user=world.staff_b, organisation=world.org_b, present=True)
    RegistrationFactory(event=held[0], guest_name=GUEST[0], guest_email=GUEST[1], present=True)

    support = {"project": project, "direct": True}
    SupportRecord.objects.create(**support, organisation=world.org_a, date=dt.date(2025, 2, 1), kind="advice")
    SupportRecord.objects.create(**support, organisation=world.org_a, date=dt.date(2025, 3, 15), kind="training")
    SupportRecord.objects.create(
        **support, organisation=world.muni_x, date=dt.date(2025, 2, 1), kind="information_meeting"
    )
    SupportRecord.objects.create(**support, organisation=world.muni_x, date=dt.date(2024, 12, 31), kind="advice")
    other = FundedProject.objects.create(
        forbund=ForbundFactory(), diarienummer="24-001-S01", name="Annat projekt", owner=world.forbund
    )
    SupportRecord.objects.create(project=other, organisation=world.muni_x, date=dt.date(2025, 2, 1), kind="advice")

    AgreementFactory(starts_on=dt.date(2024, 1, 1), parties=[world.org_a, world.muni_y])
    AgreementFactory(starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2024, 12, 31), parties=[world.muni_x])
    AgreementFactory(starts_on=dt.date(2025, 4, 1), parties=[world.muni_x])

    made = PartnerRequestFactory(organisation=world.business)
    PartnerRequest.objects.filter(pk=made.pk).update(created_at=_at(dt.date(2025, 3, 10)))
    earlier = PartnerRequestFactory(organisation=world.muni_x)
    PartnerRequest.objects.filter(pk=earlier.pk).update(created_at=_at(dt.date(2024, 12, 1)))


def _run(project, user, **extra) -> ReportRun:
    run = ReportRun.objects.create(
        kind=ReportKind.FINSAM, project=project, period_from=PERIOD[0], period_to=PERIOD[1], requested_by=user, **extra
    )
    run_report.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def _file(run: ReportRun, fmt: str) -> bytes:
    with ReportFile.objects.get(run=run, format=fmt).file.open("rb") as handle:
        return handle.read()


def _csv(run: ReportRun) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_file(run, "csv").decode("utf-8-sig"))))


def _english(user) -> None:
    type(user).objects.filter(pk=user.pk).update(preferred_language="en")
    user.refresh_from_db()


def test_counts_of_the_period_are_exact(project, structure, world):
    run = ReportRun(
        kind=ReportKind.FINSAM, project=project, forbund=project.forbund, period_from=PERIOD[0], period_to=PERIOD[1]
    )
    result = structure_work(run)
    assert (result["project"], result["from"], result["to"]) == ("23-051-S06", "2025-01-01", "2025-03-31")
    assert result["measures"] == {
        "efforts_total": {"total": 7},
        "organisations_reached": {"total": 4},
        "efforts_by_type": {"events": 3, "support": 2, "agreements": 1, "partner_requests": 1},
        "events_held_by_kind": {"network_meeting": 2, "study_visit": 1},
        "support_by_kind": {"advice": 1, "training": 1},
        "agreements_by_kind": {"iop": 1},
        "organisations_reached_by_kind": {"asf": 2, "business": 1, "municipality": 1},
        "organisations_reached_by_municipality": {"2580": 2, "2581": 2},
    }


def test_an_empty_period_counts_zero_efforts_and_no_organisations(project, world):
    run = ReportRun(
        kind=ReportKind.FINSAM, project=project, forbund=project.forbund, period_from=PERIOD[0], period_to=PERIOD[1]
    )
    measures = structure_work(run)["measures"]
    assert measures["efforts_total"] == {"total": 0}
    assert measures["organisations_reached"] == {"total": 0}
    assert measures["organisations_reached_by_kind"] == {}


def test_csv_names_every_code_in_swedish_and_keeps_the_keys(project, structure, world):
    table = _csv(_run(project, world.coordinator))  # the coordinator reads Swedish
    assert table[0][0] == "Kod" and table[0][4] == "Antal"
    rows = {(row[0], row[2]): row for row in table[1:]}
    assert rows[("events_held_by_kind", "network_meeting")] == [
        "events_held_by_kind",
        "Genomförda evenemang, per typ",
        "network_meeting",
        "Nätverksträff",
        "2",
    ]
    assert rows[("organisations_reached_by_municipality", "2581")][3:] == ["Piteå", "2"]
    assert rows[("efforts_total", "total")][2:] == ["total", "Totalt", "7"]


def test_english_requester_gets_english_labels_on_the_page_and_in_the_files(project, structure, world, client):
    _english(world.coordinator)
    run = _run(project, world.coordinator)
    table = _csv(run)
    assert table[0] == ["Code", "Measure", "Group code", "Group", "Number"]
    rows = {(row[0], row[2]): row for row in table[1:]}
    assert rows[("efforts_by_type", "partner_requests")][1:] == [
        "Efforts in the period, by type",
        "partner_requests",
        "Partner requests",
        "1",
    ]
    assert rows[("organisations_reached", "total")][1:] == ["Organisations reached", "total", "Total", "4"]

    sheet = load_workbook(io.BytesIO(_file(run, "xlsx"))).active
    values = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["Finsam/SUS: structure-oriented work"][0] == "Finsam/SUS: structure-oriented work"
    assert values["Efforts in the period"][1] == 7
    assert values["Support to organisations"][1] == 2
    assert values["Training or skills development"][1] == 1
    titles = [chart.title.tx.rich.p[0].r[0].t for chart in sheet._charts]
    assert "Organisations reached, by kind" in titles

    client.force_login(world.coordinator)  # a login in English sets the language cookie (UserLanguageMiddleware)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("reports:run_detail", kwargs={"code": run.code})).content.decode()
    assert "Organisations reached, by municipality" in html
    assert "Efforts in the period, by type" in html
    assert "No participant or other person is counted or named." in html


@pytest.mark.adversarial("H")
def test_no_personal_data_in_any_output(project, structure, world, client, tmp_path):
    _english(world.coordinator)
    run = _run(project, world.coordinator)
    client.force_login(world.coordinator)
    html = client.get(reverse("reports:run_detail", kwargs={"code": run.code})).content.decode()
    xlsx = "\n".join(
        str(value)
        for row in load_workbook(io.BytesIO(_file(run, "xlsx"))).active.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    outputs = {
        "json": json.dumps(run.result, ensure_ascii=False),
        "csv": _file(run, "csv").decode("utf-8-sig"),
        "xlsx": xlsx,
        "html": html.split("<main", 1)[1],  # the page's header names the signed-in coordinator
    }
    if shutil.which("pdftotext"):
        path = tmp_path / "finsam.pdf"
        path.write_bytes(_file(run, "pdf"))
        outputs["pdf"] = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "Efforts in the period" in outputs["xlsx"] and "7" in outputs["csv"]  # the outputs have content
    personal = [
        PARTICIPANT_CODE,
        *GUEST,
        world.staff_b.email,
        world.coordinator.email,
        "Returen Återbruk",  # organisations are counted, never listed
        "Café Kvarnen",
        "Norrbygg AB",
        "Piteå kommun",
    ]
    for name, text in outputs.items():
        for value in personal:
            assert value not in text, (name, value)


def test_small_cells_are_suppressed_when_asked_for(project, structure, world):
    _english(world.coordinator)
    run = _run(project, world.coordinator, suppress_small_cells=True)
    assert run.result["measures"]["efforts_by_type"]["events"] == 3  # the stored result stays exact
    values = {(row[0], row[2]): row[4] for row in _csv(run)[1:]}
    assert values[("efforts_by_type", "events")] == "<5"
    assert values[("organisations_reached_by_kind", "asf")] == "<5"
    assert values[("efforts_total", "total")] == "7"  # 5 and more are shown
    sheet = load_workbook(io.BytesIO(_file(run, "xlsx"))).active
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert rows["Organisations reached"][1] == "<5"
    assert rows["Efforts in the period"][1] == 7


def test_a_finsam_run_needs_a_project_and_a_period(world, project):
    from directory.access import actor_for

    actor = actor_for(world.coordinator)
    with pytest.raises(ValidationError):
        services.report_run_request(
            actor=actor, kind=ReportKind.FINSAM, project=None, period_from=PERIOD[0], period_to=PERIOD[1]
        )
    with pytest.raises(ValidationError):
        services.report_run_request(
            actor=actor, kind=ReportKind.FINSAM, project=project, period_from=None, period_to=None
        )
    run = services.report_run_request(
        actor=actor, kind=ReportKind.FINSAM, project=project, period_from=PERIOD[0], period_to=PERIOD[1]
    )
    assert run.kind == "finsam"


def test_the_report_form_offers_and_queues_a_finsam_run(client, world, project):
    client.force_login(world.coordinator)
    assert 'value="finsam"' in client.get(reverse("reports:index")).content.decode()
    response = client.post(
        reverse("reports:index"),
        {"kind": "finsam", "project": "23-051-S06", "period_from": "2025-01-01", "period_to": "2025-03-31"},
    )
    run = ReportRun.objects.get(kind=ReportKind.FINSAM)
    assert response.status_code == 302 and response["Location"] == reverse("reports:run_detail", args=[run.code])
    assert (run.project, run.period_from, run.period_to) == (project, *PERIOD)
