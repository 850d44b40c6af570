"""Events whose registrations need the organiser's approval (events/approval/): nobody holds a place until
accepted; accepting respects capacity (a full event puts the accepted person on the waiting list), also when
two organisers accept the last place at the same moment; refusing ends the registration; the person is told
by e-mail in their language and in their notification centre; every decision is audited."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import translation

from directory.access import actor_for
from events import approval, services
from events.models import Registration, RegistrationStatus
from kernel.models import AuditLog
from notifications.models import Notification
from tests.events.pages import login, make_event, url
from tests.personnummer import DATE, LAST_FOUR

AWAITING = RegistrationStatus.AWAITING_APPROVAL


def approval_event(organiser, *, capacity=None, **extra):
    return make_event(organiser, capacity=capacity, requires_approval=True, **extra)


def kinds_for(mails, registration) -> list[str]:
    return [args[1] for args in mails if args[0] == registration.pk]


# --- Services ----------------------------------------------------------------------------------------------
def test_a_registration_waits_for_approval_and_holds_no_place(world, mails):
    event = approval_event(world.org_a, capacity=1)
    registration = services.registration_create(actor=actor_for(world.staff_b), event=event)
    assert registration.status == AWAITING
    assert services.places_left(event) == 1
    assert kinds_for(mails, registration) == ["awaiting_approval"]
    # A second person also waits: the first did not take the place.
    other = services.registration_create(actor=actor_for(world.officer_x), event=event)
    assert other.status == AWAITING


def test_an_event_without_approval_still_gives_a_place_at_once(world, mails):
    event = make_event(world.org_a, capacity=1)
    assert services.registration_create(actor=actor_for(world.staff_b), event=event).status == "confirmed"


def test_accepting_gives_a_place_tells_the_person_and_is_audited(world, mails):
    event = approval_event(world.org_a, capacity=2)
    registration = services.registration_create(actor=actor_for(world.staff_b), event=event)
    accepted = approval.registration_accept(actor=actor_for(world.admin_a), registration=registration, message="")
    assert accepted.status == RegistrationStatus.CONFIRMED
    assert services.places_left(event) == 1
    assert kinds_for(mails, registration)[-1] == "approved"
    (entry,) = AuditLog.objects.filter(action="registration.accept")
    assert (entry.actor, entry.target_id, entry.data["status"]) == (world.admin_a, str(registration.code), "confirmed")
    (note,) = Notification.objects.filter(kind="registration_decided")
    assert note.recipient == world.staff_b and note.params["variant"] == "approved"
    with translation.override("en"):  # the event is named in the language of the person's account (Swedish)
        assert note.text == "You are accepted for “Nätverksträff i Luleå” and have a place."


def test_accepting_when_the_event_is_full_puts_the_person_on_the_waiting_list(world, mails):
    event = approval_event(world.org_a, capacity=1)
    first = services.registration_create(actor=actor_for(world.staff_b), event=event)
    second = services.registration_create(actor=actor_for(world.officer_x), event=event)
    organiser = actor_for(world.staff_a)
    assert approval.registration_accept(actor=organiser, registration=first).status == RegistrationStatus.CONFIRMED
    assert approval.registration_accept(actor=organiser, registration=second).status == RegistrationStatus.WAITLISTED
    assert kinds_for(mails, second)[-1] == "approved_waitlisted"
    # When the place frees, the accepted person on the waiting list is offered it like anyone waiting.
    services.registration_cancel(registration=first, actor=actor_for(world.staff_b))
    second.refresh_from_db()
    assert second.status == RegistrationStatus.OFFERED


def test_refusing_ends_the_registration_with_the_organisers_message(world, mails):
    event = approval_event(world.org_a, capacity=5)
    registration = services.registration_create(actor=actor_for(world.staff_b), event=event)
    refused = approval.registration_refuse(
        actor=actor_for(world.coordinator), registration=registration, message="  Besöket är bara för köpare.  "
    )
    assert (refused.status, refused.decision_message) == (RegistrationStatus.REFUSED, "Besöket är bara för köpare.")
    assert kinds_for(mails, registration)[-1] == "refused"
    assert AuditLog.objects.filter(action="registration.refuse", target_id=str(registration.code)).count() == 1
    # Refused is not active: the person may register again, and the organiser decides again.
    again = services.registration_create(actor=actor_for(world.staff_b), event=event)
    assert again.status == AWAITING


def test_only_the_organiser_decides_and_only_once(world, mails):
    event = approval_event(world.org_a, capacity=5)
    registration = services.registration_create(actor=actor_for(world.staff_b), event=event)
    with pytest.raises(PermissionDenied):
        approval.registration_accept(actor=actor_for(world.staff_b), registration=registration)
    with pytest.raises(PermissionDenied):
        approval.registration_refuse(actor=actor_for(world.officer_x), registration=registration)
    approval.registration_accept(actor=actor_for(world.staff_a), registration=registration)
    with translation.override("sv"), pytest.raises(ValidationError, match="väntar inte längre på beslut"):
        approval.registration_refuse(actor=actor_for(world.staff_a), registration=registration)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_a_message_with_a_personnummer_is_refused_and_nothing_changes(world, mails):
    event = approval_event(world.org_a, capacity=5)
    registration = services.registration_create(actor=actor_for(world.staff_b), event=event)
    with pytest.raises(ValidationError):
        approval.registration_accept(
            actor=actor_for(world.staff_a), registration=registration, message=f"Gäller {DATE}-{LAST_FOUR}"
        )
    registration.refresh_from_db()
    assert (registration.status, registration.decision_message) == (AWAITING, "")


def test_a_guest_who_confirms_the_e_mail_waits_for_approval(world, mails):
    event = approval_event(world.org_a, capacity=5)
    guest = services.registration_create_guest(event=event, name="Gun Gäst", email="gun@example.se")
    assert guest.status == RegistrationStatus.PENDING
    confirmed = services.registration_confirm_guest(registration=guest)
    assert confirmed.status == AWAITING
    assert services.places_left(event) == 5


@pytest.mark.usefixtures("tasks_inline")
def test_the_decision_is_e_mailed_in_the_persons_language_with_the_message(world, django_capture_on_commit_callbacks):
    world.staff_b.preferred_language = "en"
    world.staff_b.save(update_fields=["preferred_language"])
    event = approval_event(world.org_a, capacity=5, title_sv="Studiebesök", title_en="Study visit")
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.registration_create(actor=actor_for(world.staff_b), event=event)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approval.registration_refuse(actor=actor_for(world.staff_a), registration=registration, message="Fullt.")
    (message,) = mail.outbox
    assert message.to == [world.staff_b.email]
    assert message.subject == "Not accepted: Study visit"
    assert "The organiser has not accepted your registration for Study visit." in message.body
    assert "Message from the organiser:\nFullt." in message.body
    assert "Studiebesök" not in message.body


# --- Real concurrency on PostgreSQL: two accepts for the last place -------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_organisers_accepting_for_the_last_place_give_one_place_and_one_waiting(world, mails):
    assert connection.vendor == "postgresql"
    event = approval_event(world.org_a, capacity=1)
    waiting = [
        services.registration_create(actor=actor_for(world.staff_b), event=event),
        services.registration_create(actor=actor_for(world.officer_x), event=event),
    ]
    organisers = [world.staff_a, world.admin_a]
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(i: int) -> None:
        from django.db import connections

        try:
            barrier.wait()
            results[i] = approval.registration_accept(actor=actor_for(organisers[i]), registration=waiting[i]).status
        except Exception as error:
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED], results
    assert event.registrations.filter(status=RegistrationStatus.CONFIRMED).count() == 1


# --- Pages ---------------------------------------------------------------------------------------------------
def test_the_organiser_sees_who_awaits_approval_and_accepts_from_the_registrations_page(client, world, mails):
    event = approval_event(world.org_a, capacity=3)
    registration = services.registration_create(actor=actor_for(world.staff_b), event=event)
    login(client, world.staff_a)
    page = client.get(url("attendance", event), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Awaiting your approval" in page
    decide = url("registration_decide", event, registration=registration.code)
    assert f'action="{decide}"' in page
    response = client.post(decide, {"decision": "accept", "message": "Välkommen!"})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.status, registration.decision_message) == (RegistrationStatus.CONFIRMED, "Välkommen!")


def test_a_member_registering_through_the_page_is_told_the_organiser_decides(client, world, mails):
    event = approval_event(world.org_a, capacity=3)
    login(client, world.staff_b)
    page = client.get(url("detail", event), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The organiser approves each registration." in page
    client.post(url("register", event), HTTP_ACCEPT_LANGUAGE="en")
    assert Registration.objects.get(event=event, user=world.staff_b).status == AWAITING
    page = client.get(url("detail", event), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your registration is waiting for the organiser's approval." in page


def test_someone_outside_the_organisation_cannot_decide(client, world, mails):
    event = approval_event(world.org_a, capacity=3)
    registration = services.registration_create(actor=actor_for(world.staff_b), event=event)
    login(client, world.staff_b)
    response = client.post(url("registration_decide", event, registration=registration.code), {"decision": "accept"})
    assert response.status_code == 404
    registration.refresh_from_db()
    assert registration.status == AWAITING


def test_a_registration_of_another_event_is_not_found(client, world, mails):
    event = approval_event(world.org_a, capacity=3)
    other = approval_event(world.org_b, capacity=3)
    registration = services.registration_create(actor=actor_for(world.staff_a), event=other)
    login(client, world.staff_a)
    response = client.post(url("registration_decide", event, registration=registration.code), {"decision": "accept"})
    assert response.status_code == 404
    registration.refresh_from_db()
    assert registration.status == AWAITING


def test_the_organiser_turns_approval_on_in_the_event_form(client, world, mails):
    from tests.events.pages import event_form_data as _form_data

    event = make_event(world.org_a, capacity=3)
    login(client, world.staff_a)
    assert "requires_approval" in client.get(url("edit", event)).context["form"].fields
    response = client.post(url("edit", event), _form_data(event, requires_approval="on"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.requires_approval is True
    assert services.registration_create(actor=actor_for(world.staff_b), event=event).status == AWAITING


def test_a_guest_awaiting_approval_can_still_cancel_through_the_e_mailed_link(client, world, mails):
    event = approval_event(world.org_a, capacity=3)
    guest = services.registration_create_guest(event=event, name="Gun Gäst", email="gun@example.se")
    ((_reg_id, _kind, token),) = [args for args in mails if args[0] == guest.pk]
    link = reverse("events:registration_link", kwargs={"token": token})
    client.post(link, {"action": "confirm"})
    guest.refresh_from_db()
    assert guest.status == AWAITING
    page = client.get(link, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The organiser approves each registration; we e-mail you the answer." in page
    assert client.post(link, {"action": "cancel"}).status_code == 302
    guest.refresh_from_db()
    assert guest.status == RegistrationStatus.CANCELLED


def test_nobody_is_accepted_for_a_cancelled_event_but_may_still_be_refused(world, mails):
    event = approval_event(world.org_a, capacity=3)
    registration = services.registration_create(actor=actor_for(world.staff_b), event=event)
    services.event_cancel(actor=actor_for(world.staff_a), event=event)
    with translation.override("sv"), pytest.raises(ValidationError, match="inställt eller över"):
        approval.registration_accept(actor=actor_for(world.staff_a), registration=registration)
    registration.refresh_from_db()
    assert registration.status == AWAITING
    refused = approval.registration_refuse(actor=actor_for(world.staff_a), registration=registration)
    assert refused.status == RegistrationStatus.REFUSED


# --- The organiser changes the event: more places, or no approval any more ----------------------------------
def _full_event_with_a_queue(world, *, requires_approval: bool):
    """Capacity 1: staff B has the place, the officer waits on the list (accepted, where the event needs
    approval), and the business member registered last (awaiting approval, or also on the list)."""
    event = make_event(world.org_a, capacity=1, requires_approval=requires_approval)
    organiser = actor_for(world.staff_a)
    people = [world.staff_b, world.officer_x, world.business_member]
    registrations = [services.registration_create(actor=actor_for(person), event=event) for person in people]
    if requires_approval:
        for registration in registrations[:2]:
            approval.registration_accept(actor=organiser, registration=registration)
    return event, [Registration.objects.get(pk=r.pk) for r in registrations]


@pytest.mark.parametrize("requires_approval", [False, True])
def test_raising_the_capacity_offers_the_new_place_to_the_first_on_the_waiting_list(world, mails, requires_approval):
    event, (holder, first_waiting, last) = _full_event_with_a_queue(world, requires_approval=requires_approval)
    assert (holder.status, first_waiting.status) == (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
    assert last.status == (AWAITING if requires_approval else RegistrationStatus.WAITLISTED)

    services.event_update(actor=actor_for(world.staff_a), event=event, data={"capacity": 2})

    first_waiting.refresh_from_db()
    last.refresh_from_db()
    assert first_waiting.status == RegistrationStatus.OFFERED
    assert first_waiting.offer_expires_at is not None
    assert kinds_for(mails, first_waiting)[-1] == "offered"
    # Behind them: still waiting — and someone awaiting approval is never given a place without it.
    assert last.status == (AWAITING if requires_approval else RegistrationStatus.WAITLISTED)
    assert services.places_left(event) == 0


def test_raising_the_capacity_in_the_event_form_offers_the_places(client, world, mails):
    from tests.events.pages import event_form_data

    event, (_holder, first_waiting, last) = _full_event_with_a_queue(world, requires_approval=False)
    login(client, world.staff_a)
    assert client.post(url("edit", event), event_form_data(event, capacity="3")).status_code == 302
    assert {r.status for r in Registration.objects.filter(pk__in=[first_waiting.pk, last.pk])} == {
        RegistrationStatus.OFFERED
    }


def test_removing_the_limit_offers_a_place_to_everyone_waiting(world, mails):
    event, (_holder, first_waiting, last) = _full_event_with_a_queue(world, requires_approval=False)
    services.event_update(actor=actor_for(world.staff_a), event=event, data={"capacity": None})
    assert {r.status for r in Registration.objects.filter(pk__in=[first_waiting.pk, last.pk])} == {
        RegistrationStatus.OFFERED
    }


def test_lowering_the_capacity_takes_no_place_away_and_offers_nothing(world, mails):
    event = make_event(world.org_a, capacity=3)
    holders = [services.registration_create(actor=actor_for(p), event=event) for p in (world.staff_b, world.officer_x)]
    services.event_update(actor=actor_for(world.staff_a), event=event, data={"capacity": 1})
    assert {r.status for r in Registration.objects.filter(pk__in=[h.pk for h in holders])} == {
        RegistrationStatus.CONFIRMED
    }


def test_turning_approval_off_treats_everyone_awaiting_it_as_a_new_registration_in_order(world, mails):
    event = approval_event(world.org_a, capacity=2)
    organiser = actor_for(world.staff_a)
    first = services.registration_create(actor=actor_for(world.staff_b), event=event)
    approval.registration_accept(actor=organiser, registration=first)
    second = services.registration_create(actor=actor_for(world.officer_x), event=event)
    third = services.registration_create(actor=actor_for(world.business_member), event=event)
    refused = services.registration_create(actor=actor_for(world.admin_a), event=event)
    approval.registration_refuse(actor=organiser, registration=refused)
    mails.clear()

    services.event_update(actor=organiser, event=event, data={"requires_approval": False})

    statuses = {r.pk: r.status for r in Registration.objects.filter(event=event)}
    assert statuses[first.pk] == RegistrationStatus.CONFIRMED
    assert statuses[second.pk] == RegistrationStatus.CONFIRMED  # the last place, in registration order
    assert statuses[third.pk] == RegistrationStatus.WAITLISTED
    assert statuses[refused.pk] == RegistrationStatus.REFUSED  # a decision already made stands
    # Each is told as a new registration is, by the same e-mails; nobody else hears anything.
    assert sorted((args[0], args[1]) for args in mails) == sorted([(second.pk, "confirmed"), (third.pk, "waitlisted")])
    assert AuditLog.objects.filter(action="registration.approval_not_needed").count() == 2
    # A later registration gets a place or the waiting list at once.
    later = services.registration_create(actor=actor_for(world.coordinator), event=event)
    assert later.status == RegistrationStatus.WAITLISTED


def test_turning_approval_off_puts_nobody_ahead_of_the_people_already_waiting(world, mails):
    event, (_holder, first_waiting, last) = _full_event_with_a_queue(world, requires_approval=True)
    # One more place and approval off in the same save: the place goes to the accepted person waiting.
    services.event_update(actor=actor_for(world.staff_a), event=event, data={"capacity": 2, "requires_approval": False})
    first_waiting.refresh_from_db()
    last.refresh_from_db()
    assert first_waiting.status == RegistrationStatus.OFFERED
    assert last.status == RegistrationStatus.WAITLISTED
    assert kinds_for(mails, last)[-1] == "waitlisted"
