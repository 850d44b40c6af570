"""The key figures in a real browser: charts with their tables; axe finds nothing serious in Swedish or English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_serious_axe_violations
from tests.browser.test_reports import _language, _log_in_with_totp
from tests.factories import EventFactory, FundedProjectFactory, ParticipantFactory, RegistrationFactory

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("language", "heading"), [("sv", "Nyckeltal"), ("en", "Key figures")])
def test_the_key_figures_pass_axe(page: Page, live_server, world, language, heading):
    project = FundedProjectFactory()
    ParticipantFactory(project=project, raised_by_organisation=world.muni_x, entry_date=project.starts_on)
    held = EventFactory(organiser=world.org_a, start_in=dt.timedelta(hours=-3))
    RegistrationFactory(event=held, user=world.staff_b, present=True)
    _language(page, live_server, language)
    _log_in_with_totp(page, live_server, world.coordinator.email)
    page.goto(f"{live_server.url}{reverse('figures:index')}")
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.locator("svg[role='img']")).to_have_count(2)
    assert_no_serious_axe_violations(page)
