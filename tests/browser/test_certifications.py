"""Certifications with evidence in a real browser: a member sends a PDF, a coordinator finds it in the list of
certifications awaiting approval and refuses it without a reason (an error), then approves it; every page, with
its error state, passes axe in Swedish and English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from directory.models import Certification, CertificationStatus
from tests import pdfs
from tests.browser.conftest import assert_no_serious_axe_violations, login
from tests.browser.test_reports import _language, _log_in_with_totp

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["sv", "en"])
def test_evidence_is_sent_and_decided_and_the_pages_pass_axe(
    page: Page, new_page, live_server, world, tmp_path, settings, language
):
    settings.MEDIA_ROOT = tmp_path / "media"
    cert = Certification.objects.create(organisation=world.org_a, kind="skoopi", valid_until=dt.date(2099, 1, 1))
    pdf = tmp_path / "intyg.pdf"
    pdf.write_bytes(pdfs.blank_pdf())
    not_pdf = tmp_path / "intyg-falskt.pdf"
    not_pdf.write_bytes(b"GIF89a")

    _language(page, live_server, language)
    login(page, live_server, world.staff_a.email)
    page.goto(live_server.url + reverse("directory:certifications", kwargs={"code": world.org_a.code}))
    assert_no_serious_axe_violations(page)
    evidence_url = reverse(
        "directory:certification_evidence", kwargs={"code": world.org_a.code, "certification": cert.code}
    )
    page.goto(live_server.url + evidence_url)
    assert_no_serious_axe_violations(page)
    page.locator("input[type='file']").set_input_files(str(not_pdf))
    with page.expect_navigation():
        page.locator("main form button[type='submit']").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_no_serious_axe_violations(page)
    page.locator("input[type='file']").set_input_files(str(pdf))
    with page.expect_navigation():
        page.locator("main form button[type='submit']").click()
    assert Certification.objects.get(pk=cert.pk).evidence

    coordinator = new_page()
    _language(coordinator, live_server, language)
    _log_in_with_totp(coordinator, live_server, world.coordinator.email)
    coordinator.goto(live_server.url + reverse("directory:certifications_pending"))
    expect(coordinator.locator("main table")).to_contain_text("Returen Återbruk")
    assert_no_serious_axe_violations(coordinator)
    decide_url = reverse(
        "directory:certification_decide", kwargs={"code": world.org_a.code, "certification": cert.code}
    )
    coordinator.goto(live_server.url + decide_url)
    assert_no_serious_axe_violations(coordinator)
    coordinator.locator("input[value='refuse']").check()
    with coordinator.expect_navigation():
        coordinator.locator("main form button[type='submit']").click()
    expect(coordinator.locator(".error-summary")).to_be_visible()
    assert_no_serious_axe_violations(coordinator)
    coordinator.locator("input[value='approve']").check()
    with coordinator.expect_navigation():
        coordinator.locator("main form button[type='submit']").click()
    assert Certification.objects.get(pk=cert.pk).status == CertificationStatus.APPROVED
    assert_no_serious_axe_violations(coordinator)  # the empty list
