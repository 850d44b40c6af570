"""Report pages: the run form, the run page with its HTMX progress region and charts, downloads (only through
the authorised view, after a re-authentication, audited) and the support-record pages."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from directory.factories import ForbundFactory
from kernel.models import AuditLog
from matchmaking.models import FundedProject, LabourMarketEvent, Participant
from reports.indicators import ALL_CODES, CELLS, RULES_VERSION
from reports.models import ReportFile, ReportKind, ReportRun, RunStatus, SupportRecord
from reports.tasks import run_report
from tests.conftest import ROLES, TOTP_SECRET

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def project(world):
    return FundedProject.objects.create(
        forbund=ForbundFactory(), diarienummer="23-051-S06", name="Samverkan för ASF", owner=world.forbund
    )


def _finished_run(project, formats=("csv",)) -> ReportRun:
    run = ReportRun.objects.create(
        kind=ReportKind.ESF,
        project=project,
        period_from=dt.date(2025, 1, 1),
        period_to=dt.date(2025, 3, 31),
        status=RunStatus.SUCCEEDED,
        progress=100,
    )
    for fmt in formats:
        report_file = ReportFile(run=run, format=fmt, size=11)
        report_file.file.save(f"{run.code}.{fmt}", ContentFile(b"code,total\n"), save=False)
        report_file.save()
    return run


def _current_totp() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def _log_in_with_password(client, world) -> None:
    """A real login through allauth: password, then the coordinator's TOTP code."""
    client.post(reverse("account_login"), {"login": world.coordinator.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": _current_totp()})
    assert int(client.session["_auth_user_id"]) == world.coordinator.pk


def _reauthenticate(client, next_url: str) -> None:
    response = client.post(reverse("account_reauthenticate") + f"?next={next_url}", {"password": PASSWORD})
    assert response.status_code == 302, response.content[:500]


# --- Downloads ------------------------------------------------------------------------------------------
@pytest.mark.security("C17")
@pytest.mark.adversarial("C")
def test_download_asks_a_freshly_logged_in_coordinator_to_reauthenticate_then_serves_and_audits(client, world, project):
    run = _finished_run(project)
    url = reverse("reports:download", kwargs={"code": run.code, "fmt": "csv"})
    _log_in_with_password(client, world)

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not AuditLog.objects.filter(action="report.download").exists()

    response = client.post(response["Location"], {"password": "wrong password"})
    assert response.status_code == 200  # the form again; still no file
    assert not AuditLog.objects.filter(action="report.download").exists()

    response = client.post(reverse("account_reauthenticate") + f"?next={url}", {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == url
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"code,total\n"
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="asfnet-esf-23-051-S06-2025-01-01_2025-03-31.csv"'
    assert "no-store" in response["Cache-Control"]
    entry = AuditLog.objects.get(action="report.download")
    assert (entry.actor_id, entry.target_id, entry.data) == (world.coordinator.pk, str(run.code), {"format": "csv"})


@pytest.mark.security("C17")
@pytest.mark.adversarial("C")
def test_force_login_is_not_a_recent_authentication(client, world, project):
    run = _finished_run(project)
    client.force_login(world.coordinator)
    response = client.get(reverse("reports:download", kwargs={"code": run.code, "fmt": "csv"}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


@pytest.mark.security("C17")
@pytest.mark.adversarial("C")
@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("anonymous", "coordinator")])
def test_every_other_role_is_refused_the_download_and_the_run_page(client, world, project, role):
    run = _finished_run(project)
    client.force_login(world.user(role))
    assert client.get(reverse("reports:download", kwargs={"code": run.code, "fmt": "csv"})).status_code == 403
    assert client.get(reverse("reports:run_detail", kwargs={"code": run.code})).status_code == 403
    assert client.get(reverse("reports:index")).status_code == 403
    assert not AuditLog.objects.filter(action="report.download").exists()


@pytest.mark.security("C19")
@pytest.mark.adversarial("C")
def test_guessed_media_paths_other_runs_files_and_unknown_formats_are_404(client, world, project):
    """docs/security-checks.md C19: files exist only behind the download view, addressed by their own run."""
    with_csv = _finished_run(project, formats=("csv", "pdf"))
    without_csv = _finished_run(project, formats=("xlsx",))
    _log_in_with_password(client, world)
    first = reverse("reports:download", kwargs={"code": with_csv.code, "fmt": "csv"})
    _reauthenticate(client, first)
    assert client.get(first).status_code == 200

    assert client.get(f"/media/reports/{with_csv.code}.csv").status_code == 404
    assert client.get(f"/media/reports/{with_csv.code}.pdf").status_code == 404
    assert client.get("/media/reports/").status_code == 404
    # Another run's code with a format only the first run has; an unknown run; formats we never serve.
    assert client.get(reverse("reports:download", kwargs={"code": without_csv.code, "fmt": "csv"})).status_code == 404
    assert client.get(reverse("reports:download", kwargs={"code": uuid.uuid4(), "fmt": "csv"})).status_code == 404
    for fmt in ("txt", "html", "CSV", "csv.exe"):
        assert client.get(reverse("reports:download", kwargs={"code": with_csv.code, "fmt": fmt})).status_code == 404
    assert AuditLog.objects.filter(action="report.download").count() == 1


def test_a_file_missing_on_disk_is_404_not_500(client, world, project):
    run = _finished_run(project)
    run.files.get().file.delete(save=False)
    _log_in_with_password(client, world)
    url = reverse("reports:download", kwargs={"code": run.code, "fmt": "csv"})
    _reauthenticate(client, url)
    assert client.get(url).status_code == 404


# --- The run form and the run page ----------------------------------------------------------------------
def test_coordinator_starts_a_run_and_is_sent_to_its_page(client, world, project, django_capture_on_commit_callbacks):
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("reports:index"),
            {"kind": "esf", "project": "23-051-S06", "period_from": "2025-01-01", "period_to": "2025-03-31"},
        )
    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:run_detail", kwargs={"code": run.code})
    assert (run.requested_by, run.status, run.period_to) == (world.coordinator, RunStatus.QUEUED, dt.date(2025, 3, 31))
    assert len(callbacks) == 1  # the task is enqueued after the commit
    assert AuditLog.objects.filter(action="report.request", target_id=str(run.code)).exists()


def test_esf_with_small_cell_suppression_is_refused_with_a_message(client, world, project):
    client.force_login(world.coordinator)
    response = client.post(
        reverse("reports:index"),
        {
            "kind": "esf",
            "project": "23-051-S06",
            "period_from": "2025-01-01",
            "period_to": "2025-03-31",
            "suppress_small_cells": "on",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "never for the funder" in response.content.decode()
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "esf"},
        {"kind": "esf", "project": "23-051-S06", "period_from": "2025-04-01", "period_to": "2025-01-01"},
        {"kind": "nonsense"},
        {"kind": "project", "project": "no-such-project", "period_from": "2025-01-01", "period_to": "2025-03-31"},
        {"kind": "esf", "project": "23-051-S06", "period_from": "1999-12-31", "period_to": "2025-01-01"},
        {"kind": "esf", "project": "23-051-S06", "period_from": "x" * 10_000, "period_to": "2025-01-01"},
    ],
)
def test_bad_run_requests_get_the_form_back_and_create_nothing(client, world, project, data):
    client.force_login(world.coordinator)
    response = client.post(reverse("reports:index"), data)
    assert response.status_code == 200
    assert b"error-summary" in response.content
    assert not ReportRun.objects.exists()


def test_htmx_poll_returns_only_the_progress_region_and_stops_when_done(client, world, project):
    run = ReportRun.objects.create(
        kind=ReportKind.ESF, project=project, period_from=dt.date(2025, 1, 1), period_to=dt.date(2025, 3, 31)
    )
    client.force_login(world.coordinator)
    url = reverse("reports:run_detail", kwargs={"code": run.code})
    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=40)
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="run-progress"')
    assert partial.rstrip().endswith("</div>")
    assert "<html" not in partial and "<main" not in partial and "<h1" not in partial
    assert 'hx-trigger="every 2s"' in partial and 'value="40"' in partial

    full = client.get(url).content.decode()
    assert "<html" in full and '<div id="run-progress"' in full and "<h1>" in full

    run_report.apply(args=[run.pk])  # not claimable (running): nothing happens
    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED)
    run_report.apply(args=[run.pk])
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-get" not in partial
    assert 'value="100"' in partial
    assert reverse("reports:download", kwargs={"code": run.code, "fmt": "pdf"}) in partial
    assert "<svg" in partial  # the result arrives with the last poll


