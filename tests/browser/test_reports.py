"""Reports in a real browser with a real Celery worker: a coordinator logs in (password + TOTP), starts an
ESF+ report, watches the progress bar reach "Ready" through HTMX polling (no reload), downloads the CSV after
re-entering the password, and axe finds nothing serious on the report pages in Swedish and English."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from asfnet.celery import app as celery_app
from directory.factories import ForbundFactory
from kernel.models import AuditLog
from matchmaking.models import FundedProject, Participant
from reports.models import ReportRun, RunStatus, SupportRecord
from reports.presentation import indicator_name, report_language
from tests.browser.conftest import PASSWORD, assert_no_serious_axe_violations, login
from tests.conftest import TOTP_SECRET

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker]


@pytest.fixture
def worker(live_server, settings, tmp_path):
    """A real worker on this test's own Redis database (the settings give each xdist worker its own)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING") as running:
        yield running


@pytest.fixture
def project(world):
    project = FundedProject.objects.create(
        forbund=ForbundFactory(),
        diarienummer="23-051-S06",
        name="Samverkan för ASF i södra Norrbotten 2.0",
        owner=world.forbund,
    )
    for code, gender in (("B1", "woman"), ("B2", "man"), ("B3", "woman")):
        Participant.objects.create(
            code=code,
            project=project,
            raised_by_organisation=world.muni_x,
            gender=gender,
            birth_date=dt.date(1995, 5, 5),
            entry_date=dt.date(2025, 2, 1),
            status_at_entry="unemployed",
            unemployed_months=3,
            municipality_id="2580",
        )
    SupportRecord.objects.create(project=project, organisation=world.muni_x, date=dt.date(2025, 2, 3), kind="advice")
    return project


def _language(page: Page, live_server, code: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": code, "url": live_server.url}])


def _log_in_with_totp(page: Page, live_server, email: str) -> None:
    login(page, live_server, email, PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(reverse("mfa_authenticate"))))
    code = format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))
    page.locator("main input[name='code']").fill(code)
    with page.expect_navigation():
        page.locator("main form button[type='submit']").first.click()
    expect(page.locator("form[action$='/logout/'] button")).to_be_visible()


def test_coordinator_runs_an_esf_report_watches_it_finish_and_downloads_the_csv(
    page: Page, live_server, world, project, worker
):
    _language(page, live_server, "en")
    _log_in_with_totp(page, live_server, world.coordinator.email)
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url) if request.headers.get("hx-request") else None)

    page.goto(live_server.url + reverse("reports:index"))
    assert_no_serious_axe_violations(page)
    form = page.locator("main form[method='post']")
    form.get_by_label("Report").select_option("esf")
    form.get_by_label("Funded project").select_option("23-051-S06")
    form.get_by_label("From (inclusive)").fill("2025-01-01")
    form.get_by_label("To (inclusive)").fill("2025-03-31")
    with page.expect_navigation():
        form.get_by_role("button", name="Start the report").click()

    run = ReportRun.objects.get()
    run_url = live_server.url + reverse("reports:run_detail", kwargs={"code": run.code})
    assert page.url == run_url
    expect(page.locator("#run-progress [role='status']")).to_contain_text("Ready", timeout=60_000)
    expect(page.locator("#run-progress-bar")).to_have_attribute("value", "100")
    assert page.url == run_url  # HTMX swapped the region; the page was not reloaded
    assert polls and all(url == run_url for url in polls)
    expect(page.locator("#run-progress svg[role='img']").first).to_be_visible()
    expect(page.locator("#run-progress table").first).to_contain_text("EECO01")
    assert ReportRun.objects.get().status == RunStatus.SUCCEEDED
    ready_mail = [m for m in mail.outbox if m.to == [world.coordinator.email]]  # in the coordinator's language
    assert len(ready_mail) == 1
    assert reverse("reports:run_detail", kwargs={"code": run.code}) in ready_mail[0].body
    assert_no_serious_axe_violations(page)

    # The download asks for the password again (allauth's re-authentication), then the file arrives.
    page.locator("#run-progress").get_by_role("link", name="CSV").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("account_reauthenticate"))))
    assert_no_serious_axe_violations(page)
    page.locator("main input[name='password']").fill(PASSWORD)
    with page.expect_download() as download_info:
        page.locator("main form button[type='submit']").first.click()
    download = download_info.value
    assert download.suggested_filename == "asfnet-esf-23-051-S06-2025-01-01_2025-03-31.csv"
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = {row[0]: row for row in csv.reader(io.StringIO(content))}
    with translation.override(report_language(run)):  # the code, then its name in the report's language
        name = indicator_name("EECO01")
    assert rows["EECO01"] == ["EECO01", name, "2", "1", "0", "3"]
    assert rows["EECO18"][5] == "1"
    assert AuditLog.objects.filter(action="report.download", target_id=str(run.code)).count() == 1


