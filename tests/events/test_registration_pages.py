"""Registration through the event pages (events/registration/): members, groups and guests, the waiting
list, and the e-mailed links (a GET changes nothing). Service-level capacity races live in
test_registration.py. Shared helpers: tests/events/pages.py, the `mails` fixture: tests/events/conftest.py."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from directory.access import actor_for
from events import services
from events.models import (
    Audience,
    Registration,
    RegistrationStatus,
)
from events.tasks import send_registration_email
from tests.events.pages import SV, _field_errors, login, make_event, url
from tests.factories import MembershipFactory
from tests.personnummer import SWEDISH_MESSAGE, WRITINGS


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
    services.registration_create(actor=actor_for(world.staff_b), event=event)
    login(client, world.staff_a)
    client.post(url("register", event))
    registration = Registration.objects.get(event=event, user=world.staff_a)
    assert registration.status == RegistrationStatus.WAITLISTED
    page = client.get(url("detail", event)).content.decode()
    assert "Lämna väntelistan" in page  # "Leave the waiting list" in Swedish, the default language
    client.post(url("unregister", event))
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_whoever_takes_the_last_place_is_not_told_the_event_is_full_for_them(client, world, mails):
    event = make_event(world.org_b, capacity=1)
    login(client, world.staff_a)
    client.post(url("register", event))
    assert Registration.objects.get(event=event, user=world.staff_a).status == RegistrationStatus.CONFIRMED
    page = client.get(url("detail", event), **SV).content.decode()
    assert "Du har en plats på det här evenemanget." in page
    assert "Fullbokat – en av platserna är din" in page
    assert "Om du anmäler dig hamnar du på väntelistan" not in page
    assert "Ställ dig på väntelistan" not in page
    # Someone else still learns that registering now means the waiting list.
    login(client, world.business_member)
    other = client.get(url("detail", event), **SV).content.decode()
    assert "Evenemanget är fullbokat. Om du anmäler dig hamnar du på väntelistan." in other


def test_a_freed_place_is_offered_and_accepted_on_the_event_page(client, world, mails):
    event = make_event(world.org_b, capacity=1)
    first = services.registration_create(actor=actor_for(world.staff_b), event=event)
    waiting = services.registration_create(actor=actor_for(world.staff_a), event=event)
    services.registration_cancel(registration=first, actor=actor_for(world.staff_b))
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


@pytest.mark.security("C14")
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


@pytest.mark.parametrize(
    ("how_many", "message"),
    [(1, "1 kollega anmäldes och får ett mejl."), (2, "2 kollegor anmäldes. Var och en får ett mejl.")],
)
def test_the_group_registration_message_says_kollega_for_one(client, world, mails, how_many, message):
    event = make_event(world.org_b, capacity=5)
    colleague = MembershipFactory(organisation=world.org_a).user
    login(client, world.admin_a)
    chosen = [str(world.staff_a.code), str(colleague.code)][:how_many]
    response = client.post(
        url("register_group", event),
        {"organisation": str(world.org_a.code), f"group-{world.org_a.code}-colleagues": chosen},
        follow=True,
        **SV,
    )
    assert message in [str(m) for m in response.context["messages"]]


@pytest.mark.security("C14")
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


@pytest.mark.security("H40")
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


@pytest.mark.security("D22")
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
    holder = services.registration_create(actor=actor_for(world.staff_b), event=event)
    second = services.registration_create_guest(event=event, name="Elin", email="elin@example.se")
    services.registration_confirm_guest(registration=second)
    third = services.registration_create_guest(event=event, name="Oskar", email="oskar@example.se")
    services.registration_confirm_guest(registration=third)
    mails.clear()
    services.registration_cancel(registration=holder, actor=actor_for(world.staff_b))
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
    assert "events/registration/link_invalid.html" in [t.name for t in response.templates]


@pytest.mark.security("D20")
@pytest.mark.adversarial("D")
def test_registering_without_a_csrf_token_is_refused(world):
    event = make_event(world.org_b, capacity=5)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.staff_a)
    assert client.post(url("register", event)).status_code == 403
    assert not Registration.objects.exists()


# --- The personnummer guard on every field a person types (issue 9) --------------------------------------
@pytest.mark.security("K56")
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


@pytest.mark.security("K56")
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
