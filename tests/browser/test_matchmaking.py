"""Matchmaking in a real browser, end to end: an officer logs in with password and TOTP, raises a participant
and a need (a personnummer in a free-text field is refused on the way, nothing saved), sees the ranked
suggestions with their reasons in words and proposes the best one; the hosting ASF's admin, in another
browser, finds the proposal on the dashboard, sees no sensitive participant field, accepts and starts it;
the officer ends it with the outcome "employed". axe finds nothing serious or critical on the pages on the
way, in Swedish, and on the dashboard and the need page in English too."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from directory.access import actor_for
from directory.factories import ForbundFactory
from directory.models import ServiceCategory
from matchmaking import services
from matchmaking.models import (
    FundedProject,
    LabourMarketEvent,
    Match,
    MatchStatus,
    Need,
    Opportunity,
    OutcomeEvent,
    Participant,
)
from tests.browser.conftest import PASSWORD, assert_no_serious_axe_violations, login
from tests.conftest import TOTP_SECRET

pytestmark = pytest.mark.browser

PERSONNUMMER = "19900101-0017"  # Luhn-valid: the guard must refuse it
PERSONNUMMER_SV = "Det här ser ut som ett personnummer eller samordningsnummer"
BIRTH_DATE = dt.date(1991, 4, 17)
# The need's free text: sensitive, seen only by the raising organisation and coordinators.
FREE_TEXT = "Trivs bäst i en lugn verkstad med få personer omkring sig."
BEST_TITLE = "Arbetsträning i återbruksverkstaden"
OTHER_TITLE = "Kafébiträde eftermiddagar i Piteå"


@pytest.fixture
def project(world) -> FundedProject:
    return FundedProject.objects.create(
        forbund=ForbundFactory(),
        diarienummer="23-051-S06",
        name="Samverkan för ASF i södra Norrbotten 2.0",
        owner=world.forbund,
        starts_on=dt.date(2024, 1, 1),
        ends_on=dt.date(2027, 12, 31),
        programme_area="Social inkludering",
    )


@pytest.fixture
def opportunities(world) -> tuple[Opportunity, Opportunity]:
    """The best fit at ASF A in Luleå (mornings, supervisor, calm, same kind of work and field) and a weaker
    one at ASF B in Piteå (55 km away, afternoons, no supervisor) that must rank below it."""
    today = timezone.localdate()
    best = services.opportunity_create(
        actor=actor_for(world.coordinator),
        organisation=world.org_a,
        data={
            "type": "arbetstraning",
            "title": BEST_TITLE,
            "description": "Sortering, reparation och försäljning av möbler.",
            "service": ServiceCategory.objects.get(slug="aterbruk"),
            "occupation_code": "9610",
            "municipality_id": "2580",
            "hours_per_week_min": 10,
            "hours_per_week_max": 30,
            "times": ["mornings"],
            "places_total": 2,
            "adaptations": ["calm", "short_days"],
            "supervisor_available": True,
            "starts_on": today - dt.timedelta(days=7),
        },
    )
    other = services.opportunity_create(
        actor=actor_for(world.coordinator),
        organisation=world.org_b,
        data={
            "type": "praktik",
            "title": OTHER_TITLE,
            "service": ServiceCategory.objects.get(slug="cafe-restaurang"),
            "occupation_code": "9413",
            "municipality_id": "2581",
            "hours_per_week_min": 10,
            "hours_per_week_max": 30,
            "times": ["afternoons"],
            "places_total": 1,
            "supervisor_available": False,
            "starts_on": today - dt.timedelta(days=7),
        },
    )
    return best, other


def _log_in_with_totp(page: Page, live_server, settings, email: str) -> None:
    """Password, then the authenticator code, through the real pages (one code per test: a code is single-use).
    The code is computed here and checked by the server a moment later; accepting the neighbouring 30-second
    window keeps a login at the edge of a window from failing at random (the live server reads the setting)."""
    settings.MFA_TOTP_TOLERANCE = 1
    login(page, live_server, email, PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(reverse("mfa_authenticate"))))
    page.locator("main input[name='code']").fill(format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30)))
    with page.expect_navigation():
        page.locator("main form button[type='submit']").first.click()
    expect(page.locator("header form[action$='/logout/'] button")).to_be_visible()


def _submit(page: Page, name: str) -> None:
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name=name).click()


def _switch_language(page: Page, language: str, button: str) -> None:
    switcher = page.locator("form.language-switcher")
    switcher.locator("select[name='language']").select_option(language)
    with page.expect_navigation():
        switcher.get_by_role("button", name=button).click()


def _suggestion(page: Page, title: str) -> Locator:
    return page.locator("ol.suggestions > li", has=page.get_by_role("heading", name=title))


@pytest.mark.security("C16", "H40")
@pytest.mark.adversarial("C")  # C16: the host sees the placement but no sensitive participant field
@pytest.mark.adversarial("H")  # H40: a personnummer in a free-text field is refused, nothing stored
def test_officer_and_host_take_a_need_from_suggestion_to_an_employed_outcome(
    page: Page, new_page, live_server, settings, world, project, opportunities
):
    best, other = opportunities
    officer = page

    # --- The officer logs in (password + TOTP) and opens the matchmaking dashboard -------------------------
    _log_in_with_totp(officer, live_server, settings, world.officer_x.email)
    officer.goto(live_server.url + reverse("matchmaking:index"))
    expect(officer.locator("h1")).to_have_text("Matchning")
    expect(officer.locator("main")).to_contain_text("Placeringar som väntar på dig")
    assert_no_serious_axe_violations(officer)

    # --- Raises a participant: the ESF+ form, first with a personnummer in the consent text --------------
    with officer.expect_navigation():
        officer.locator("main").get_by_role("link", name="Lägg till en deltagare").click()
    expect(officer).to_have_url(live_server.url + reverse("matchmaking:participant_create"))
    expect(officer.locator("h1")).to_have_text("Lägg till en deltagare")
    assert_no_serious_axe_violations(officer)
    form = officer.locator("main form[method='post']")
    expect(form.get_by_label("Finansierat projekt")).to_have_value(str(project.pk))  # the only project
    form.get_by_label("Kön").select_option("woman")
    form.get_by_label("Födelsedatum").fill(BIRTH_DATE.isoformat())
    form.get_by_label("Ställning på arbetsmarknaden vid inskrivningen").select_option("unemployed")
    form.get_by_label("Antal månader i sammanhängande arbetslöshet vid inskrivningen").fill("14")
    form.get_by_label("Utbildningsnivå (ISCED)").select_option("0-2")
    form.get_by_label("Bostadskommun").select_option("2580")
    form.get_by_label("Bor på landsbygden").check()
    form.get_by_label("Samtycket omfattar").fill(f"Matchning och uppföljning för {PERSONNUMMER}")
    _submit(officer, "Lägg till deltagare")

    summary = officer.locator(".error-summary[role='alert']")
    expect(summary).to_be_visible()
    expect(summary.locator("a[href='#id_consent_scope']")).to_contain_text(PERSONNUMMER_SV)
    expect(officer.locator("#id_consent_scope")).to_have_attribute("aria-invalid", "true")
    assert not Participant.objects.exists(), "nothing may be saved when the guard refuses the form"
    assert_no_serious_axe_violations(officer)

    form.get_by_label("Samtycket omfattar").fill("Matchning till praktik och uppföljning")
    _submit(officer, "Lägg till deltagare")
    participant = Participant.objects.get()
    code = participant.code
    assert re.fullmatch(r"P-[A-Z2-9]{8}", code), "the code is generated, never typed in"
    assert (participant.birth_date, participant.unemployed_months, participant.municipality_id) == (
        BIRTH_DATE,
        14,
        "2580",
    )
    assert participant.rural and participant.consent_scope == "Matchning till praktik och uppföljning"
    assert participant.raised_by_organisation == world.muni_x
    assert participant.project == project
    expect(officer).to_have_url(live_server.url + reverse("matchmaking:need_create", args=[code]))
    expect(officer.locator(".messages")).to_contain_text(code)

    # --- Adds a need: first with a personnummer in the free text, then as meant ---------------------------
    form = officer.locator("main form[method='post']")
    expect(form.get_by_label(re.compile(r"^Kommun:?$"))).to_have_value("2580")  # from the participant
    form.get_by_label("Renhållnings- och återvinningsarbetare (9610)").check()
    form.get_by_label("Återbruk och second hand").check()
    form.get_by_label("Timmar per vecka").fill("20")
    form.get_by_label("Förmiddagar").check()
    form.get_by_label("Kan resa (km)").fill("60")
    form.get_by_label("Lugn miljö").check()
    form.get_by_label("Behöver en handledare på plats").check()
    form.get_by_label("Mer om behovet").fill(f"{FREE_TEXT} Pnr {PERSONNUMMER}.")
    _submit(officer, "Spara och visa förslag")
    summary = officer.locator(".error-summary[role='alert']")
    expect(summary.locator("a[href='#id_free_text']")).to_contain_text(PERSONNUMMER_SV)
    assert not Need.objects.exists()
    assert_no_serious_axe_violations(officer)

    form.get_by_label("Mer om behovet").fill(FREE_TEXT)
    _submit(officer, "Spara och visa förslag")
    need = Need.objects.get()
    assert need.free_text == FREE_TEXT

    # --- Sees the ranked suggestions with their reasons in plain words ------------------------------------
    expect(officer).to_have_url(live_server.url + reverse("matchmaking:need_detail", args=[need.code]))
    expect(officer.locator("h1")).to_have_text(f"Behov för {code} och föreslagna praktikplatser")
    items = officer.locator("ol.suggestions > li h3")
    expect(items).to_have_text([BEST_TITLE, OTHER_TITLE])  # best fit first
    first = _suggestion(officer, BEST_TITLE)
    fits = first.locator("ul.reasons-fit")
    for reason in (
        "samma kommun",
        "typen av arbete stämmer",
        "yrkesområdet stämmer",
        "erbjuder förmiddagar",
        "timmarna passar (20 per vecka)",
        "handledare på plats",
        "erbjuder: lugn miljö",
        "börjar i tid",
    ):
        expect(fits).to_contain_text(reason)
    expect(first.locator("ul.reasons-misfit")).to_have_count(0)
    expect(first).to_contain_text("Poäng 100")
    second = _suggestion(officer, OTHER_TITLE)
    expect(second.locator("ul.reasons-fit")).to_contain_text("inom resavstånd (55 km)")
    misfits = second.locator("ul.reasons-misfit")
    for reason in ("en annan typ av arbete", "andra tider på dagen än önskat", "ingen handledare på plats"):
        expect(misfits).to_contain_text(reason)
    assert_no_serious_axe_violations(officer)

    # --- Proposes the best one ----------------------------------------------------------------------------
    with officer.expect_navigation():
        first.get_by_role("button", name=f"Föreslå till ”{BEST_TITLE}”").click()
    expect(officer.locator(".messages")).to_contain_text(f"{code} har föreslagits för ”{BEST_TITLE}”")
    match = Match.objects.get()
    assert (match.need, match.opportunity, match.status) == (need, best, MatchStatus.PROPOSED)
    expect(first.get_by_role("link", name=re.compile("Redan föreslagen"))).to_be_visible()
    match_url = live_server.url + reverse("matchmaking:match_detail", args=[match.code])

    # --- The ASF admin (another browser) finds the proposal and sees no sensitive field -------------------
    host = new_page()
    login(host, live_server, world.admin_a.email)
    host.goto(live_server.url + reverse("matchmaking:index"))
    waiting = host.locator("section[aria-labelledby='host-waiting-heading']")
    expect(waiting.locator("h2")).to_have_text("Förslag som väntar på ditt svar")
    expect(waiting.locator("tbody tr")).to_have_count(1)
    expect(waiting.locator("tbody tr")).to_contain_text(BEST_TITLE)
    assert_no_serious_axe_violations(host)
    with host.expect_navigation():
        waiting.get_by_role("link", name=f"Svara på förslaget om {code}").click()
    expect(host).to_have_url(match_url)
    _assert_no_sensitive_field(host)
    expect(host.locator("main")).to_contain_text("Vad personen söker")
    assert_no_serious_axe_violations(host)

    # --- Accepts it and records the start -----------------------------------------------------------------
    _submit(host, "Godkänn förslaget")
    expect(host.locator(".messages")).to_contain_text("Du har godkänt förslaget")
    match.refresh_from_db()
    best.refresh_from_db()
    assert match.status == MatchStatus.ACCEPTED
    assert best.places_available == 1
    today = timezone.localdate()
    expect(host.get_by_label("Började")).to_have_value(today.isoformat())
    _submit(host, "Placeringen har börjat")
    expect(host.locator(".messages")).to_contain_text("Placeringen har börjat")
    match.refresh_from_db()
    assert (match.status, match.started_on) == (MatchStatus.STARTED, today)
    # The host may end the placement too, but only the raising officer records the person's outcome.
    expect(host.get_by_label("Slutade")).to_be_visible()
    expect(host.locator("#id_outcome")).to_have_count(0)
    _assert_no_sensitive_field(host)
    assert_no_serious_axe_violations(host)

    # --- The officer ends it with the outcome "employed" --------------------------------------------------
    officer.goto(match_url)
    officer_view = officer.locator("section[aria-labelledby='officer-heading']")
    expect(officer_view).to_contain_text(FREE_TEXT)  # the raising organisation does see it
    expect(officer_view).to_contain_text("Passar: samma kommun")
    assert_no_serious_axe_violations(officer)
    officer.get_by_label("Personens situation efteråt").select_option(OutcomeEvent.EMPLOYED.value)
    _submit(officer, "Placeringen har avslutats")
    expect(officer.locator(".messages")).to_contain_text("Placeringen har avslutats")
    match.refresh_from_db()
    best.refresh_from_db()
    assert (match.status, match.ended_on) == (MatchStatus.ENDED, today)
    assert LabourMarketEvent.objects.filter(participant=participant, event=OutcomeEvent.EMPLOYED, date=today).exists()
    assert best.places_available == best.places_total == 2, "the place goes back to the opportunity"
    other.refresh_from_db()
    assert other.places_available == 1 and not other.matches.exists(), "the other suggestion was never touched"

    # --- The participant's page shows the placement and the outcome ---------------------------------------
    officer.goto(live_server.url + reverse("matchmaking:participant_detail", args=[code]))
    expect(officer.locator("h1")).to_have_text(f"Deltagare {code}")
    expect(officer.locator("section[aria-labelledby='placements-heading'] tbody")).to_contain_text("Avslutad")
    expect(officer.locator("section[aria-labelledby='outcomes-heading'] tbody")).to_contain_text("I arbete")
    assert_no_serious_axe_violations(officer)

    # --- The opportunity list -----------------------------------------------------------------------------
    officer.goto(live_server.url + reverse("matchmaking:opportunity_list"))
    expect(officer.locator("h1")).to_have_text("Praktikplatser")
    expect(officer.locator("main .result-list")).to_contain_text(BEST_TITLE)
    assert_no_serious_axe_violations(officer)

    # --- In English: the dashboard and the need page ------------------------------------------------------
    officer.goto(live_server.url + reverse("matchmaking:index"))
    _switch_language(officer, "en", "Byt språk")
    expect(officer.locator("html")).to_have_attribute("lang", "en")
    expect(officer.locator("h1")).to_have_text("Matchmaking")
    expect(officer.locator("main")).to_contain_text("Your organisation's participants")
    assert_no_serious_axe_violations(officer)
    officer.goto(live_server.url + reverse("matchmaking:need_detail", args=[need.code]))
    expect(officer.locator("h1")).to_have_text(f"Need of {code} and suggested placements")
    expect(_suggestion(officer, BEST_TITLE).locator("ul.reasons-fit")).to_contain_text("same municipality")
    expect(_suggestion(officer, OTHER_TITLE).locator("ul.reasons-misfit")).to_contain_text("no supervisor on site")
    assert_no_serious_axe_violations(officer)


def _assert_no_sensitive_field(page: Page) -> None:
    """The host's view of a placement: neither the need's free text nor the birth date nor any of the
    participant's sensitive fields, anywhere in the HTML (not only in what is visible)."""
    html = page.content()
    for secret in (FREE_TEXT, BIRTH_DATE.isoformat(), "17 april 1991", "1991"):
        assert secret not in html, f"the host's placement page shows {secret!r}"
    for label in (
        "Mer om behovet",
        "Födelsedatum",
        "Bostadskommun",
        "funktionsnedsättning",
        "minoritet",
        "hemlös",
        "tredjeland",
        "utländsk bakgrund",
    ):
        assert label.lower() not in html.lower(), f"the host's placement page names the sensitive field {label!r}"
    expect(page.locator("section[aria-labelledby='officer-heading']")).to_have_count(0)


