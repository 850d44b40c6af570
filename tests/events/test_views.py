"""The calendar's pages: who sees what, registration flows through the views, the e-mailed links, organiser
pages (edit, publish, cancel, attendance, export), self check-in, the month view and the calendar's query
budget. Service-level capacity races live in test_registration.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from directory.models import Organisation
from events import demo, services
from events.demo import SEASON, seed_events
from events.models import (
    Attendance,
    Audience,
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from events.tasks import send_registration_email
from kernel.identifiers import normalise_orgnr
from kernel.models import AuditLog
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, by_code
from tests.personnummer import SWEDISH_MESSAGE, WRITINGS

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def mails(monkeypatch):
    """E-mails the services enqueue after commit: (registration id, kind, token)."""
    sent: list[tuple] = []
    monkeypatch.setattr(send_registration_email, "delay_on_commit", lambda *args: sent.append(args))
    return sent


def make_event(
    organiser,
    *,
    title_sv="Nätverksträff i Luleå",
    title_en="Network meeting in Luleå",
    start_in=dt.timedelta(days=7),
    hours=2,
    status=EventStatus.PUBLISHED,
    audience=Audience.PUBLIC,
    capacity=None,
    invited=(),
    **extra,
) -> Event:
    start = timezone.now() + start_in
    extra.setdefault("place_name", "Kulturens hus")
    extra.setdefault("kommunkod", "2580")
    event = Event(
        organiser=organiser,
        title_sv=title_sv,
        title_en=title_en,
        start=start,
        end=start + dt.timedelta(hours=hours),
        status=status,
        audience=audience,
        capacity=capacity,
        **by_code(extra),
    )
    event.full_clean()
    event.save()
    if invited:
        event.invited_organisations.set(invited)
    return event


def url(name: str, event: Event, **kwargs) -> str:
    return reverse(f"events:{name}", kwargs={"code": event.code, **kwargs})


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def titles_in_calendar(client: Client, **params) -> str:
    response = client.get(reverse("events:index"), params)
    assert response.status_code == 200
    return response.content.decode()


# --- Who sees what -------------------------------------------------------------------------------------
@pytest.fixture
def scoped(world):
    """One event of each audience by ASF A, plus a draft."""
    return {
        "public": make_event(world.org_a, title_sv="Öppen träff"),
        "network": make_event(world.org_a, title_sv="Nätverkets träff", audience=Audience.NETWORK),
        "invited": make_event(
            world.org_a, title_sv="Inbjudna: Café Kvarnen", audience=Audience.INVITED, invited=[world.org_b]
        ),
        "draft": make_event(world.org_a, title_sv="Utkast till träff", status=EventStatus.DRAFT),
    }


VISIBLE = {
    # role: the events the role may see among `scoped`
    "anonymous": {"public"},
    "staff_a": {"public", "network", "invited", "draft"},  # the organiser's member
    "staff_b": {"public", "network", "invited"},  # member of the invited organisation
    "business_member": {"public", "network"},
    "officer_x": {"public", "network"},
    "coordinator": {"public", "network", "invited", "draft"},
}


@pytest.mark.adversarial("C")
@pytest.mark.parametrize("role", list(VISIBLE))
def test_calendar_and_event_pages_show_each_role_exactly_what_it_may_see(client, world, scoped, role):
    user = world.user(role)
    if user:
        client.force_login(user)
    page = titles_in_calendar(client)
    for key, event in scoped.items():
        allowed = key in VISIBLE[role]
        assert (event.title_sv in page) is allowed, f"{key} in the calendar for {role}"
        assert client.get(url("detail", event)).status_code == (200 if allowed else 404), f"{key} page for {role}"
        assert client.get(url("ics", event)).status_code == (200 if allowed else 404), f"{key} .ics for {role}"


@pytest.mark.adversarial("C")
def test_organisers_edit_only_their_own_events_and_outsiders_change_nothing(client, world):
    event = make_event(world.org_a)
    login(client, world.staff_b)
    assert client.get(url("edit", event)).status_code == 404
    data = {"title_sv": "Kapad", "start": "2030-01-01T10:00", "end": "2030-01-01T11:00"}
    for name in ("edit", "publish", "cancel", "attendance"):
        assert client.post(url(name, event), data).status_code == 404, name
    assert client.get(url("attendance_export", event, fmt="csv")).status_code == 404
    event.refresh_from_db()
    assert (event.title_sv, event.status) == ("Nätverksträff i Luleå", EventStatus.PUBLISHED)


def _form_data(event: Event, **changes) -> dict:
    local = {name: timezone.localtime(getattr(event, name), STOCKHOLM) for name in ("start", "end")}
    data = {
        "kind": event.kind,
        "title_sv": event.title_sv,
        "title_en": event.title_en,
        "description_sv": event.description_sv,
        "description_en": event.description_en,
        "start": local["start"].strftime("%Y-%m-%dT%H:%M"),
        "end": local["end"].strftime("%Y-%m-%dT%H:%M"),
        "place_name": event.place_name,
        "street_address": event.street_address,
        "kommunkod": event.kommunkod_id or "",
        "venue_accessibility": event.venue_accessibility,
        "online_url": event.online_url,
        "audience": event.audience,
        "capacity": "" if event.capacity is None else event.capacity,
        "registration_opens": "",
        "registration_closes": "",
        "retention_days": event.retention_days,
    }
    data.update(changes)
    return data


def test_organiser_edits_their_event_and_the_sequence_goes_up(client, world, mails):
    event = make_event(world.org_a)
    login(client, world.staff_a)
    assert client.get(url("edit", event)).status_code == 200
    response = client.post(url("edit", event), _form_data(event, title_sv="Ny rubrik", place_name="Stadshuset"))
    assert response.status_code == 302, response.content.decode()[:2000]
    event.refresh_from_db()
    assert (event.title_sv, event.place_name, event.sequence) == ("Ny rubrik", "Stadshuset", 1)


@pytest.mark.adversarial("C")
def test_extra_fields_in_the_edit_post_are_ignored(client, world, mails):
    """Mass assignment (security-checks C15): status, organiser, sequence and the check-in code are not fields."""
    event = make_event(world.org_a, status=EventStatus.DRAFT)
    code = event.checkin_code
    login(client, world.staff_a)
    forged = _form_data(
        event, status="published", organiser=str(world.org_b.code), sequence="99", checkin_code="AAAAAA"
    )
    assert client.post(url("edit", event), forged).status_code == 302
    event.refresh_from_db()
    assert (event.status, event.organiser, event.checkin_code) == (EventStatus.DRAFT, world.org_a, code)
    assert event.sequence < 99


def test_create_interprets_datetime_local_as_swedish_time_and_saves_a_draft(client, world):
    login(client, world.staff_a)
    page = client.get(reverse("events:create")).content.decode()
    assert 'type="datetime-local"' in page
    data = {
        "organiser": str(world.org_a.code),
        "kind": EventKind.STUDY_VISIT,
        "title_sv": "Studiebesök",
        "start": "2031-01-15T09:00",  # winter: UTC+1
        "end": "2031-07-01T09:00",  # summer: UTC+2
        "place_name": "Returen",
        "audience": Audience.PUBLIC,
        "retention_days": 30,
    }
    response = client.post(reverse("events:create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get(title_sv="Studiebesök")
    assert event.start == dt.datetime(2031, 1, 15, 8, 0, tzinfo=dt.UTC)
    assert event.end == dt.datetime(2031, 7, 1, 7, 0, tzinfo=dt.UTC)
    assert (event.status, event.organiser, event.created_by) == (EventStatus.DRAFT, world.org_a, world.staff_a)


@pytest.mark.adversarial("C")
def test_create_for_someone_elses_organisation_is_refused_and_nothing_saved(client, world):
    login(client, world.staff_a)
    data = {
        "organiser": str(world.org_b.code),
        "kind": EventKind.TRAINING,
        "title_sv": "Falsk arrangör",
        "start": "2031-01-15T09:00",
        "end": "2031-01-15T10:00",
        "place_name": "Var som helst",
        "audience": Audience.PUBLIC,
        "retention_days": 30,
    }
    response = client.post(reverse("events:create"), data)
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not Event.objects.filter(title_sv="Falsk arrangör").exists()


def test_bad_event_input_gets_messages_and_saves_nothing(client, world):
    login(client, world.staff_a)
    data = {
        "organiser": str(world.org_a.code),
        "kind": "nonsense",
        "title_sv": "x" * 10_000,
        "start": "not a date",
        "end": "2031-01-15T08:00",
        "audience": Audience.INVITED,  # without invited organisations
        "capacity": "-5",
        "online_url": "javascript:alert(1)",
        "retention_days": "abc",
    }
    response = client.post(reverse("events:create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<li><a href=") >= 5
    assert not Event.objects.exists()


def test_an_event_that_ends_before_it_starts_is_refused_on_the_end_field(client, world):
    event = make_event(world.org_a)
    login(client, world.staff_a)
    response = client.post(url("edit", event), _form_data(event, start="2031-01-15T10:00", end="2031-01-15T09:00"))
    assert response.status_code == 200
    assert response.context["form"].errors["end"]


def test_publish_and_cancel_are_post_only_and_change_the_status(client, world, mails):
    event = make_event(world.org_a, status=EventStatus.DRAFT)
    login(client, world.admin_a)
    assert client.get(url("publish", event)).status_code == 405
    assert client.post(url("publish", event)).status_code == 302
    event.refresh_from_db()
    assert event.status == EventStatus.PUBLISHED
    assert client.get(url("cancel", event)).status_code == 405
    assert client.post(url("cancel", event)).status_code == 302
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED
    assert "badge-cancelled" in client.get(url("detail", event)).content.decode()


# --- Registration through the pages --------------------------------------------------------------------
def test_member_registers_in_one_click_and_cancels(client, world, mails):
    event = make_event(world.org_b, capacity=5)
    login(client, world.staff_a)
    response = client.post(url("register", event), {"dietary_needs": "Vegetarisk"})
    assert response.status_code == 302
    registration = Registration.objects.get(event=event, user=world.staff_a)
    assert (registration.status, registration.organisation, registration.dietary_needs) == (
        RegistrationStatus.CONFIRMED,
        world.org_a,
        "Vegetarisk",
    )
    page = client.get(url("detail", event)).content.decode()
    assert "Cancel my registration" in page or "Avboka" in page or 'action="' + url("unregister", event) in page
    assert client.post(url("unregister", event)).status_code == 302
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_full_event_puts_the_member_on_the_waiting_list_which_they_can_leave(client, world, mails):
    event = make_event(world.org_b, capacity=1)
    services.registration_create(user=world.staff_b, event=event)
    login(client, world.staff_a)
    client.post(url("register", event))
    registration = Registration.objects.get(event=event, user=world.staff_a)
    assert registration.status == RegistrationStatus.WAITLISTED
    page = client.get(url("detail", event)).content.decode()
    assert "Lämna väntelistan" in page  # "Leave the waiting list" in Swedish, the default language
    client.post(url("unregister", event))
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_a_freed_place_is_offered_and_accepted_on_the_event_page(client, world, mails):
    event = make_event(world.org_b, capacity=1)
    first = services.registration_create(user=world.staff_b, event=event)
    waiting = services.registration_create(user=world.staff_a, event=event)
    services.registration_cancel(registration=first, actor=world.staff_b)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.OFFERED
    login(client, world.staff_a)
    assert url("accept_offer", event) in client.get(url("detail", event)).content.decode()
    assert client.post(url("accept_offer", event)).status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED


def test_member_of_several_organisations_chooses_which_one_they_come_from(client, world, mails):
    event = make_event(world.org_a, capacity=5)
    login(client, world.staff_b)  # member of org_b and hidden_org
    page = client.get(url("detail", event)).content.decode()
    assert 'name="organisation"' in page and world.hidden_org.name in page
    client.post(url("register", event), {"organisation": str(world.hidden_org.code)})
    assert Registration.objects.get(event=event, user=world.staff_b).organisation == world.hidden_org


@pytest.mark.adversarial("C")
def test_registering_as_an_organisation_one_is_not_a_member_of_is_refused(client, world, mails):
    event = make_event(world.org_a, capacity=5)
    login(client, world.staff_b)
    response = client.post(url("register", event), {"organisation": str(world.org_a.code)})
    assert response.status_code == 200
    assert not Registration.objects.filter(event=event).exists()


def test_group_registration_registers_the_chosen_colleagues(client, world, mails):
    event = make_event(world.org_b, capacity=5)
    colleague = MembershipFactory(organisation=world.org_a).user
    login(client, world.admin_a)
    page = client.get(url("detail", event)).content.decode()
    assert str(world.staff_a) in page and str(world.staff_b) not in page
    prefix = f"group-{world.org_a.code}"
    response = client.post(
        url("register_group", event),
        {"organisation": str(world.org_a.code), f"{prefix}-colleagues": [str(world.staff_a.code), str(colleague.code)]},
    )
    assert response.status_code == 302
    registrations = Registration.objects.filter(event=event)
    assert {r.user for r in registrations} == {world.staff_a, colleague}
    assert {r.registered_by for r in registrations} == {world.admin_a}


@pytest.mark.adversarial("C")
def test_group_registration_cannot_register_people_of_another_organisation(client, world, mails):
    event = make_event(world.org_b, capacity=5)
    login(client, world.admin_a)
    prefix = f"group-{world.org_a.code}"
    response = client.post(
        url("register_group", event),
        {"organisation": str(world.org_a.code), f"{prefix}-colleagues": [str(world.staff_b.code)]},
    )
    assert response.status_code == 200
    assert response.context["groups"][0][1].errors
    assert not Registration.objects.filter(event=event).exists()
    # An organisation the user is not a member of gives no form at all.
    response = client.post(
        url("register_group", event),
        {"organisation": str(world.org_b.code), f"group-{world.org_b.code}-colleagues": [str(world.staff_b.code)]},
    )
    assert response.status_code == 302
    assert not Registration.objects.filter(event=event).exists()


def _run_mail(sent: list[tuple]) -> str:
    """Run the last enqueued e-mail task as the worker would and return the message body."""
    send_registration_email(*sent[-1])
    return mail.outbox[-1].body


def _link(body: str) -> str:
    return re.search(r"https?://[^\s]+/events/r/[^\s/]+/", body).group(0).split("://", 1)[1].split("/", 1)[1]


def test_guest_registers_and_the_link_confirms_only_with_a_post(client, world, mails):
    event = make_event(world.org_a, capacity=5)
    response = client.post(
        url("register_guest", event),
        {"guest-name": "Elin Berglund", "guest-email": "Elin@Example.se", "guest-dietary_needs": "Vegan"},
    )
    assert response.status_code == 302
    registration = Registration.objects.get(event=event)
    assert (registration.status, registration.guest_email) == (RegistrationStatus.PENDING, "elin@example.se")
    link = "/" + _link(_run_mail(mails))
    page = client.get(link)
    assert page.status_code == 200
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING, "GET must not confirm"
    assert client.post(link, {"action": "confirm"}).status_code == 302
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    # The same link now cancels, again only by POST.
    client.get(link)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    client.post(link, {"action": "cancel"})
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_guest_form_errors_are_shown_and_nothing_is_saved(client, world, mails):
    event = make_event(world.org_a, capacity=5)
    response = client.post(url("register_guest", event), {"guest-name": "", "guest-email": "not-an-address"})
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not Registration.objects.exists()


@pytest.mark.adversarial("H")
def test_personnummer_in_guest_needs_is_refused_and_nothing_saved(client, world, mails):
    event = make_event(world.org_a, capacity=5)
    response = client.post(
        url("register_guest", event),
        {"guest-name": "Elin", "guest-email": "elin@example.se", "guest-accessibility_needs": "811218-9876 rullstol"},
    )
    assert response.status_code == 200
    assert not Registration.objects.exists()


@pytest.mark.adversarial("E")
def test_guest_registrations_for_one_address_are_rate_limited(client, world, mails):
    """Every guest registration e-mails the given address, so the form cannot be used to flood one inbox."""
    events = [make_event(world.org_a, capacity=5, title_sv=f"Träff {i}") for i in range(6)]
    data = {"guest-name": "Elin", "guest-email": "victim@example.se"}
    answers = [client.post(url("register_guest", event), data).status_code for event in events]
    assert answers == [302, 302, 302, 302, 302, 429]
    assert Registration.objects.count() == 5
    assert len(mails) == 5


def test_guests_cannot_register_for_network_events_and_members_are_sent_to_the_member_form(client, world, mails):
    network = make_event(world.org_a, audience=Audience.NETWORK)
    data = {"guest-name": "Elin", "guest-email": "elin@example.se"}
    assert client.post(url("register_guest", network), data).status_code == 404  # anonymous: not visible
    login(client, world.staff_b)
    assert client.post(url("register_guest", network), data).status_code == 302
    public = make_event(world.org_a)
    assert client.post(url("register_guest", public), data).status_code == 302
    assert not Registration.objects.exists()


@pytest.mark.adversarial("D")
@pytest.mark.parametrize(
    "status", [RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED, "offered"]
)
def test_get_on_a_registration_link_changes_nothing(client, world, status):
    event = make_event(world.org_a, capacity=5)
    token = "a-secret-token-for-the-test"
    registration = Registration.objects.create(
        event=event,
        guest_name="Elin",
        guest_email="elin@example.se",
        status=status,
        offer_expires_at=timezone.now() + dt.timedelta(hours=5) if status == "offered" else None,
        token_hash=services.hash_token(token),
    )
    before = Registration.objects.filter(pk=registration.pk).values().get()
    link = reverse("events:registration_link", kwargs={"token": token})
    for _ in range(2):
        assert client.get(link).status_code == 200
    assert Registration.objects.filter(pk=registration.pk).values().get() == before


def test_offer_link_accepts_or_declines_and_declining_passes_the_place_on(client, world, mails):
    event = make_event(world.org_a, capacity=1)
    holder = services.registration_create(user=world.staff_b, event=event)
    second = services.registration_create_guest(event=event, name="Elin", email="elin@example.se")
    services.registration_confirm_guest(registration=second)
    third = services.registration_create_guest(event=event, name="Oskar", email="oskar@example.se")
    services.registration_confirm_guest(registration=third)
    mails.clear()
    services.registration_cancel(registration=holder, actor=world.staff_b)
    second.refresh_from_db()
    assert second.status == RegistrationStatus.OFFERED
    link = "/" + _link(_run_mail(mails))
    page = client.get(link).content.decode()
    assert 'value="accept"' in page and 'value="cancel"' in page
    client.post(link, {"action": "cancel"})  # decline
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, third.status) == (RegistrationStatus.CANCELLED, RegistrationStatus.OFFERED)
    link = "/" + _link(_run_mail(mails))
    client.post(link, {"action": "accept"})
    third.refresh_from_db()
    assert third.status == RegistrationStatus.CONFIRMED


def test_an_action_the_link_does_not_allow_is_refused(client, world, mails):
    event = make_event(world.org_a, capacity=5)
    token = "confirmed-token"
    registration = Registration.objects.create(
        event=event,
        guest_name="Elin",
        guest_email="elin@example.se",
        status=RegistrationStatus.CONFIRMED,
        token_hash=services.hash_token(token),
    )
    response = client.post(reverse("events:registration_link", kwargs={"token": token}), {"action": "accept"})
    assert response.status_code == 400
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


@pytest.mark.parametrize("token", ["nope", "x" * 300, "%00", "' OR 1=1 --"])
def test_an_unknown_registration_link_is_a_404_page(client, db, token):
    response = client.get(reverse("events:registration_link", kwargs={"token": token}))
    assert response.status_code == 404
    assert "events/registration_link_invalid.html" in [t.name for t in response.templates]


@pytest.mark.adversarial("D")
def test_registering_without_a_csrf_token_is_refused(world):
    event = make_event(world.org_b, capacity=5)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.staff_a)
    assert client.post(url("register", event)).status_code == 403
    assert not Registration.objects.exists()


# --- The online link -----------------------------------------------------------------------------------
ONLINE = "https://meet.example.se/hemlig-lank"


@pytest.mark.adversarial("C")
def test_the_online_link_is_shown_only_to_confirmed_people_and_organisers(client, world, mails):
    event = make_event(world.org_a, capacity=1, online_url=ONLINE)
    services.registration_create(user=world.staff_b, event=event)  # confirmed
    services.registration_create(user=world.business_member, event=event)  # waitlisted
    assert ONLINE not in client.get(url("detail", event)).content.decode()  # anonymous
    expectations = {"staff_b": True, "business_member": False, "officer_x": False, "staff_a": True, "coordinator": True}
    for role, shown in expectations.items():
        login(client, getattr(world, role))
        assert (ONLINE in client.get(url("detail", event)).content.decode()) is shown, role
        unfolded = client.get(url("ics", event)).content.decode().replace("\r\n ", "")
        assert (ONLINE in unfolded) is shown, f"{role} .ics"


# --- Self check-in -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start_in", "hours", "right_code", "checked_in"),
    [
        (dt.timedelta(hours=2), 2, True, False),  # before the window
        (dt.timedelta(minutes=20), 2, True, True),  # 20 minutes before the start: open
        (-dt.timedelta(minutes=30), 2, True, True),  # during the event
        (-dt.timedelta(hours=3), 2, True, False),  # after the end
        (-dt.timedelta(minutes=30), 2, False, False),  # wrong code
    ],
)
def test_self_check_in_works_only_with_the_right_code_during_the_window(
    client, world, mails, start_in, hours, right_code, checked_in
):
    event = make_event(world.org_b, capacity=5)
    registration = services.registration_create(user=world.staff_a, event=event)
    start = timezone.now() + start_in
    Event.objects.filter(pk=event.pk).update(start=start, end=start + dt.timedelta(hours=hours))
    login(client, world.staff_a)
    assert client.get(url("checkin", event)).status_code == 200
    code = event.checkin_code.lower() if right_code else "WRONG1"
    response = client.post(url("checkin", event), {"code": code})
    registration.refresh_from_db()
    assert (registration.checked_in_at is not None) is checked_in
    assert response.status_code == (302 if checked_in else 200)
    if checked_in:
        assert registration.attendance == Attendance.PRESENT
    else:
        assert response.context["form"].errors["code"]


def test_check_in_without_a_registration_is_refused(client, world, mails):
    event = make_event(world.org_b, capacity=5, start_in=-dt.timedelta(minutes=5))
    login(client, world.staff_a)
    response = client.post(url("checkin", event), {"code": event.checkin_code})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]


# --- Attendance and export -----------------------------------------------------------------------------
def _with_people(world, mails, event):
    a = services.registration_create(user=world.staff_b, event=event)
    b = services.registration_create(user=world.business_member, event=event)
    guest = services.registration_create_guest(
        event=event, name='=HYPERLINK("http://evil")', email="guest@example.se", dietary_needs="+glutenfri"
    )
    services.registration_confirm_guest(registration=guest)
    return a, b, guest


def test_attendance_is_saved_for_every_row_with_one_post(client, world, mails):
    event = make_event(world.org_a, capacity=10)
    a, b, guest = _with_people(world, mails, event)
    login(client, world.staff_a)
    page = client.get(url("attendance", event)).content.decode()
    assert event.checkin_code in page and 'scope="col"' in page
    response = client.post(
        url("attendance", event),
        {f"attendance-{a.code}": "present", f"attendance-{b.code}": "absent", f"attendance-{guest.code}": "excused"},
    )
    assert response.status_code == 302
    assert {r.pk: r.attendance for r in Registration.objects.filter(event=event)} == {
        a.pk: Attendance.PRESENT,
        b.pk: Attendance.ABSENT,
        guest.pk: Attendance.EXCUSED,
    }
    assert AuditLog.objects.filter(action="registration.attendance").count() == 3


def test_a_bad_attendance_value_saves_nothing(client, world, mails):
    event = make_event(world.org_a, capacity=10)
    a, b, _guest = _with_people(world, mails, event)
    login(client, world.staff_a)
    response = client.post(url("attendance", event), {f"attendance-{a.code}": "present", f"attendance-{b.code}": "x"})
    assert response.status_code == 200
    assert set(Registration.objects.values_list("attendance", flat=True)) == {Attendance.UNKNOWN}


def test_attendance_page_shows_the_waiting_list(client, world, mails):
    event = make_event(world.org_a, capacity=1)
    services.registration_create(user=world.staff_b, event=event)
    services.registration_create(user=world.business_member, event=event)
    login(client, world.staff_a)
    sheet = client.get(url("attendance", event)).context["sheet"]
    assert [r.user for r in sheet.waiting] == [world.business_member]


@pytest.mark.adversarial("E")
def test_csv_export_has_every_registered_person_and_neutralises_formulas(client, world, mails):
    event = make_event(world.org_a, capacity=10)
    _with_people(world, mails, event)
    login(client, world.staff_a)
    response = client.get(url("attendance_export", event, fmt="csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 4
    names = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in names
    assert "'+glutenfri" in [row[6] for row in rows[1:]]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row)
    assert AuditLog.objects.filter(action="event.attendance_export", target_id=str(event.code)).count() == 1


@pytest.mark.adversarial("E")
def test_xlsx_export_loads_and_neutralises_formulas(client, world, mails):
    from openpyxl import load_workbook

    event = make_event(world.org_a, capacity=10)
    _with_people(world, mails, event)
    login(client, world.staff_a)
    response = client.get(url("attendance_export", event, fmt="xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert len(rows) == 4
    assert '\'=HYPERLINK("http://evil")' in [row[0] for row in rows]
    assert not any(str(cell).startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row)


def test_export_in_an_unknown_format_is_404(client, world):
    event = make_event(world.org_a)
    login(client, world.staff_a)
    assert client.get(url("attendance_export", event, fmt="pdf")).status_code == 404


# --- Month view ----------------------------------------------------------------------------------------
def test_month_view_is_a_table_with_caption_and_column_headers_listing_events_on_their_day(client, world):
    start = dt.datetime(2031, 3, 12, 10, 0, tzinfo=STOCKHOLM)
    event = make_event(world.org_a, title_sv="Marsträff")
    Event.objects.filter(pk=event.pk).update(start=start, end=start + dt.timedelta(hours=2))
    response = client.get(reverse("events:month", kwargs={"year": 2031, "month": 3}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<caption>" in page and page.count('scope="col"') == 7
    day = next(d for week in response.context["month"].weeks for d in week if d.date == dt.date(2031, 3, 12))
    assert [e.pk for e in day.events] == [event.pk]
    assert reverse("events:month", kwargs={"year": 2031, "month": 2}) in page
    assert reverse("events:month", kwargs={"year": 2031, "month": 4}) in page
    assert "Marsträff" in page


def test_an_event_over_midnight_is_listed_on_both_days_and_a_hidden_event_on_none(client, world):
    start = dt.datetime(2031, 5, 30, 20, 0, tzinfo=STOCKHOLM)
    event = make_event(world.org_a, title_sv="Natt")
    hidden = make_event(world.org_a, title_sv="Dold", audience=Audience.NETWORK)
    Event.objects.filter(pk__in=[event.pk, hidden.pk]).update(start=start, end=start + dt.timedelta(hours=6))
    month = client.get(reverse("events:month", kwargs={"year": 2031, "month": 5})).context["month"]
    days = {d.date: [e.title_sv for e in d.events] for week in month.weeks for d in week if d.in_month}
    assert days[dt.date(2031, 5, 30)] == ["Natt"]
    assert days[dt.date(2031, 5, 31)] == ["Natt"]


@pytest.mark.parametrize(("year", "month"), [(2031, 13), (2031, 0), (1999, 5), (3000, 1), (99999999999, 1)])
def test_a_month_that_does_not_exist_is_404(client, db, year, month):
    assert client.get(reverse("events:month", kwargs={"year": year, "month": month})).status_code == 404


# --- The calendar list ---------------------------------------------------------------------------------
def test_calendar_filters_by_municipality_kind_organiser_audience_and_time(client, world):
    make_event(world.org_a, title_sv="Luleåträff", kommunkod="2580")
    make_event(world.org_b, title_sv="Piteåutbildning", kommunkod="2581", kind=EventKind.TRAINING)
    make_event(world.org_b, title_sv="Gammal träff", start_in=-dt.timedelta(days=10))
    login(client, world.staff_a)

    def shown(**params) -> set[str]:
        events = client.get(reverse("events:index"), params).context["page"].object_list
        return {e.title_sv for e in events}

    assert shown() == {"Luleåträff", "Piteåutbildning"}
    assert shown(municipality="2581") == {"Piteåutbildning"}
    assert shown(kind="training") == {"Piteåutbildning"}
    assert shown(organiser=str(world.org_a.code)) == {"Luleåträff"}
    assert shown(audience="network") == set()
    assert shown(when="past") == {"Gammal träff"}
    assert shown(kind=["training", "network_meeting"]) == {"Luleåträff", "Piteåutbildning"}


@pytest.mark.adversarial("E")
@pytest.mark.parametrize(
    "params",
    [
        {"municipality": "' OR 1=1 --"},
        {"kind": "\x00"},
        {"organiser": "not-a-uuid"},
        {"organiser": "x" * 5000},
        {"audience": ["public", "nonsense"]},
        {"when": "<script>"},
        {"page": "-1"},
        {"page": "99999999999999999999"},
        {"page": "abc"},
    ],
)
def test_junk_parameters_never_break_the_calendar(client, world, params):
    make_event(world.org_a)
    assert client.get(reverse("events:index"), params).status_code == 200
    assert client.get(reverse("events:month", kwargs={"year": 2031, "month": 1}), params).status_code == 200


def test_titles_follow_the_active_language(client, world):
    event = make_event(world.org_a, title_sv="Träff på svenska", title_en="Meeting in English")
    assert "Träff på svenska" in titles_in_calendar(client)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Meeting in English" in titles_in_calendar(client)
    assert "Meeting in English" in client.get(url("detail", event)).content.decode()


def _many(world, n: int) -> None:
    for i in range(n):
        make_event(world.org_a if i % 2 else world.org_b, title_sv=f"Träff {i}", capacity=10)


@pytest.mark.parametrize("role", ["anonymous", "staff_a", "coordinator"])
def test_calendar_query_count_does_not_grow_with_the_number_of_events(
    client, world, mails, django_assert_max_num_queries, role
):
    user = world.user(role)
    if user:
        client.force_login(user)
    _many(world, 3)
    services.registration_create(user=world.business_member, event=Event.objects.first())
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("events:index")).status_code == 200
    _many(world, 27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("events:index"))
    assert len(response.context["page"].object_list) == 20


def test_month_view_query_count_does_not_grow_with_the_number_of_events(client, world, django_assert_max_num_queries):
    today = timezone.localdate()
    _many(world, 3)
    path = reverse("events:month", kwargs={"year": today.year, "month": today.month})
    with django_assert_max_num_queries(10) as few:
        client.get(path)
    _many(world, 27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(path)


def test_places_left_and_waitlist_are_shown(client, world, mails):
    event = make_event(world.org_b, capacity=1)
    services.registration_create(user=world.staff_a, event=event)
    services.registration_create(user=world.admin_a, event=event)
    login(client, world.business_member)
    response = client.get(url("detail", event))
    assert (response.context["page"].places_left, response.context["page"].waitlist_size) == (0, 1)
    assert "Join the waiting list" in response.content.decode() or "väntelista" in response.content.decode()


# --- Retention overview and the organiser's profile ----------------------------------------------------
def test_retention_overview_lists_ended_events_still_holding_personal_data(client, world, mails):
    ended = make_event(world.org_a, title_sv="Avslutad", start_in=-dt.timedelta(days=10))
    purged = make_event(world.org_a, title_sv="Rensad", start_in=-dt.timedelta(days=100))
    services.event_purge_personal_data(event=purged)
    make_event(world.org_a, title_sv="Kommande")
    login(client, world.coordinator)
    response = client.get(reverse("events:retention"))
    assert [e.title_sv for e in response.context["events"]] == ["Avslutad"]
    assert ended.purge_due_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d") in response.content.decode()
    login(client, world.staff_a)
    assert client.get(reverse("events:retention")).status_code == 403


def test_the_organisers_profile_lists_its_upcoming_events_the_visitor_may_see(
    client, world, django_assert_max_num_queries
):
    make_event(world.org_a, title_sv="Öppet studiebesök")
    make_event(world.org_a, title_sv="Nätverksmöte", audience=Audience.NETWORK)
    make_event(world.org_a, title_sv="Förra året", start_in=-dt.timedelta(days=300))
    make_event(world.org_b, title_sv="Annan arrangör")
    page = client.get(reverse("directory:detail", kwargs={"code": world.org_a.code})).content.decode()
    assert "Öppet studiebesök" in page
    assert "Nätverksmöte" not in page and "Förra året" not in page and "Annan arrangör" not in page
    login(client, world.staff_b)
    page = client.get(reverse("directory:detail", kwargs={"code": world.org_a.code})).content.decode()
    assert "Nätverksmöte" in page


def test_organiser_events_panel_uses_one_query(world, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from directory.panels import profile_panels

    make_event(world.org_a)
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    panel = next(p for p in profile_panels() if p.name == "events")
    with django_assert_num_queries(1):
        html = render_to_string(panel.template, panel.context(request, world.org_a))
    assert "Nätverksträff i Luleå" in html


def test_seed_events_creates_a_season_once(world, mails):
    """The demo season: past and upcoming, a full event with a waiting list, guests; a second run adds nothing."""
    # The demo organisations and users the season refers to (seed_demo creates them first).

    for orgnr in {spec.organiser for spec in SEASON} | {o for spec in SEASON for o in spec.invited}:
        if not Organisation.objects.filter(orgnr=normalise_orgnr(orgnr)).exists():
            OrganisationFactory(orgnr=normalise_orgnr(orgnr))
    for email in (demo.COORDINATOR, demo.OFFICER, demo.ASF, demo.BUSINESS):
        MembershipFactory(user=UserFactory(email=email), organisation=OrganisationFactory())
    out = io.StringIO()
    seed_events(out)
    count = Event.objects.count()
    assert count == len(SEASON)
    now = timezone.now()
    assert Event.objects.filter(end__lt=now).exists() and Event.objects.filter(start__gt=now).exists()
    assert Registration.objects.filter(status=RegistrationStatus.WAITLISTED).exists()
    assert Registration.objects.exclude(guest_email="").exists()
    seed_events(out)
    assert Event.objects.count() == count


# --- The personnummer guard on every field a person types (issue 9) --------------------------------------
SV = {"HTTP_ACCEPT_LANGUAGE": "sv"}
EVENT_TEXT_FIELDS = ["title_sv", "description_sv", "place_name", "street_address", "venue_accessibility"]


def _field_errors(response, field: str, form: str = "form") -> str:
    return " ".join(response.context[form].errors.get(field, []))


@pytest.mark.adversarial("K")
@pytest.mark.parametrize("writing", list(WRITINGS))
@pytest.mark.parametrize("field", EVENT_TEXT_FIELDS)
def test_a_personnummer_in_any_event_text_is_refused_in_swedish_and_nothing_saved(client, world, field, writing):
    login(client, world.staff_a)
    data = {
        "organiser": str(world.org_a.code),
        "kind": EventKind.STUDY_VISIT,
        "title_sv": "Studiebesök",
        "start": "2031-01-15T09:00",
        "end": "2031-01-15T11:00",
        "place_name": "Returen",
        "audience": Audience.PUBLIC,
        "retention_days": 30,
        field: f"Kontakt {WRITINGS[writing]} här",
    }
    response = client.post(reverse("events:create"), data, **SV)
    assert response.status_code == 200
    assert SWEDISH_MESSAGE in _field_errors(response, field)
    assert SWEDISH_MESSAGE in response.content.decode()
    assert not Event.objects.exists()


@pytest.mark.adversarial("K")
@pytest.mark.parametrize("writing", ["en dash glued to ref-", "dot", "no-break spaces around a hyphen"])
def test_a_personnummer_in_the_street_address_of_an_edited_event_changes_nothing(client, world, mails, writing):
    event = make_event(world.org_a, street_address="Storgatan 12")
    login(client, world.staff_a)
    response = client.post(url("edit", event), _form_data(event, street_address=WRITINGS[writing]), **SV)
    assert response.status_code == 200
    assert SWEDISH_MESSAGE in _field_errors(response, "street_address")
    event.refresh_from_db()
    assert (event.street_address, event.sequence) == ("Storgatan 12", 0)


@pytest.mark.adversarial("K")
@pytest.mark.parametrize("writing", list(WRITINGS))
@pytest.mark.parametrize("field", ["dietary_needs", "accessibility_needs"])
def test_a_personnummer_in_a_members_needs_is_refused_in_swedish_and_nothing_saved(
    client, world, mails, field, writing
):
    event = make_event(world.org_b, capacity=5)
    login(client, world.staff_a)
    response = client.post(url("register", event), {field: f"Se {WRITINGS[writing]}"}, **SV)
    assert response.status_code == 200
    assert SWEDISH_MESSAGE in _field_errors(response, field, form="register_form")
    assert not Registration.objects.exists()


@pytest.mark.adversarial("K")
@pytest.mark.parametrize("writing", list(WRITINGS))
@pytest.mark.parametrize("field", ["name", "dietary_needs", "accessibility_needs"])
def test_a_personnummer_in_a_guest_registration_is_refused_in_swedish_and_nothing_saved(
    client, world, mails, field, writing
):
    event = make_event(world.org_a, capacity=5)
    data = {"guest-name": "Elin Berglund", "guest-email": "elin@example.se", f"guest-{field}": WRITINGS[writing]}
    response = client.post(url("register_guest", event), data, **SV)
    assert response.status_code == 200
    assert SWEDISH_MESSAGE in response.content.decode()
    assert not Registration.objects.exists()
    assert mails == []