def test_run_page_shows_tables_and_accessible_svg_charts_without_style_attributes(client, world, project):
    run = ReportRun.objects.create(
        kind=ReportKind.ESF,
        project=project,
        period_from=dt.date(2025, 1, 1),
        period_to=dt.date(2025, 3, 31),
        requested_by=world.coordinator,
    )
    run_report.apply(args=[run.pk])
    client.force_login(world.coordinator)
    html = client.get(reverse("reports:run_detail", kwargs={"code": run.code}), HTTP_ACCEPT_LANGUAGE="en").content
    html = html.decode()
    assert html.count("<svg") == 3
    assert html.count('role="img"') == 3 and html.count("<desc") == 3
    assert 'aria-label="Participants at entry (EECO01–EECO17)"' in html
    assert "style=" not in html
    assert "<script>" not in html
    assert '<th scope="row">EECR06</th>' in html
    # Unique ids across the charts on one page (patterns are referenced by id).
    assert html.count(f'id="chart-{str(run.code)[:8]}-output-p1"') == 1


def _participant(project, world, *, exit_date=None, events=()) -> Participant:
    participant = Participant.objects.create(
        code=f"P{Participant.objects.count()}",
        project=project,
        raised_by_organisation=world.muni_x,
        gender="woman",
        birth_date=dt.date(1990, 1, 1),
        entry_date=dt.date(2024, 11, 1),
        exit_date=exit_date,
        status_at_entry="inactive",
        municipality_id="2580",
    )
    for day, event in events:
        LabourMarketEvent.objects.create(participant=participant, date=day, event=event)
    return participant


