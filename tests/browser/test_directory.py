"""The directory in a real browser: a visitor searches as they type (HTMX swaps the results region and
pushes a shareable URL, no page load), narrows the results with a municipality facet and opens a profile;
the same search works without JavaScript; a member edits their own profile; the search, profile, edit,
history and members pages pass axe in Swedish and English."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from directory import search, services
from directory.access import actor_for
from directory.models import Organisation, OrganisationChange, ServiceCategory
from tests.browser.conftest import assert_no_serious_axe_violations, login
from tests.browser.test_smoke import switch_language_to_english
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.browser

QUERY = "trädgård"
QUERY_IN_URL = re.compile(r"[?&]q=" + re.escape(quote(QUERY)) + r"(&|$)")


@dataclass
class Gardens:
    lulea: Organisation
    pitea: Organisation
    kitchen: Organisation


@pytest.fixture
def gardens(db) -> Gardens:
    """Two gardening organisations (Luleå, Piteå) and a catering kitchen, with their services indexed."""
    garden = ServiceCategory.objects.get(slug="tradgard-skog")
    catering = ServiceCategory.objects.get(slug="catering")
    lulea = OrganisationFactory(
        name="Trädgårdarna", kommunkod="2580", city="Luleå", description_sv="Vi sköter parker och trädgårdar."
    )
    pitea = OrganisationFactory(name="Gröna händer", kommunkod="2581", city="Piteå")
    kitchen = OrganisationFactory(name="Cateringköket", kommunkod="2580", city="Luleå")
    lulea.services.add(garden)
    pitea.services.add(garden)
    kitchen.services.add(catering)
    search.reindex([lulea.pk, pitea.pk, kitchen.pk])
    return Gardens(lulea=lulea, pitea=pitea, kitchen=kitchen)


def index_url(live_server, query: str = "") -> str:
    url = live_server.url + reverse("directory:index")
    return f"{url}?q={quote(query)}" if query else url


def test_visitor_searches_as_they_type_and_narrows_by_municipality(page: Page, live_server, gardens):
    page.goto(index_url(live_server))
    count = page.locator("#search-area .result-count")
    expect(count).to_have_text("3 organisationer hittades.")
    results = page.locator("#search-area")
    # A full page load would lose this mark; HTMX swaps only the results region.
    page.evaluate("window.asfnetNoReload = true")

    page.locator("#id_q").press_sequentially(QUERY)
    expect(count).to_have_text("2 organisationer hittades.")
    expect(page).to_have_url(QUERY_IN_URL)
    expect(results.get_by_role("link", name="Trädgårdarna")).to_be_visible()
    expect(results.get_by_role("link", name="Gröna händer")).to_be_visible()
    expect(results.get_by_role("link", name="Cateringköket")).to_have_count(0)
    expect(page.locator("label[for='facet-municipality-2581'] .count")).to_have_text("(1)")

    page.locator("#facet-municipality-2581").check()
    expect(count).to_have_text("1 organisation hittades.")
    expect(page).to_have_url(re.compile(r"[?&]municipality=2581(&|$)"))
    expect(page).to_have_url(QUERY_IN_URL)
    expect(results.get_by_role("link", name="Trädgårdarna")).to_have_count(0)
    expect(page.locator("#facet-municipality-2581")).to_be_checked()
    assert page.evaluate("window.asfnetNoReload === true"), "the search reloaded the whole page"

    with page.expect_navigation():
        results.get_by_role("link", name="Gröna händer").click()
    expect(page).to_have_url(live_server.url + reverse("directory:detail", args=[gardens.pitea.code]))
    expect(page.locator("h1")).to_have_text("Gröna händer")
    expect(page.locator("section[aria-labelledby='services-heading']")).to_contain_text("Trädgård och skog")


def test_search_and_facets_work_without_javascript(new_page: Callable[..., Page], live_server, gardens):
    page = new_page(java_script_enabled=False)
    page.goto(index_url(live_server))
    page.locator("#id_q").fill(QUERY)
    with page.expect_navigation():
        page.locator(".search-form").get_by_role("button", name="Sök").click()
    expect(page).to_have_url(QUERY_IN_URL)
    count = page.locator("#search-area .result-count")
    expect(count).to_have_text("2 organisationer hittades.")
    expect(page.locator("#search-area").get_by_role("link", name="Trädgårdarna")).to_be_visible()

    page.locator("#facet-municipality-2581").check()
    with page.expect_navigation():
        page.locator(".facets button[type='submit']").click()  # shown only without JavaScript (<noscript>)
    expect(page).to_have_url(re.compile(r"[?&]municipality=2581(&|$)"))
    expect(page).to_have_url(QUERY_IN_URL)
    expect(count).to_have_text("1 organisation hittades.")
    expect(page.locator("#search-area").get_by_role("link", name="Gröna händer")).to_be_visible()


def test_member_edits_own_profile_and_sees_the_change(page: Page, live_server, world):
    login(page, live_server, world.staff_a.email)
    detail_url = live_server.url + reverse("directory:detail", args=[world.org_a.code])
    page.goto(detail_url)
    with page.expect_navigation():
        page.get_by_role("link", name="Redigera uppgifter").click()
    expect(page).to_have_url(live_server.url + reverse("directory:edit", args=[world.org_a.code]))

    page.locator("#id_description_sv").fill("Vi sköter också trädgårdar och grönytor i Luleå.")
    page.locator("#fs-services").get_by_label("Trädgård och skog").check()
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Spara").click()

    expect(page).to_have_url(detail_url)
    expect(page.locator(".messages[role='status']")).to_contain_text("Organisationens uppgifter har sparats.")
    expect(page.locator("section[aria-labelledby='about-heading']")).to_contain_text(
        "Vi sköter också trädgårdar och grönytor i Luleå."
    )
    expect(page.locator("section[aria-labelledby='services-heading']")).to_contain_text("Trädgård och skog")
    organisation = Organisation.objects.get(pk=world.org_a.pk)
    assert list(organisation.services.values_list("slug", flat=True)) == ["tradgard-skog"]
    assert "tradgard" in organisation.search_text  # the search index follows the edit
    assert set(OrganisationChange.objects.filter(organisation=organisation).values_list("field", flat=True)) == {
        "description_sv",
        "services",
    }


@pytest.mark.security("J53")
@pytest.mark.parametrize("language", ["sv", "en"])
def test_search_profile_edit_history_and_members_pages_pass_axe(page: Page, live_server, world, gardens, language):
    services.organisation_update(
        actor=actor_for(world.admin_a),
        organisation=world.org_a,
        data={"description_sv": "Vi renoverar möbler.", "services": [ServiceCategory.objects.get(slug="aterbruk")]},
    )

    def check() -> None:
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert_no_serious_axe_violations(page)

    count = page.locator("#search-area .result-count")
    page.goto(index_url(live_server, QUERY))
    if language == "en":
        switch_language_to_english(page)
    expect(count).to_have_text(re.compile(r"^2 "))
    check()
    page.goto(index_url(live_server, "zzxqv"))
    expect(count).to_have_text(re.compile(r"^0 "))
    expect(page.locator("#search-area .result-list")).to_have_count(0)
    check()
    page.goto(live_server.url + reverse("directory:detail", args=[world.org_a.code]))
    expect(page.locator("h1")).to_have_text(world.org_a.name)
    check()

    # An organisation admin: the edit form, the same form with errors, the history and the members.
    login(page, live_server, world.admin_a.email)
    page.goto(live_server.url + reverse("directory:edit", args=[world.org_a.code]))
    expect(page.locator("#fs-services")).to_be_visible()
    check()
    page.locator("#id_website").fill("javascript:alert(1)")
    page.locator("#id_postal_code").fill("12")
    with page.expect_navigation():
        page.locator("main form button[type='submit']").click()
    expect(page.locator(".error-summary[role='alert'] a")).to_have_count(2)
    expect(page.locator("#id_postal_code")).to_have_attribute("aria-invalid", "true")
    check()
    page.goto(live_server.url + reverse("directory:history", args=[world.org_a.code]))
    expect(page.locator("main table tbody tr")).to_have_count(2)
    check()
    page.goto(live_server.url + reverse("directory:members", args=[world.org_a.code]))
    expect(page.locator("main table tbody tr")).to_have_count(2)
    expect(page.locator("main form input[name='email']")).to_be_visible()
    check()
