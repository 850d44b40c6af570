"""The account page and the coordinators' management pages (service taxonomy, funded projects) in a real
browser: they pass axe in Swedish and English, also with form errors shown; choosing English on the
account page turns the interface English."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, assert_no_serious_axe_violations, login
from tests.conftest import TOTP_SECRET

pytestmark = pytest.mark.browser


def _language(page: Page, live_server, code: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": code, "url": live_server.url}])


def _log_in_with_totp(page: Page, live_server, settings, email: str) -> None:
    settings.MFA_TOTP_TOLERANCE = 1  # a code computed at the edge of a 30-second window still counts
    login(page, live_server, email, PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(reverse("mfa_authenticate"))))
    page.locator("main input[name='code']").fill(format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30)))
    with page.expect_navigation():
        page.locator("main form button[type='submit']").first.click()
    expect(page.locator("header form[action$='/logout/'] button")).to_be_visible()


def test_the_account_page_passes_axe_and_switches_the_interface_to_english(page: Page, live_server, world):
    login(page, live_server, world.staff_a.email)
    page.get_by_role("link", name="Mitt konto").click()
    expect(page.locator("h1")).to_have_text("Mitt konto")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    assert_no_serious_axe_violations(page)

    page.locator("main").get_by_label("English").check()
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Spara språket").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".messages")).to_contain_text("Your language is saved.")
    expect(page.locator("main")).to_contain_text("Returen Återbruk")
    assert_no_serious_axe_violations(page)
    world.staff_a.refresh_from_db()
    assert world.staff_a.preferred_language == "en"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_taxonomy_and_project_pages_pass_axe(page: Page, live_server, world, settings, language):
    _language(page, live_server, language)
    _log_in_with_totp(page, live_server, settings, world.coordinator.email)
    for name in ("directory:taxonomy", "directory:taxonomy_create", "matchmaking:project_list"):
        page.goto(live_server.url + reverse(name))
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert_no_serious_axe_violations(page)
    page.goto(live_server.url + reverse("directory:taxonomy_edit", kwargs={"slug": "catering"}))
    assert_no_serious_axe_violations(page)

    # The project form with its errors shown: an end before the start.
    page.goto(live_server.url + reverse("matchmaking:project_create"))
    form = page.locator("main form[method='post']")
    form.locator("input[name='diarienummer']").fill("24-100-S07")
    form.locator("input[name='name']").fill("Vägar till arbete")
    form.locator("input[name='starts_on']").fill("2026-01-01")
    form.locator("input[name='ends_on']").fill("2025-01-01")
    with page.expect_navigation():
        form.locator("button[type='submit']").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_no_serious_axe_violations(page)
