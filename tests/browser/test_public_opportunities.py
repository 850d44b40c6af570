"""Public placement opportunities in a real browser: the list (with its filters), the page to share and the
map layer pass axe in Swedish and English, and the opportunity's square marker is reached from the keyboard
and opens a link to its page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from directory.models import Organisation
from matchmaking.factories import OpportunityFactory
from tests.browser.conftest import assert_no_serious_axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def opportunity(world):
    Organisation.objects.filter(pk=world.org_a.pk).update(latitude=Decimal("65.584400"), longitude=Decimal("22.154700"))
    return OpportunityFactory(organisation=world.org_a, title="Sortering och butik", adaptations=["calm"])


@pytest.mark.parametrize(
    ("language", "heading", "share"),
    [("sv", "Praktikplatser", "Dela praktikplatsen"), ("en", "Placement opportunities", "Share this opportunity")],
)
def test_list_page_and_map_layer_pass_axe(page: Page, live_server, opportunity, language, heading, share):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(live_server.url + reverse("opportunities:list"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert_no_serious_axe_violations(page)

    page.get_by_role("link", name="Sortering och butik").click()
    expect(page.get_by_role("heading", name=share)).to_be_visible()
    assert_no_serious_axe_violations(page)

    page.goto(live_server.url + reverse("directory:map") + "?layer=opportunities")
    square = page.locator("#directory-map .map-square")
    expect(square).to_have_count(1)
    square.focus()
    expect(square).to_be_focused()
    page.keyboard.press("Enter")
    link = page.locator(".leaflet-popup-content a")
    expect(link).to_have_text("Sortering och butik")
    expect(link).to_have_attribute("href", reverse("opportunities:detail", kwargs={"code": opportunity.code}))
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    assert_no_serious_axe_violations(page)
