"""Reports of outdated information and merging duplicates in a real browser: a visitor reports from the
profile (and sees the form's errors), a member closes the report, a coordinator finds a duplicate and merges
it; the report form (with and without errors), the reports list and both merge pages pass axe in Swedish and
English."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from directory.models import Organisation, OutdatedReport, ReportStatus
from tests.browser.conftest import assert_no_serious_axe_violations, login
from tests.browser.test_reports import _log_in_with_totp
from tests.browser.test_smoke import switch_language_to_english
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.browser


def _check(page: Page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert_no_serious_axe_violations(page)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_report_form_and_reports_list_pass_axe_and_work(page: Page, live_server, world, language):
    page.goto(live_server.url + reverse("directory:detail", args=[world.org_a.code]))
    if language == "en":
        switch_language_to_english(page)
    with page.expect_navigation():
        page.locator("main .report-outdated a").click()
    expect(page.locator("h1")).to_contain_text(world.org_a.name)
    _check(page, language)

    # Sent empty: the error summary and the field marked invalid.
    with page.expect_navigation():
        page.locator("main form button[type='submit']").click()
    expect(page.locator(".error-summary[role='alert'] a")).to_have_count(1)
    expect(page.locator("#id_what_is_wrong")).to_have_attribute("aria-invalid", "true")
    _check(page, language)

    page.locator("#id_what_is_wrong").fill("Telefonnumret går inte fram längre.")
    with page.expect_navigation():
        page.locator("main form button[type='submit']").click()
    expect(page).to_have_url(live_server.url + reverse("directory:detail", args=[world.org_a.code]))
    report = OutdatedReport.objects.get(organisation=world.org_a)

    # A member of the organisation sees it and closes it with a note.
    login(page, live_server, world.admin_a.email)
    page.goto(live_server.url + reverse("directory:outdated_reports", args=[world.org_a.code]))
    expect(page.locator("main")).to_contain_text("Telefonnumret går inte fram längre.")
    _check(page, language)
    page.locator(f"#note-{report.code}").fill("Nytt nummer inlagt.")
    with page.expect_navigation():
        page.locator(f"#note-{report.code} ~ button").click()
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED and report.close_note == "Nytt nummer inlagt."
    _check(page, language)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_merge_pages_pass_axe_and_merge(page: Page, live_server, world, language):
    duplicate = OrganisationFactory(name="Returen Återbruk (dubblett)")
    MembershipFactory(organisation=duplicate)  # something to move: the confirmation lists it in a table
    _log_in_with_totp(page, live_server, world.coordinator.email)
    page.goto(live_server.url + reverse("directory:detail", args=[world.org_a.code]))
    if language == "en":
        switch_language_to_english(page)
    with page.expect_navigation():
        page.locator(f"main a[href='{reverse('directory:merge', args=[world.org_a.code])}']").click()
    _check(page, language)
    page.locator("#id_q").fill("dubblett")
    with page.expect_navigation():
        page.locator("main form[role='search'] button[type='submit']").click()
    link = page.locator(f"main a[href='{reverse('directory:merge_confirm', args=[world.org_a.code, duplicate.code])}']")
    expect(link).to_have_count(1)
    _check(page, language)
    with page.expect_navigation():
        link.click()
    expect(page.locator("main table")).to_be_visible()
    _check(page, language)
    with page.expect_navigation():
        page.locator("main form[method='post'] button[type='submit']").click()
    expect(page).to_have_url(live_server.url + reverse("directory:detail", args=[world.org_a.code]))
    assert not Organisation.objects.filter(pk=duplicate.pk).exists()
