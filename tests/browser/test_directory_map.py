"""The directory map and "Save this search" in a real browser: Leaflet runs under the strict CSP (a violation
is a console error, which fails the test), markers are reachable from the keyboard, the page works without
JavaScript, and saving after a live (HTMX) search saves the search on screen."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from directory.models import Organisation, SavedSearch
from tests.browser.conftest import allow_console_error, assert_no_serious_axe_violations, login

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _english(page: Page, live_server):
    """The assertions read the English texts (Swedish is the default and is translated last)."""
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


@pytest.fixture
def placed(world):
    for org, lat, lng in (
        (world.org_a, "65.584400", "22.154700"),
        (world.org_b, "65.317200", "21.479400"),
        (world.business, "65.600000", "22.100000"),
    ):
        Organisation.objects.filter(pk=org.pk).update(latitude=Decimal(lat), longitude=Decimal(lng))
    return world


def test_map_draws_a_focusable_marker_per_organisation_without_tiles(page: Page, live_server, placed, settings):
    settings.MAP_TILE_URL = ""
    page.goto(live_server.url + reverse("directory:map"))
    area = page.locator("#map-area")
    expect(area).to_be_visible()
    markers = page.locator("#directory-map .leaflet-marker-icon")
    expect(markers).to_have_count(3)
    expect(page.locator("#directory-map .leaflet-tile")).to_have_count(0)
    icon_src = re.compile(r"^/static/vendor/leaflet/images/marker-icon(-2x)?\.png$")
    expect(markers.first).to_have_attribute("src", icon_src)
    page.wait_for_function("[...document.querySelectorAll('.leaflet-marker-icon')].every(i => i.naturalWidth > 0)")
    expect(page.locator("table.map-table tbody tr")).to_have_count(3)

    marker = page.locator("#directory-map .leaflet-marker-icon[title='Café Kvarnen']")
    marker.focus()
    expect(marker).to_be_focused()
    page.keyboard.press("Enter")
    popup_link = page.locator(".leaflet-popup-content a")
    expect(popup_link).to_have_text("Café Kvarnen")
    expect(popup_link).to_have_attribute("href", reverse("directory:detail", args=[placed.org_b.code]))
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")  # faded in: axe sees the final colours
    assert_no_serious_axe_violations(page)


def _record_requests(page: Page) -> list[str]:
    """The address of every request the page makes (filled while the test runs)."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _expect_outlines_drawn(page: Page, container: str) -> None:
    """The site's own outlines are on the map: one SVG path per municipality, lake, county and neighbour."""
    expect(page.locator(f"{container}.has-basemap")).to_be_attached()
    paths = page.locator(f"{container} .leaflet-overlay-pane svg path")
    expect(paths.nth(300)).to_be_attached()  # 290 municipalities alone
    assert paths.count() >= 400


@pytest.mark.adversarial("G")
def test_map_and_profile_draw_sweden_without_a_request_to_any_other_site(page: Page, live_server, placed, settings):
    settings.MAP_TILE_URL = ""
    urls = _record_requests(page)
    page.goto(live_server.url + reverse("directory:map"))
    expect(page.locator("#directory-map .leaflet-marker-icon")).to_have_count(3)
    _expect_outlines_drawn(page, "#directory-map")
    # The attribution says where the outlines come from.
    expect(page.locator("#directory-map .leaflet-control-attribution")).to_contain_text("Statistics Sweden")
    page.goto(live_server.url + reverse("directory:detail", args=[placed.org_a.code]))
    expect(page.locator("#profile-map .leaflet-marker-icon")).to_have_count(1)
    _expect_outlines_drawn(page, "#profile-map")
    page.wait_for_load_state("networkidle")
    assert "/static/map/sweden.topojson" in {urlsplit(url).path for url in urls}
    hosts = {_origin(url) for url in urls}
    assert hosts == {live_server.url}, f"requests left the site: {sorted(hosts - {live_server.url})}"


def test_markers_are_reached_with_the_tab_key(page: Page, live_server, placed):
    page.goto(live_server.url + reverse("directory:map"))
    expect(page.locator("#directory-map .leaflet-marker-icon")).to_have_count(3)
    page.locator("#directory-map").scroll_into_view_if_needed()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('leaflet-marker-icon')"):
            break
    else:
        pytest.fail("no marker could be reached with Tab")


