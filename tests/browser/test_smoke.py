"""Browser smoke tests: the main public pages pass axe in Swedish and English, login and logout through
the real forms, the skip link works from the keyboard, and a member edits their organisation."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, allow_console_error, assert_no_serious_axe_violations, login

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class PublicPage:
    name: str
    swedish: str  # text only the Swedish page shows
    english: str  # the same in English
    status: int = 200


PUBLIC_PAGES = [
    PublicPage("home", "Arbetsintegrerande sociala företag", "Work-integration social enterprises"),
    PublicPage("login", "E-postadress", "Email"),
    PublicPage("directory", "Organisationskatalog", "Directory of organisations"),
    PublicPage("organisation", "Organisationsnummer", "Organisation number"),
    PublicPage("accessibility", "Tillgänglighetsredogörelse", "Accessibility statement for asfnet"),
    PublicPage("not_found", "Sidan hittades inte", "Page not found", status=404),
]


def public_path(name: str, world) -> str:
    return {
        "home": reverse("home"),
        "login": reverse("account_login"),
        "directory": reverse("directory:index"),
        "organisation": reverse("directory:detail", args=[world.org_a.code]),
        "accessibility": reverse("accessibility"),
        "not_found": "/finns-inte/",
    }[name]


def open_page(page: Page, url: str, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == status, f"{url} answered {response.status}, expected {status}"
    if status == 404:
        # Chromium logs every 404 document as "Failed to load resource"; here it is the point.
        allow_console_error(page, r"Failed to load resource: the server responded with a status of 404")


def switch_language_to_english(page: Page) -> None:
    """Use the language switcher in the header: choose English, press the button."""
    switcher = page.locator("form.language-switcher")
    switcher.get_by_label("Språk").select_option("en")
    with page.expect_navigation():
        switcher.get_by_role("button", name="Byt språk").click()


@pytest.mark.security("J53")
@pytest.mark.parametrize("public", PUBLIC_PAGES, ids=lambda p: p.name)
def test_public_page_axe_swedish(page: Page, live_server, world, public: PublicPage):
    open_page(page, live_server.url + public_path(public.name, world), public.status)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("main")).to_contain_text(public.swedish)
    assert_no_serious_axe_violations(page)


@pytest.mark.security("J53")
@pytest.mark.parametrize("public", PUBLIC_PAGES, ids=lambda p: p.name)
def test_public_page_axe_english(page: Page, live_server, world, public: PublicPage):
    url = live_server.url + public_path(public.name, world)
    open_page(page, url, public.status)
    switch_language_to_english(page)
    assert page.url == url, "the language switcher should bring the visitor back to the same page"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main")).to_contain_text(public.english)
    expect(page.get_by_role("link", name="Skip to main content")).to_be_attached()
    assert_no_serious_axe_violations(page)


def test_login_and_logout_through_the_real_forms(page: Page, live_server, world):
    login(page, live_server, world.staff_a.email, PASSWORD)
    expect(page).to_have_url(live_server.url + reverse("home"))
    welcome = page.locator("section[aria-labelledby='my-heading']")
    expect(welcome).to_contain_text("Välkommen")
    expect(welcome.get_by_role("link", name=world.org_a.name)).to_be_visible()

    with page.expect_navigation():
        page.locator("header").get_by_role("button", name="Logga ut").click()
    expect(page.locator("header").get_by_role("link", name="Logga in")).to_be_visible()
    expect(page.locator("header").get_by_role("button", name="Logga ut")).to_have_count(0)
    expect(page.locator("section[aria-labelledby='my-heading']")).to_have_count(0)


def test_wrong_password_shows_an_error(page: Page, live_server, world):
    login(page, live_server, world.staff_a.email, "not the password")
    expect(page).to_have_url(re.compile(re.escape(live_server.url + reverse("account_login"))))
    main = page.locator("main")
    expect(main).to_contain_text("Epost-adressen och/eller lösenordet är felaktigt")
    expect(page.locator("header").get_by_role("button", name="Logga ut")).to_have_count(0)
    expect(page.locator("header").get_by_role("link", name="Logga in")).to_be_visible()
    assert_no_serious_axe_violations(page)


@pytest.mark.security("J54")
def test_skip_link_is_first_and_moves_focus_to_main(page: Page, live_server, world):
    open_page(page, live_server.url + reverse("home"))
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Hoppa till huvudinnehållet")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()  # visually hidden until focused, then shown
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_member_edits_own_organisation(page: Page, live_server, world):
    login(page, live_server, world.staff_a.email, PASSWORD)
    edit_url = live_server.url + reverse("directory:edit", args=[world.org_a.code])
    open_page(page, edit_url)
    assert_no_serious_axe_violations(page)

    page.locator("#id_description_sv").fill("Vi renoverar möbler och cyklar i Luleå.")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Spara").click()
    expect(page).to_have_url(live_server.url + reverse("directory:detail", args=[world.org_a.code]))
    expect(page.locator(".messages[role='status']")).to_contain_text("Organisationens uppgifter har sparats.")
    expect(page.locator("main .description")).to_contain_text("Vi renoverar möbler och cyklar i Luleå.")
    world.org_a.refresh_from_db()
    assert world.org_a.description_sv == "Vi renoverar möbler och cyklar i Luleå."


@pytest.mark.security("E25", "J53")
@pytest.mark.adversarial("E")
def test_edit_form_errors_are_summarised_and_accessible(page: Page, live_server, world):
    """A `javascript:` website is refused with an error summary that links to the field; nothing of the
    submitted form is saved, not even the fields that were valid."""
    description_before = world.org_a.description_sv
    login(page, live_server, world.staff_a.email, PASSWORD)
    open_page(page, live_server.url + reverse("directory:edit", args=[world.org_a.code]))

    page.locator("#id_description_sv").fill("Den här texten får inte sparas.")
    page.locator("#id_website").fill("javascript:alert(1)")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Spara").click()
    summary = page.locator(".error-summary[role='alert']")
    expect(summary).to_be_visible()
    link = summary.locator("a[href='#id_website']")
    expect(link).to_be_visible()
    expect(link).to_contain_text("Webbplats")
    expect(link).to_contain_text("giltig URL")
    expect(page.locator("#id_website")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_description_sv")).not_to_have_attribute("aria-invalid", "true")
    link.click()
    expect(page.locator("#id_website")).to_be_focused()
    assert_no_serious_axe_violations(page)
    world.org_a.refresh_from_db()
    assert world.org_a.website == ""
    assert world.org_a.description_sv == description_before
