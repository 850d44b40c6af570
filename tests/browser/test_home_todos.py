"""The home page with a to-do list in a real browser: an ASF member logs in and sees what waits for them,
grouped with counts and action links, and the whole list of one source; axe finds nothing serious in Swedish or
English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_serious_axe_violations, login
from tests.browser.test_reports import _language
from tests.factories import (
    EventFactory,
    FundedProjectFactory,
    MatchFactory,
    NeedFactory,
    OpportunityFactory,
    ParticipantFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("language", "heading", "group"),
    [
        ("sv", "Det här väntar på dig", "Platsförslag att besvara"),
        ("en", "What waits for you", "Placement proposals to answer"),
    ],
)
def test_an_asf_members_home_page_with_to_dos_passes_axe(page: Page, live_server, world, language, heading, group):
    project = FundedProjectFactory()
    opportunity = OpportunityFactory(organisation=world.org_a, title="Sortering och butik")
    for n in range(6):
        person = ParticipantFactory(project=project, raised_by_organisation=world.muni_x, code=f"P-HOME{n}")
        MatchFactory(
            need=NeedFactory(participant=person),
            opportunity=opportunity,
            proposed_at=timezone.now() - dt.timedelta(days=10 - n),
        )
    RegistrationFactory(event=EventFactory(organiser=world.org_a, past=True))
    _language(page, live_server, language)
    login(page, live_server, world.staff_a.email)
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_role("heading", name=group)).to_contain_text("6")
    expect(page.locator(".todo-list").first.locator("li")).to_have_count(5)
    assert_no_serious_axe_violations(page)
    page.locator(".todo-group").first.locator("p a").click()
    expect(page.locator(".todo-list li")).to_have_count(6)
    assert_no_serious_axe_violations(page)