def test_tile_layer_is_added_when_a_tile_server_is_configured(page: Page, live_server, placed, settings):
    # A same-origin "tile server" (one of Leaflet's own images), so the CSP's img-src 'self' allows it.
    settings.MAP_TILE_URL = live_server.url + "/static/vendor/leaflet/images/layers.png?{z}/{x}/{y}"
    settings.MAP_ATTRIBUTION = "© Testkartan <b>bidragsgivare</b>"
    page.goto(live_server.url + reverse("directory:map"))
    expect(page.locator("#directory-map .leaflet-marker-icon")).to_have_count(3)
    expect(page.locator("#directory-map .leaflet-tile").first).to_be_attached()
    # The attribution is plain text from the settings: shown, never interpreted as HTML.
    attribution = page.locator(".leaflet-control-attribution")
    expect(attribution).to_contain_text("© Testkartan <b>bidragsgivare</b>")
    # The tile server instead of the site's own outlines, never both.
    expect(page.locator("#directory-map.has-tiles")).to_be_attached()
    expect(page.locator("#directory-map.has-basemap")).to_have_count(0)
    expect(page.locator("#directory-map .leaflet-overlay-pane svg path")).to_have_count(0)


def test_page_still_works_when_the_tiles_cannot_load(page: Page, live_server, placed, settings):
    settings.MAP_TILE_URL = live_server.url + "/no-tiles-here/{z}/{x}/{y}.png"
    allow_console_error(page, r"Failed to load resource: the server responded with a status of 404")
    page.goto(live_server.url + reverse("directory:map"))
    expect(page.locator("#directory-map .leaflet-marker-icon")).to_have_count(3)
    expect(page.locator("table.map-table")).to_contain_text("Returen Återbruk")


def test_without_javascript_the_table_is_the_map(browser: Browser, live_server, placed):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(live_server.url + reverse("directory:map") + "?municipality=2580")
        expect(page.locator("#map-area")).to_be_hidden()
        table = page.locator("table.map-table")
        expect(table.locator("tbody tr")).to_have_count(2)
        link = table.get_by_role("link", name="Returen Återbruk")
        expect(link).to_have_attribute("href", reverse("directory:detail", args=[placed.org_a.code]))
        expect(table).to_contain_text("Norrbygg AB")
    finally:
        context.close()


def test_saving_after_a_live_search_saves_the_search_on_screen(page: Page, live_server, placed):
    login(page, live_server, placed.staff_a.email)
    page.goto(live_server.url + reverse("directory:index"))
    page.locator("#facet-municipality-2581").check()  # HTMX updates the results, no page load
    expect(page).to_have_url(re.compile(r"municipality=2581"))
    expect(page.locator("#save-search-form input[name='query']")).to_have_value(re.compile(r"municipality=2581"))
    page.locator("#save-search-name").fill("Piteå")
    with page.expect_navigation():
        page.get_by_role("button", name="Save this search").click()
    expect(page).to_have_url(live_server.url + reverse("directory:saved_searches"))
    saved = SavedSearch.objects.get(user=placed.staff_a)
    assert (saved.name, saved.query_string) == ("Piteå", "municipality=2581")
    assert_no_serious_axe_violations(page)


def test_profile_map_uses_the_tile_server_when_one_is_configured(page: Page, live_server, placed, settings):
    settings.MAP_TILE_URL = live_server.url + "/static/vendor/leaflet/images/layers.png?{z}/{x}/{y}"
    page.goto(live_server.url + reverse("directory:detail", args=[placed.org_a.code]))
    expect(page.locator("#profile-map .leaflet-tile").first).to_be_attached()
    expect(page.locator("#profile-map.has-basemap")).to_have_count(0)


@pytest.mark.parametrize(("language", "heading"), [("sv", "Plats"), ("en", "Location")])
def test_profile_with_a_map_passes_axe(page: Page, live_server, placed, settings, language, heading):
    settings.MAP_TILE_URL = ""
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(live_server.url + reverse("directory:detail", args=[placed.org_a.code]))
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    _expect_outlines_drawn(page, "#profile-map")
    marker = page.locator("#profile-map .leaflet-marker-icon")
    expect(marker).to_have_attribute("alt", "Returen Återbruk")
    assert marker.evaluate("el => el.tabIndex") == -1  # not a Tab stop: it opens nothing
    assert_no_serious_axe_violations(page)


def test_profile_without_javascript_says_where_in_words(new_page, live_server, placed):
    page = new_page(java_script_enabled=False, locale="en-GB")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(live_server.url + reverse("directory:detail", args=[placed.org_b.code]))
    expect(page.locator("#profile-map")).to_be_hidden()
    expect(page.locator("#profile-map-text")).to_have_text("Café Kvarnen is in Piteå.")
