"""The public home page in a real browser, with the network's content on it (a selection of ASF with their
services, an event, an opportunity, the numbers): axe finds nothing serious in Swedish or in English."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from directory.models import ServiceCategory
from events.factories import EventFactory
from matchmaking.factories import OpportunityFactory
from tests.browser.conftest import assert_no_serious_axe_violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("language", "about", "numbers"),
    [
        ("sv", "Vad ett ASF kan göra för dig", "Nätverket i siffror"),
        ("en", "What an ASF can do for you", "The network in numbers"),
    ],
)
def test_home_page_with_the_network_on_it_passes_axe(page: Page, live_server, world, language, about, numbers):
    world.org_a.services.set(ServiceCategory.objects.filter(slug__in=["catering", "stad"]))
    EventFactory(organiser=world.org_a, title_sv="Frukostmöte", title_en="Breakfast meeting")
    OpportunityFactory(organisation=world.org_a, title="Sortering och butik")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name=about)).to_be_visible()
    expect(page.get_by_role("heading", name=numbers)).to_be_visible()
    expect(page.get_by_role("link", name="Sortering och butik")).to_be_visible()
    assert_no_serious_axe_violations(page)