def test_officer_adds_what_improved_to_an_event_recorded_without_it(page: Page, live_server, world, settings, project):
    """An `improved` event recorded before the criterion was required: the dashboard and the participant's
    page say it is missing, the link opens the form on that event, and saving completes it (Swedish)."""
    participant = services.participant_create(
        actor=actor_for(world.officer_x),
        project=project,
        organisation=world.muni_x,
        data={
            "gender": "woman",
            "birth_date": dt.date(1980, 1, 1),
            "entry_date": dt.date(2025, 1, 15),
            "status_at_entry": "employed",
            "municipality_id": "2580",
        },
    )
    legacy = LabourMarketEvent.objects.create(participant=participant, date=dt.date(2025, 3, 1), event="improved")
    _log_in_with_totp(page, live_server, settings, world.officer_x.email)
    page.goto(live_server.url + reverse("matchmaking:index"))
    expect(page.locator("#outcomes-to-complete-heading")).to_have_text(
        "Förbättrade situationer som saknar vad som förbättrades"
    )
    assert_no_serious_axe_violations(page)
    page.goto(live_server.url + reverse("matchmaking:participant_detail", args=[participant.code]))
    outcomes = page.locator("section[aria-labelledby='outcomes-heading'] tbody")
    expect(outcomes).to_contain_text("Kriterium saknas")
    assert_no_serious_axe_violations(page)
    with page.expect_navigation():
        outcomes.get_by_role("link", name="Lägg till vad som förbättrades 2025-03-01").click()
    expect(page.locator("main select[name='event']")).to_have_value("improved")
    expect(page.locator("main input[name='date']")).to_have_value("2025-03-01")
    page.get_by_label("Vad som förbättrades").select_option("promotion")
    assert_no_serious_axe_violations(page)
    _submit(page, "Registrera")
    expect(page.locator("section[aria-labelledby='outcomes-heading'] tbody")).to_contain_text("En befordran")
    legacy.refresh_from_db()
    assert legacy.criterion == "promotion" and LabourMarketEvent.objects.count() == 1
