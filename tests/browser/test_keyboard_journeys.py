"""Keyboard-only journeys (WCAG 2.1.1 Keyboard, 2.4.3 Focus Order, 2.4.7 Focus Visible) in a real browser.

After `page.goto` of the first page every step is a key press or typed text: Tab until the wanted control
has focus, then Enter, Space, arrow keys or characters. At every stop the focused element must be visible in
the viewport and draw a focus indicator that its unfocused state does not (outline or box-shadow), and the
first Tab stop of the first page must be the skip link to the main content. axe runs at each end state.

Journeys: logging in with a password and a TOTP code; searching the directory with a facet and opening a
profile; an officer raising a participant need and proposing a placement; registering for an event; a
coordinator running a report and downloading it."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from directory import search
from directory.access import actor_for
from directory.factories import ForbundFactory
from directory.models import ServiceCategory
from events.models import Registration, RegistrationStatus
from matchmaking import services as matchmaking_services
from matchmaking.models import FundedProject, Match, MatchStatus, Need, Participant
from reports.models import ReportRun, RunStatus
from tests.browser.conftest import PASSWORD, assert_no_serious_axe_violations
from tests.browser.test_events import make_event
from tests.browser.test_reports import worker  # noqa: F401  (the real Celery worker fixture)
from tests.conftest import TOTP_SECRET
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.security("J54")]

# A short name for the focused element, for failure messages.
_DESCRIBE_JS = """
const describe = (el) => {
  if (!el || el === document.body) return "<body>";
  const name = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 40);
  const id = el.id ? "#" + el.id : "";
  const field = el.name ? " name=" + el.name : "";
  return `<${el.tagName.toLowerCase()}${id}${field}> ${name}`;
};
"""

# What the focused element draws, read in the page. The unfocused state is read from a shallow clone put
# next to it (same tag, classes and attributes, so the same rules apply except :focus and :focus-visible).
_FOCUS_STYLE_JS = (
    "() => {"
    + _DESCRIBE_JS
    + """
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const pick = (node) => {
    const s = getComputedStyle(node);
    return {outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`, outlineStyle: s.outlineStyle,
            outlineWidth: parseFloat(s.outlineWidth) || 0, boxShadow: s.boxShadow};
  };
  const focused = pick(el);
  const clone = el.cloneNode(false);
  clone.removeAttribute("autofocus");
  el.parentNode.insertBefore(clone, el);
  const unfocused = pick(clone);
  clone.remove();
  return {focused, unfocused, describe: describe(el)};
}
"""
)


def _describe_focus(page: Page) -> str:
    return page.evaluate("() => {" + _DESCRIBE_JS + " return describe(document.activeElement); }")


def assert_focus_visible(page: Page) -> None:
    """The focused element is visible, in the viewport, and draws a focus indicator it lacks when unfocused.
    The element is `document.activeElement`: for a control with parts of its own (the calendar button of a date
    field) that is the field, which then matches :focus-within rather than :focus."""
    element = page.evaluate_handle("() => document.activeElement").as_element()
    assert element is not None
    style = page.evaluate(_FOCUS_STYLE_JS)
    assert style is not None, "focus is on the page body, not on a control"
    assert element.is_visible(), f"{style['describe']} has focus but is not visible"
    in_viewport = element.evaluate(
        "el => { const r = el.getBoundingClientRect(); return r.bottom > 0 && r.right > 0"
        " && r.top < window.innerHeight && r.left < window.innerWidth; }"
    )
    assert in_viewport, f"{style['describe']} has focus but is outside the viewport"
    on, off = style["focused"], style["unfocused"]
    draws = (on["outlineStyle"] != "none" and on["outlineWidth"] >= 2) or on["boxShadow"] != "none"
    differs = (on["outline"], on["boxShadow"]) != (off["outline"], off["boxShadow"])
    assert draws and differs, f"{style['describe']} shows no visible focus indicator: focused {on}, unfocused {off}"


def type_date(page: Page, field: Locator, iso: str) -> None:
    """Type a date into a focused <input type=date> as a person does: each part in the order the browser
    shows them (read from the field's own parts), Arrow Right after the year, which takes up to six digits
    and so does not move on by itself. Month and day move on after two digits."""
    field_id = field.get_attribute("id")
    cdp = page.context.new_cdp_session(page)
    try:
        document = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})
    finally:
        cdp.detach()

    def attributes(node: dict) -> dict[str, str]:
        values = node.get("attributes", [])
        return dict(zip(values[::2], values[1::2], strict=True))

    def find(node: dict) -> dict | None:
        if node.get("localName") == "input" and attributes(node).get("id") == field_id:
            return node
        for child in node.get("shadowRoots", []) + node.get("children", []):
            found = find(child)
            if found:
                return found
        return None

    def parts(node: dict) -> list[str]:
        pseudo = attributes(node).get("pseudo", "")
        own = [pseudo.split("-")[-2]] if re.fullmatch(r"-webkit-datetime-edit-(year|month|day)-field", pseudo) else []
        return own + [p for child in node.get("shadowRoots", []) + node.get("children", []) for p in parts(child)]

    node = find(document["root"])
    assert node is not None, f"no date field #{field_id}"
    order = parts(node)
    assert sorted(order) == ["day", "month", "year"], f"unexpected parts of the date field: {order}"
    year, month, day = iso.split("-")
    for index, part in enumerate(order):
        page.keyboard.type({"year": year, "month": month, "day": day}[part])
        if part == "year" and index < 2:
            page.keyboard.press("ArrowRight")
    expect(field).to_have_value(iso)
    assert_focus_visible(page)


def tab_to(page: Page, target: Locator, max_tabs: int = 60, *, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab when `backwards`) until `target` has focus, checking the focus indicator at every
    stop on the way; fail with the list of elements that had focus if it never does."""
    seen: list[str] = []
    for _ in range(max_tabs):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        seen.append(_describe_focus(page))
        try:
            assert_focus_visible(page)
        except AssertionError as error:
            raise AssertionError(f"{error}\nFocus went to, in order:\n  " + "\n  ".join(seen)) from None
        if target.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(
        f"{target} never got focus after {max_tabs} presses of Tab; focus went to:\n  " + "\n  ".join(seen),
        pytrace=False,
    )


def press(page: Page, key: str) -> None:
    """A key press that leaves focus on the page (not a navigation): the focus must still be visible."""
    page.keyboard.press(key)
    assert_focus_visible(page)


def press_and_wait_for_navigation(page: Page, key: str = "Enter") -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def start(page: Page, url: str) -> None:
    """Open the journey's first page; its first Tab stop is the skip link, which moves focus to the main
    content."""
    page.goto(url)
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_attribute("href", "#main")
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def _language(page: Page, live_server, code: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": code, "url": live_server.url}])


def _current_totp() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def log_in_by_keyboard(page: Page, settings, email: str, *, totp: bool) -> None:
    """On the login page: the e-mail, the password, Enter; then, for two-factor users, the TOTP code (computed
    with the library the app checks it with) and Enter."""
    settings.MFA_TOTP_TOLERANCE = 1  # a code computed at the edge of a 30-second window still counts
    form = page.locator("main form", has=page.locator("input[name='login']"))
    tab_to(page, form.locator("input[name='login']"))
    page.keyboard.type(email)
    tab_to(page, form.locator("input[name='password']"))
    page.keyboard.type(PASSWORD)
    tab_to(page, form.locator("button[type='submit']"))
    press_and_wait_for_navigation(page)
    if totp:
        expect(page).to_have_url(re.compile(re.escape(reverse("mfa_authenticate"))))
        tab_to(page, page.locator("main input[name='code']"))
        page.keyboard.type(_current_totp())
        tab_to(page, page.locator("main form button[type='submit']").first)
        press_and_wait_for_navigation(page)
    expect(page.locator("header form[action$='/logout/'] button")).to_be_visible()


def login_url(live_server, next_url: str) -> str:
    return f"{live_server.url}{reverse('account_login')}?next={quote(next_url)}"


# --- 1. Log in with a password and a TOTP code ---------------------------------------------------------------


@pytest.mark.parametrize(("language", "heading"), [("sv", "Matchning"), ("en", "Matchmaking")])
def test_an_officer_logs_in_with_password_and_totp_by_keyboard(
    page: Page, live_server, settings, world, language, heading
):
    _language(page, live_server, language)
    start(page, live_server.url + reverse("account_login"))
    log_in_by_keyboard(page, settings, world.officer_x.email, totp=True)
    expect(page.locator("html")).to_have_attribute("lang", language)
    # Logged in: the main menu offers matchmaking, reached by keyboard.
    tab_to(page, page.locator("nav.site-nav").get_by_role("link", name=heading))
    press_and_wait_for_navigation(page)
    expect(page.locator("h1")).to_have_text(heading)
    assert_no_serious_axe_violations(page)


# --- 2. Search the directory with a facet and open a profile -------------------------------------------------


@pytest.fixture
def gardens(db) -> None:
    """Two gardening organisations (Luleå, Piteå) and a catering kitchen, with their services indexed."""
    garden = ServiceCategory.objects.get(slug="tradgard-skog")
    lulea = OrganisationFactory(name="Trädgårdarna", kommunkod="2580", city="Luleå")
    pitea = OrganisationFactory(name="Gröna händer", kommunkod="2581", city="Piteå")
    kitchen = OrganisationFactory(name="Cateringköket", kommunkod="2580", city="Luleå")
    lulea.services.add(garden)
    pitea.services.add(garden)
    kitchen.services.add(ServiceCategory.objects.get(slug="catering"))
    search.reindex([lulea.pk, pitea.pk, kitchen.pk])


@pytest.mark.parametrize(
    ("language", "two", "one", "services_heading"),
    [
        ("sv", "2 organisationer hittades.", "1 organisation hittades.", "Trädgård och skog"),
        ("en", "2 organisations found.", "1 organisation found.", "Gardening and forestry"),
    ],
)
def test_a_visitor_searches_the_directory_with_a_facet_and_opens_a_profile_by_keyboard(
    page: Page, live_server, gardens, language, two, one, services_heading
):
    _language(page, live_server, language)
    start(page, live_server.url + reverse("directory:index"))
    count = page.locator("#search-area .result-count")
    expect(count).to_have_text(re.compile(r"^3 "))

    # The search text: results follow as one types (HTMX swaps the results region).
    tab_to(page, page.locator("#id_q"))
    page.keyboard.type("trädgård")
    expect(count).to_have_text(two)
    assert_focus_visible(page)

    # A municipality facet, checked with Space: the results region is swapped and focus stays on the box.
    facet = page.locator("#facet-municipality-2581")
    tab_to(page, facet)
    press(page, "Space")
    expect(count).to_have_text(one)
    expect(facet).to_be_checked()
    expect(facet).to_be_focused()
    assert_focus_visible(page)

    # On to the only result, and into the profile.
    result = page.locator("#search-area .result-list").get_by_role("link", name="Gröna händer")
    tab_to(page, result)
    press_and_wait_for_navigation(page)
    expect(page.locator("h1")).to_have_text("Gröna händer")
    expect(page.locator("section[aria-labelledby='services-heading']")).to_contain_text(services_heading)
    assert_no_serious_axe_violations(page)


# --- 3. An officer raises a participant's need and proposes a placement --------------------------------------

BEST_TITLE = "Arbetsträning i återbruksverkstaden"


@pytest.fixture
def participant(world) -> Participant:
    """A participant of Luleå's officer in a funded project, and an opportunity at ASF A that fits."""
    project = FundedProject.objects.create(
        forbund=ForbundFactory(),
        diarienummer="23-051-S06",
        name="Samverkan för ASF i södra Norrbotten 2.0",
        owner=world.forbund,
        starts_on=dt.date(2024, 1, 1),
        ends_on=dt.date(2027, 12, 31),
    )
    matchmaking_services.opportunity_create(
        actor=actor_for(world.coordinator),
        organisation=world.org_a,
        data={
            "type": "arbetstraning",
            "title": BEST_TITLE,
            "service": ServiceCategory.objects.get(slug="aterbruk"),
            "occupation_code": "9610",
            "municipality_id": "2580",
            "hours_per_week_min": 10,
            "hours_per_week_max": 30,
            "times": ["mornings"],
            "places_total": 2,
            "supervisor_available": True,
            "starts_on": dt.date.today() - dt.timedelta(days=7),
        },
    )
    return matchmaking_services.participant_create(
        actor=actor_for(world.officer_x),
        project=project,
        organisation=world.muni_x,
        data={
            "gender": "woman",
            "birth_date": dt.date(1991, 4, 17),
            "entry_date": dt.date(2025, 1, 15),
            "status_at_entry": "unemployed",
            "unemployed_months": 14,
            "municipality_id": "2580",
        },
    )


def test_an_officer_raises_a_need_and_proposes_a_placement_by_keyboard(
    page: Page, live_server, settings, world, participant
):
    detail = reverse("matchmaking:participant_detail", args=[participant.code])
    start(page, login_url(live_server, detail))
    log_in_by_keyboard(page, settings, world.officer_x.email, totp=True)
    expect(page).to_have_url(live_server.url + detail)

    tab_to(page, page.locator("main").get_by_role("link", name="Lägg till ett behov").first)
    press_and_wait_for_navigation(page)
    expect(page.locator("h1")).to_have_text(f"Vad {participant.code} behöver")
    form = page.locator("main form[method='post']")
    tab_to(page, form.get_by_label("Renhållnings- och återvinningsarbetare (9610)"))
    press(page, "Space")
    tab_to(page, form.get_by_label("Återbruk och second hand"))
    press(page, "Space")
    tab_to(page, form.get_by_label("Timmar per vecka"))
    page.keyboard.type("20")
    tab_to(page, form.get_by_label("Förmiddagar"))
    press(page, "Space")
    tab_to(page, form.get_by_label("Behöver en handledare på plats"))
    press(page, "Space")
    tab_to(page, form.get_by_label("Mer om behovet"))
    page.keyboard.type("Trivs bäst i en lugn verkstad.")
    tab_to(page, form.get_by_role("button", name="Spara och visa förslag"))
    press_and_wait_for_navigation(page)

    need = Need.objects.get()
    assert (need.participant, need.hours_per_week, need.times, need.supervisor_needed) == (
        participant,
        20,
        ["mornings"],
        True,
    )
    expect(page).to_have_url(live_server.url + reverse("matchmaking:need_detail", args=[need.code]))
    propose = page.locator("main").get_by_role("button", name=f"Föreslå till ”{BEST_TITLE}”")
    tab_to(page, propose)
    press_and_wait_for_navigation(page)
    expect(page.locator(".messages")).to_contain_text(f"{participant.code} har föreslagits för ”{BEST_TITLE}”")
    match = Match.objects.get()
    assert (match.need, match.opportunity.title, match.status) == (need, BEST_TITLE, MatchStatus.PROPOSED)
    tab_to(page, page.locator("main").get_by_role("link", name=re.compile("Redan föreslagen")))
    assert_no_serious_axe_violations(page)


# --- 4. Register for an event -----------------------------------------------------------------------------------


def test_a_member_registers_for_an_event_by_keyboard(page: Page, live_server, settings, world):
    event = make_event(world.org_b, title_sv="Nätverksträff om återbruk", title_en="Network meeting on reuse")
    start(page, live_server.url + reverse("events:index"))

    # The calendar, the event, then the login link beside the registration (it comes back to the event).
    tab_to(page, page.locator("main").get_by_role("link", name="Nätverksträff om återbruk"))
    press_and_wait_for_navigation(page)
    expect(page.locator("h1")).to_have_text("Nätverksträff om återbruk")
    tab_to(page, page.locator("section[aria-labelledby='register-heading']").get_by_role("link", name="Logga in"))
    press_and_wait_for_navigation(page)
    log_in_by_keyboard(page, settings, world.staff_a.email, totp=False)
    expect(page).to_have_url(live_server.url + reverse("events:detail", args=[event.code]))

    tab_to(page, page.locator("form.register-form").get_by_role("button", name="Anmäl dig", exact=True))
    press_and_wait_for_navigation(page)
    expect(page.locator(".messages")).to_contain_text("Du är anmäld.")
    expect(page.locator("section.registration-status")).to_contain_text("Du har en plats på det här evenemanget.")
    registration = Registration.objects.get(event=event, user=world.staff_a)
    assert (registration.status, registration.organisation) == (RegistrationStatus.CONFIRMED, world.org_a)
    tab_to(page, page.locator("section.registration-status button").first)
    assert_no_serious_axe_violations(page)


# --- 5. A coordinator runs a report and downloads it ----------------------------------------------------------


@pytest.mark.celery_worker
def test_a_coordinator_runs_a_report_and_downloads_it_by_keyboard(
    page: Page,
    live_server,
    settings,
    world,
    worker,  # noqa: F811
):
    project = FundedProject.objects.create(
        forbund=ForbundFactory(),
        diarienummer="23-051-S06",
        name="Samverkan för ASF i södra Norrbotten 2.0",
        owner=world.forbund,
    )
    Participant.objects.create(
        code="B1",
        project=project,
        raised_by_organisation=world.muni_x,
        gender="woman",
        birth_date=dt.date(1995, 5, 5),
        entry_date=dt.date(2025, 2, 1),
        status_at_entry="unemployed",
        unemployed_months=3,
        municipality_id="2580",
    )
    start(page, login_url(live_server, reverse("reports:index")))
    log_in_by_keyboard(page, settings, world.coordinator.email, totp=True)
    expect(page).to_have_url(live_server.url + reverse("reports:index"))

    form = page.locator("main form[method='post']")
    kind = form.locator("select[name='kind']")
    tab_to(page, kind)
    expect(kind).to_have_value("esf")  # the first report, the ESF+ indicators
    tab_to(page, form.locator("select[name='project']"))
    press(page, "ArrowDown")  # from the empty choice to the only project
    expect(form.locator("select[name='project']")).to_have_value("23-051-S06")
    tab_to(page, form.locator("input[name='period_from']"))
    type_date(page, form.locator("input[name='period_from']"), "2025-01-01")
    tab_to(page, form.locator("input[name='period_to']"))
    type_date(page, form.locator("input[name='period_to']"), "2025-03-31")
    tab_to(page, form.get_by_role("button", name="Starta rapporten"))
    press_and_wait_for_navigation(page)

    run = ReportRun.objects.get()
    expect(page).to_have_url(live_server.url + reverse("reports:run_detail", kwargs={"code": run.code}))
    expect(page.locator("#run-progress [role='status']")).to_contain_text("Klar", timeout=60_000)
    assert ReportRun.objects.get().status == RunStatus.SUCCEEDED

    # The download asks for the password again; Enter on that form starts the download.
    tab_to(page, page.locator("#run-progress").get_by_role("link", name="CSV"))
    press_and_wait_for_navigation(page)
    expect(page).to_have_url(re.compile(re.escape(reverse("account_reauthenticate"))))
    tab_to(page, page.locator("main input[name='password']"))
    page.keyboard.type(PASSWORD)
    tab_to(page, page.locator("main form button[type='submit']").first)
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    download = download_info.value
    assert download.suggested_filename == "asfnet-esf-23-051-S06-2025-01-01_2025-03-31.csv"
    assert "EECO01" in Path(download.path()).read_text(encoding="utf-8-sig")
    assert_focus_visible(page)
    assert_no_serious_axe_violations(page)


def test_the_focus_check_fails_when_a_page_hides_its_focus_indicator(page: Page, live_server, world):
    """The check above can fail: with the focus style taken away, the first Tab stop is refused."""
    page.goto(live_server.url + reverse("account_login"))
    # Through the CSS object model: the Content-Security-Policy refuses an inline <style>.
    page.evaluate(
        "document.styleSheets[0].insertRule("
        "':focus, :focus-visible { outline: none !important; box-shadow: none !important; }',"
        " document.styleSheets[0].cssRules.length)"
    )
    page.keyboard.press("Tab")
    expect(page.locator("a.skip-link")).to_be_focused()
    with pytest.raises(AssertionError, match="shows no visible focus indicator"):
        assert_focus_visible(page)