@pytest.mark.parametrize("language", ["sv", "en"])
def test_report_pages_have_no_serious_axe_violations(page: Page, live_server, world, project, worker, language):
    _log_in_with_totp(page, live_server, world.coordinator.email)
    _language(page, live_server, language)
    run = ReportRun.objects.create(
        kind="project",
        project=project,
        period_from=dt.date(2025, 1, 1),
        period_to=dt.date(2025, 3, 31),
        suppress_small_cells=True,
        requested_by=world.coordinator,
    )
    from reports.tasks import run_report

    run_report.delay(run.pk)
    for name, kwargs in (
        ("reports:index", {}),
        ("reports:run_detail", {"code": run.code}),
        ("reports:support_list", {}),
        ("reports:support_create", {}),
        ("reports:support_import", {}),
    ):
        page.goto(live_server.url + reverse(name, kwargs=kwargs))
        expect(page.locator("html")).to_have_attribute("lang", language)
        if name == "reports:run_detail":
            expect(page.locator("#run-progress-bar")).to_have_attribute("value", "100", timeout=60_000)
        assert_no_serious_axe_violations(page)
    # A form with errors (an empty POST) is checked too.
    page.goto(live_server.url + reverse("reports:support_create"))
    with page.expect_navigation():
        page.locator("main form button[type='submit']").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_no_serious_axe_violations(page)


def test_coordinator_marks_a_report_delivered_and_runs_it_again_as_a_marked_new_run(
    page: Page, live_server, world, project, worker
):
    """The delivered run keeps its figures; the new run says it repeats a delivered report and how many cells
    differ. The pages say what the figures are, in Swedish, and axe finds nothing serious on them."""
    _language(page, live_server, "sv")
    _log_in_with_totp(page, live_server, world.coordinator.email)
    delivered = ReportRun.objects.create(
        kind="esf",
        project=project,
        period_from=dt.date(2025, 1, 1),
        period_to=dt.date(2025, 3, 31),
        requested_by=world.coordinator,
    )
    from reports.tasks import run_report

    run_report.delay(delivered.pk)
    page.goto(live_server.url + reverse("reports:run_detail", kwargs={"code": delivered.code}))
    expect(page.locator("#run-progress-bar")).to_have_attribute("value", "100", timeout=60_000)
    expect(page.locator("#report-about")).to_have_text("Om siffrorna")
    expect(page.locator("main")).to_contain_text("Detta är projektets egna uppföljningssiffror.")
    with page.expect_navigation():
        page.get_by_role("button", name="Markera som lämnad till finansiären").click()
    expect(page.locator(".messages")).to_contain_text("Rapporten är markerad som lämnad till finansiären.")
    assert_no_serious_axe_violations(page)
    stored = ReportRun.objects.get(pk=delivered.pk).result

    Participant.objects.filter(code="B3").update(gender="non_binary")  # the data change after delivery
    with page.expect_navigation():
        page.get_by_role("button", name="Kör rapporten igen enligt de aktuella definitionerna").click()
    rerun = ReportRun.objects.exclude(pk=delivered.pk).get()
    assert rerun.rerun_of_id == delivered.pk
    expect(page.locator("#run-progress-bar")).to_have_attribute("value", "100", timeout=60_000)
    expect(page.locator("main")).to_contain_text("En ny körning av rapporten som lämnades till finansiären")
    expect(page.locator("main")).to_contain_text("celler skiljer sig från den lämnade rapporten.")
    assert_no_serious_axe_violations(page)
    assert ReportRun.objects.get(pk=delivered.pk).result == stored