def _computed(project, world) -> ReportRun:
    run = ReportRun.objects.create(
        kind=ReportKind.ESF,
        project=project,
        period_from=dt.date(2024, 10, 1),
        period_to=dt.date(2024, 12, 31),
        requested_by=world.coordinator,  # who reads Swedish
    )
    run_report.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def test_a_run_page_says_what_the_report_is_and_warns_in_the_readers_language(client, world, project):
    _participant(project, world)  # ISCED unknown
    run = _computed(project, world)
    assert run.rules_version == RULES_VERSION
    assert run.result["notes"]["unknown_isced"] == 1
    client.force_login(world.coordinator)
    url = reverse("reports:run_detail", kwargs={"code": run.code})
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Computed under the ESF+ definitions of 2026-11-30." in english
    assert '<h2 id="report-about">About these figures</h2>' in english
    assert "These are the project&#x27;s own monitoring figures." in english
    assert "1 participant has an unknown education level (ISCED)" in english
    assert "Detta är projektets" not in english  # the files are Swedish; the page is the reader's
    swedish = client.get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Detta är projektets egna uppföljningssiffror." in swedish
    assert "1 deltagare har okänd utbildningsnivå (ISCED)" in swedish


def test_a_delivered_report_keeps_its_figures_and_a_new_run_of_it_is_marked(
    client, world, project, django_capture_on_commit_callbacks
):
    _participant(project, world, exit_date=dt.date(2024, 12, 1), events=[(dt.date(2024, 11, 10), "employed")])
    delivered = _computed(project, world)
    client.force_login(world.coordinator)
    page = reverse("reports:run_detail", kwargs={"code": delivered.code})
    assert "Mark as delivered to the funder" in client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    response = client.post(reverse("reports:run_deliver", kwargs={"code": delivered.code}))
    assert response.status_code == 302 and response["Location"] == page
    delivered.refresh_from_db()
    assert delivered.delivered_at is not None and delivered.delivered_by == world.coordinator
    assert AuditLog.objects.filter(action="report.deliver", target_id=str(delivered.code)).exists()
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "These figures stay as delivered." in html
    assert "Run this report again under the current definitions" in html

    # The data change; the delivered run does not.
    stored = dict(delivered.result)
    _participant(project, world, exit_date=dt.date(2024, 12, 2), events=[(dt.date(2024, 12, 3), "job_seeking")])
    with django_capture_on_commit_callbacks(execute=False):
        client.post(
            reverse("reports:index"),
            {"kind": "esf", "project": project.diarienummer, "period_from": "2024-10-01", "period_to": "2024-12-31"},
        )
    rerun = ReportRun.objects.exclude(pk=delivered.pk).get()
    assert rerun.rerun_of == delivered
    run_report.apply(args=[rerun.pk])
    delivered.refresh_from_db()
    assert delivered.result == stored and delivered.status == RunStatus.SUCCEEDED
    html = client.get(reverse("reports:run_detail", kwargs={"code": rerun.code}), HTTP_ACCEPT_LANGUAGE="en")
    text = html.content.decode()
    assert f"A new run of the report delivered to the funder on {delivered.delivered_at.date().isoformat()}" in text
    # The new participant: EECO01, EECO04 and EECR01, women and total.
    assert "6 cells differ from the delivered report." in text
    listing = client.get(reverse("reports:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "new run of a delivered report" in listing and "delivered" in listing


@pytest.mark.parametrize("case", ["twice", "failed", "project_kind"])
def test_marking_delivered_what_cannot_be_is_refused_with_a_message(client, world, project, case):
    run = _finished_run(project)
    if case == "twice":
        ReportRun.objects.filter(pk=run.pk).update(delivered_at=timezone.now())
    elif case == "failed":
        ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED)
    else:
        ReportRun.objects.filter(pk=run.pk).update(kind=ReportKind.PROJECT)
    before = ReportRun.objects.values("delivered_at", "delivered_by").get(pk=run.pk)
    client.force_login(world.coordinator)
    response = client.post(
        reverse("reports:run_deliver", kwargs={"code": run.code}), follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    message = "already marked as delivered" if case == "twice" else "Only a finished ESF+ report can be marked"
    assert message in response.content.decode()
    assert ReportRun.objects.values("delivered_at", "delivered_by").get(pk=run.pk) == before


def test_a_run_computed_under_the_first_reading_keeps_its_stored_figures_and_says_so(client, world, project):
    """A result stored before the revision: its warnings are sentences in the requester's language, there are
    no counts, and the run was computed under the first reading (migration reports 0005)."""
    indicators = {code: {"total": 0} if code in ("EECO18", "EECO19") else dict.fromkeys(CELLS, 0) for code in ALL_CODES}
    indicators["EECR04"] = {"women": 3, "men": 0, "non_binary": 0, "total": 3}
    run = _finished_run(project)
    ReportRun.objects.filter(pk=run.pk).update(
        rules_version="2026-11-25",
        result={
            "project": project.diarienummer,
            "from": "2025-01-01",
            "to": "2025-03-31",
            "indicators": indicators,
            "warnings": ["1 stödd organisation av SMF-typ saknar uppgift om antal anställda."],
        },
    )
    client.force_login(world.coordinator)
    html = client.get(reverse("reports:run_detail", kwargs={"code": run.code}), HTTP_ACCEPT_LANGUAGE="en").content
    text = html.decode()
    assert "Computed under the ESF+ definitions of 2026-11-25, which have since been revised (2026-11-30)." in text
    assert '<th scope="row">EECR04</th><td>In employment, including self-employment, upon leaving</td>' in text
    assert '<td class="num">3</td>' in text
    assert "1 stödd organisation av SMF-typ saknar uppgift om antal anställda." in text  # as stored
    assert "These are the project&#x27;s own monitoring figures." in text


def test_failed_run_shows_its_message_and_no_downloads(client, world, project):
    run = ReportRun.objects.create(
        kind=ReportKind.ESF,
        project=project,
        period_from=dt.date(2025, 1, 1),
        period_to=dt.date(2025, 3, 31),
        status=RunStatus.FAILED,
        error="EECO01 ≠ EECO02 + EECO04 + EECO05 (total)",
    )
    client.force_login(world.coordinator)
    html = client.get(reverse("reports:run_detail", kwargs={"code": run.code})).content.decode()
    assert "EECO01 ≠ EECO02 + EECO04 + EECO05 (total)" in html
    assert "download." not in html and "hx-get" not in html


# --- Support records ------------------------------------------------------------------------------------
def test_coordinator_records_support_by_organisation_number(client, world, project):
    client.force_login(world.coordinator)
    response = client.post(
        reverse("reports:support_create"),
        {
            "project": "23-051-S06",
            "orgnr": "16212000-2742",
            "date": "2025-02-03",
            "kind": "advice",
            "direct": "on",
            "note": "Stöd i upphandling",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:support_list") + "?project=23-051-S06"
    record = SupportRecord.objects.get()
    assert (record.organisation, record.kind, record.direct, record.recorded_by) == (
        world.muni_x,
        "advice",
        True,
        world.coordinator,
    )
    assert AuditLog.objects.filter(action="support.create").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Luleå kommun" in page and "212000-2742" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("orgnr", "212000-2743", "check digit"),
        ("orgnr", "556036-0793", "No organisation with this number"),
        ("note", "Ringde 19900101-0017 om stödet", "personal identity number"),
        ("date", "2025-02-30", "valid date"),
        ("kind", "gift", "Select a valid choice"),
    ],
)
def test_bad_support_records_are_refused_with_a_message(client, world, project, field, value, message):
    client.force_login(world.coordinator)
    data = {"project": "23-051-S06", "orgnr": "212000-2742", "date": "2025-02-03", "kind": "advice", "direct": "on"}
    data[field] = value
    response = client.post(reverse("reports:support_create"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SupportRecord.objects.exists()


@pytest.mark.parametrize("name", ["reports:support_create", "reports:support_import"])
def test_a_support_form_starts_with_the_project_its_link_names(client, world, project, name):
    client.force_login(world.coordinator)
    form = client.get(reverse(name) + "?project=23-051-S06").context["form"]
    assert form.initial["project"] == "23-051-S06"
    assert list(form.fields["project"].queryset) == [project]


def test_support_import_is_all_or_nothing_and_lists_every_problem(client, world, project):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.coordinator)
    bad = "orgnr,date,kind,direct\n212000-2742,2025-01-10,advice,true\n222000-2205,2025-01-11,advice,maybe\n"
    response = client.post(
        reverse("reports:support_import"),
        {"project": "23-051-S06", "file": SimpleUploadedFile("s.csv", bad.encode(), "text/csv")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported: 2 problems in the file" in html
    assert "row 3, orgnr:" in html and "row 3, direct:" in html
    assert not SupportRecord.objects.exists()

    good = "\ufefforgnr;date;kind;direct\n212000-2742;2025-01-10;advice;true\n2220002204;2025-01-11;training;false\n"
    response = client.post(
        reverse("reports:support_import"),
        {"project": "23-051-S06", "file": SimpleUploadedFile("s.csv", good.encode(), "text/csv")},
    )
    assert response.status_code == 302
    assert SupportRecord.objects.count() == 2
    assert AuditLog.objects.filter(action="support.import").count() == 1


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x00o\x00r\x00g", b"x" * (2 * 1024 * 1024 + 1)],
    ids=["not-utf8", "too-large"],
)
def test_support_import_refuses_unreadable_files_clearly(client, world, project, content, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.TABULAR_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    client.force_login(world.coordinator)
    response = client.post(
        reverse("reports:support_import"),
        {"project": "23-051-S06", "file": SimpleUploadedFile("s.csv", content, "text/csv")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert b"error-summary" in response.content
    assert not SupportRecord.objects.exists()


def test_support_list_filters_by_project_and_paginates(client, world, project, django_assert_max_num_queries):
    other = FundedProject.objects.create(forbund=ForbundFactory(), diarienummer="24-001-X", name="Annat")
    for _n in range(55):
        SupportRecord.objects.create(project=project, organisation=world.org_a, date=dt.date(2025, 1, 1), kind="advice")
    SupportRecord.objects.create(project=other, organisation=world.org_b, date=dt.date(2025, 1, 1), kind="advice")
    client.force_login(world.coordinator)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("reports:support_list") + "?project=24-001-X", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "Café Kvarnen" in html and "Returen Återbruk" not in html
    response = client.get(reverse("reports:support_list") + "?project=23-051-S06&page=2")
    assert response.status_code == 200
    assert response.content.decode().count("Returen Återbruk") == 5
    assert client.get(reverse("reports:support_list") + "?project=nope&page=-1").status_code == 200


def test_exit_package_is_asked_for_after_reauthentication_and_its_page_lists_the_contents(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.coordinator)
    index = reverse("reports:index")
    response = client.post(index, {"kind": "exit_package"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not ReportRun.objects.exists()
    assert client.get(index).status_code == 200  # the page itself needs no re-authentication

    # Confirming the password carries out the request that asked for it (allauth keeps it meanwhile).
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(response["Location"], {"password": PASSWORD}, follow=True)
    run = ReportRun.objects.get()
    assert run.kind == ReportKind.EXIT_PACKAGE and run.requested_by == world.coordinator
    assert response.redirect_chain[-1][0] == reverse("reports:run_detail", kwargs={"code": run.code})
    run_report.apply(args=[run.pk])
    html = client.get(response.redirect_chain[-1][0], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Contents of the package" in html
    assert '<th scope="row">representations/rep2/data/events.ics</th>' in html
    assert '<th scope="row">representations/rep1/data/matchmaking_participant.csv</th>' in html
    assert reverse("reports:download", kwargs={"code": run.code, "fmt": "zip"}) in html
    assert reverse("reports:download", kwargs={"code": run.code, "fmt": "pdf"}) not in html
