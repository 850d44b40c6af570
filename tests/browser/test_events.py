"""The network calendar in a real browser: a member finds an event in the calendar and registers in one click,
a second member lands on the waiting list and gets the place (an offer to accept) when the first cancels; the
organiser marks attendance; the calendar, event, registration and attendance pages pass axe in Swedish and
English. E-mails are enqueued after commit to the real broker; no worker runs here, so the tests check what
the database holds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from directory.access import actor_for
from events import services
from events.models import Attendance, Audience, Event, EventKind, EventStatus, Registration, RegistrationStatus
from tests.browser.conftest import assert_no_serious_axe_violations, login
from tests.browser.test_smoke import switch_language_to_english

pytestmark = pytest.mark.browser


def make_event(organiser, *, title_sv: str, title_en: str, capacity: int | None = 1) -> Event:
    """A published public event three days from now, made as the organiser's service would leave it."""
    start = (timezone.now() + dt.timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    event = Event(
        organiser=organiser,
        kind=EventKind.NETWORK_MEETING,
        title_sv=title_sv,
        title_en=title_en,
        description_sv="Vi visar verkstaden och pratar om praktikplatser.",
        description_en="We show the workshop and talk about work placements.",
        start=start,
        end=start + dt.timedelta(hours=2),
        place_name="Kulturens hus",
        street_address="Skeppsbrogatan 17",
        kommunkod_id="2580",
        venue_accessibility="Entré utan trappsteg, hörslinga i salen.",
        audience=Audience.PUBLIC,
        capacity=capacity,
        status=EventStatus.PUBLISHED,
    )
    event.full_clean()
    event.save()
    return event


def in_english(page: Page, live_server) -> Page:
    """The flows read the English texts (Swedish is the default and is translated last)."""
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return page


def registration_of(event: Event, user) -> Registration:
    return Registration.objects.exclude(status=RegistrationStatus.CANCELLED).get(event=event, user=user)


def event_url(live_server, event: Event, name: str = "events:detail") -> str:
    return live_server.url + reverse(name, args=[event.code])


def test_member_registers_and_the_waiting_list_moves_up_when_they_cancel(
    page: Page, new_page: Callable[..., Page], live_server, world
):
    event = make_event(world.org_a, title_sv="Nätverksträff om återbruk", title_en="Network meeting on reuse")
    make_event(world.org_b, title_sv="Frukostmöte", title_en="Breakfast meeting", capacity=None)

    # A member of another organisation finds the event in the calendar and registers in one click.
    first = in_english(page, live_server)
    login(first, live_server, world.staff_b.email)
    first.goto(live_server.url + reverse("events:index"))
    results = first.locator("section[aria-labelledby='results-heading']")
    expect(results.locator(".result-count")).to_have_text("2 events.")
    first.locator("#filter-organiser").select_option(label=world.org_a.name)
    with first.expect_navigation():
        first.locator("form.event-filters").get_by_role("button", name="Show events").click()
    expect(results.locator(".result-count")).to_have_text("1 event.")
    expect(results).not_to_contain_text("Breakfast meeting")
    with first.expect_navigation():
        results.get_by_role("link", name="Network meeting on reuse").click()
    expect(first).to_have_url(event_url(live_server, event))
    expect(first.locator("dl.facts")).to_contain_text("1 of 1 places left")

    form = first.locator("form.register-form")
    form.get_by_label("I come from").select_option(label=world.org_b.name)  # staff_b is in two organisations
    with first.expect_navigation():
        form.get_by_role("button", name="Register", exact=True).click()
    expect(first.locator(".messages")).to_contain_text("You are registered.")
    first_status = first.locator("section.registration-status")
    expect(first_status).to_contain_text("You have a place at this event.")
    expect(first.locator("dl.facts")).to_contain_text("Full")
    registration = registration_of(event, world.staff_b)
    assert (registration.status, registration.organisation) == (RegistrationStatus.CONFIRMED, world.org_b)

    # A second member finds the event full and joins the waiting list.
    second = in_english(new_page(), live_server)
    login(second, live_server, world.business_member.email)
    second.goto(event_url(live_server, event))
    expect(second.locator("section[aria-labelledby='register-heading']")).to_contain_text(
        "The event is full. If you register you join the waiting list."
    )
    with second.expect_navigation():
        second.locator("form.register-form").get_by_role("button", name="Join the waiting list").click()
    expect(second.locator(".messages")).to_contain_text("you are on the waiting list")
    second_status = second.locator("section.registration-status")
    expect(second_status).to_contain_text("You are on the waiting list.")
    assert registration_of(event, world.business_member).status == RegistrationStatus.WAITLISTED

    # The first cancels (a POST button): the place is offered to the second, with a deadline.
    with first.expect_navigation():
        first_status.get_by_role("button", name="Cancel my registration").click()
    expect(first.locator(".messages")).to_contain_text("Your registration is cancelled.")
    expect(first.locator("section.registration-status")).to_have_count(0)
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.CANCELLED
    offered = registration_of(event, world.business_member)
    assert offered.status == RegistrationStatus.OFFERED
    assert timezone.now() < offered.offer_expires_at <= event.start

    # The second sees the offer on the event page and accepts it.
    second.reload()
    expect(second_status).to_contain_text("A place is free for you.")
    with second.expect_navigation():
        second_status.get_by_role("button", name="Accept the place").click()
    expect(second.locator(".messages")).to_contain_text("The place is yours.")
    expect(second_status).to_contain_text("You have a place at this event.")
    expect(second_status.get_by_role("button", name="Cancel my registration")).to_be_visible()
    accepted = registration_of(event, world.business_member)
    assert (accepted.status, accepted.offer_expires_at) == (RegistrationStatus.CONFIRMED, None)


def test_organiser_marks_an_attendee_present(page: Page, live_server, world):
    event = make_event(world.org_a, title_sv="Studiebesök", title_en="Study visit", capacity=5)
    attendee = services.registration_create(actor=actor_for(world.business_member), event=event)
    colleague = services.registration_create(actor=actor_for(world.staff_b), event=event, organisation=world.org_b)

    in_english(page, live_server)
    login(page, live_server, world.staff_a.email)
    page.goto(event_url(live_server, event))
    with page.expect_navigation():
        page.get_by_role("link", name="Registrations and attendance").click()
    expect(page).to_have_url(event_url(live_server, event, "events:attendance"))
    table = page.locator("table.attendance-table")
    row = table.locator("tbody tr", has=page.locator("th", has_text=str(world.business_member)))
    expect(row).to_contain_text(world.business.name)
    row.get_by_label("Present", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save attendance").click()

    expect(page).to_have_url(event_url(live_server, event, "events:attendance"))
    expect(page.locator(".messages")).to_contain_text("Attendance was saved.")
    expect(row.get_by_label("Present", exact=True)).to_be_checked()
    assert Registration.objects.get(pk=attendee.pk).attendance == Attendance.PRESENT
    assert Registration.objects.get(pk=colleague.pk).attendance == Attendance.UNKNOWN


@pytest.mark.security("J53")
@pytest.mark.parametrize("language", ["sv", "en"])
def test_calendar_event_registration_and_attendance_pages_pass_axe(page: Page, live_server, world, language):
    event = make_event(world.org_a, title_sv="Marknadsdialog om städtjänster", title_en="Market dialogue on cleaning")
    services.registration_create(actor=actor_for(world.business_member), event=event, dietary_needs="Vegetarisk")
    services.registration_create(actor=actor_for(world.staff_b), event=event, organisation=world.org_b)  # waiting list

    def check() -> None:
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert_no_serious_axe_violations(page)

    page.goto(live_server.url + reverse("events:index"))
    if language == "en":
        switch_language_to_english(page)
    expect(page.locator(".event-list")).to_contain_text(event.title_en if language == "en" else event.title_sv)
    check()

    page.goto(live_server.url + reverse("events:month", args=[event.start.year, event.start.month]))
    detail_path = reverse("events:detail", args=[event.code])
    expect(page.locator(f"table.month-calendar a[href='{detail_path}']")).to_be_visible()
    check()

    # Anonymous: the event page with the guest form, then the guest form sent empty.
    page.goto(event_url(live_server, event))
    guest_form = page.locator("form.guest-form")
    expect(guest_form).to_be_visible()
    check()
    with page.expect_navigation():
        guest_form.locator("button[type='submit']").click()
    summary = page.locator("form.guest-form .error-summary[role='alert']")
    expect(summary).to_be_visible()
    expect(summary.locator("a[href='#id_guest-name']")).to_be_visible()
    expect(page.locator("#id_guest-email")).to_have_attribute("aria-invalid", "true")
    check()
    assert event.registrations.filter(status=RegistrationStatus.PENDING).count() == 0

    # Logged in as the organiser: the event page with the registration form, then the attendance page.
    login(page, live_server, world.staff_a.email)
    page.goto(event_url(live_server, event))
    expect(page.locator("form.register-form")).to_be_visible()
    check()
    page.goto(event_url(live_server, event, "events:attendance"))
    expect(page.locator("table.attendance-table tbody tr")).to_have_count(1)
    check()
