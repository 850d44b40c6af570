"""The audit log page in a real browser: a coordinator logs in (password + TOTP), filters the log with the
keyboard, and axe finds nothing serious in Swedish and English, with entries and with none."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from kernel.audit import audit_log
from tests.browser.conftest import assert_no_serious_axe_violations
from tests.browser.test_reports import _language, _log_in_with_totp

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_audit_log_filters_and_passes_axe(page: Page, live_server, world, language):
    audit_log(actor=world.staff_a, action="organisation.confirm", target=world.org_a)
    audit_log(actor=world.admin_a, action="organisation.update", target=world.org_a)
    _language(page, live_server, language)
    _log_in_with_totp(page, live_server, world.coordinator.email)
    page.goto(f"{live_server.url}{reverse('audit:log')}")
    assert_no_serious_axe_violations(page)

    page.locator("input[name='person']").fill("staff.a@example.se")
    page.keyboard.press("Enter")
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody")).to_contain_text("organisation.confirm")
    assert_no_serious_axe_violations(page)

    page.goto(f"{live_server.url}{reverse('audit:log')}?person=nobody@example.se")
    expect(page.locator(".result-count")).to_contain_text("0")
    assert_no_serious_axe_violations(page)
