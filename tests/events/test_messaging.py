"""Messages from an event's organiser to a group of its registered people (events/messaging/): each group
reaches exactly its people and nobody else, each e-mail is in its recipient's language, one task per
recipient under a send-once key, every message is logged and shown on the organiser's page, and only the
organisers (and coordinators) may write."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from directory.access import actor_for
from events import messaging
from events.factories import RegistrationFactory
from events.messaging.emails import event_message_send
from events.models import EventMessage, MessageGroup, RegistrationStatus
from kernel.models import AuditLog
from tests.events.pages import _field_errors, login, make_event, url
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("tasks_inline")

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def people(world):
    """An event of ASF A with someone in every state, as a name → address map."""
    event = make_event(world.org_a, capacity=10, title_sv="Nätverksträff", title_en="Network meeting")

    def member(name, language, **state):
        user = UserFactory(email=f"{name}@example.se", preferred_language=language)
        RegistrationFactory(event=event, user=user, **state)
        return user.email

    addresses = {
        "came": member("came", "sv", present=True),
        "absent": member("absent", "en", absent=True),
        "waiting": member("waiting", "en", waitlisted=True),
        "offered": member("offered", "sv", status=RegistrationStatus.OFFERED),
        "awaiting": member("awaiting", "sv", status=RegistrationStatus.AWAITING_APPROVAL),
        "cancelled": member("cancelled", "sv", cancelled=True),
        "refused": member("refused", "sv", status=RegistrationStatus.REFUSED),
    }
    RegistrationFactory(event=event, guest_email="unconfirmed@example.se", pending=True)
    RegistrationFactory(event=event, guest_email="guest@example.se", language="en")
    addresses["guest"] = "guest@example.se"
    purged = RegistrationFactory(event=event, guest_email="", guest_name="", personal_data_purged=True)
    assert purged.personal_data_purged
    RegistrationFactory(guest_email="other.event@example.se")  # another event's registration
    return event, addresses


def send(world, event, group, django_capture_on_commit_callbacks, **kwargs):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        return messaging.message_send(
            actor=actor_for(kwargs.get("sender", world.staff_a)),
            event=event,
            group=group,
            subject="Parkering",
            body="Parkera vid stationen.",
        )


EXPECTED = {
    MessageGroup.ALL: {"came", "absent", "waiting", "offered", "awaiting", "guest"},
    MessageGroup.CONFIRMED: {"came", "absent", "guest"},
    MessageGroup.WAITLISTED: {"waiting", "offered"},
    MessageGroup.ATTENDED: {"came"},
    MessageGroup.AWAITING_APPROVAL: {"awaiting"},
}


@pytest.mark.parametrize("group", list(EXPECTED))
def test_a_message_reaches_exactly_its_group(world, people, group, django_capture_on_commit_callbacks):
    event, addresses = people
    message = send(world, event, group, django_capture_on_commit_callbacks)
    reached = sorted(address for m in mail.outbox for address in m.to)
    assert reached == sorted(addresses[name] for name in EXPECTED[group])
    assert message.recipient_count == len(EXPECTED[group])
    assert (message.group, message.sender, message.subject) == (group, world.staff_a, "Parkering")


def test_each_recipient_reads_it_in_their_own_language(world, people, django_capture_on_commit_callbacks):
    event, addresses = people
    send(world, event, MessageGroup.CONFIRMED, django_capture_on_commit_callbacks)
    by_address = {m.to[0]: m for m in mail.outbox}
    swedish, english, guest = (
        by_address[addresses["came"]],
        by_address[addresses["absent"]],
        by_address["guest@example.se"],
    )
    assert swedish.subject == "Parkering – Nätverksträff"
    assert "När:" in swedish.body and "Parkera vid stationen." in swedish.body
    assert "Network meeting" not in swedish.body
    for message in (english, guest):  # an English account, and a guest who registered in English
        assert message.subject == "Parkering – Network meeting"
        assert "When:" in message.body and "Parkera vid stationen." in message.body
        assert "Nätverksträff" not in message.body


def test_a_retried_task_never_sends_the_same_message_twice(world, people, django_capture_on_commit_callbacks):
    event, _addresses = people
    message = send(world, event, MessageGroup.ATTENDED, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    registration = event.registrations.get(user__email="came@example.se")
    assert event_message_send(message_id=message.pk, registration_id=registration.pk) == 0
    assert len(mail.outbox) == 1


def test_the_message_is_logged_audited_and_shown_on_the_organisers_page(
    client, world, people, django_capture_on_commit_callbacks
):
    event, _addresses = people
    login(client, world.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("messages", event),
            {"group": "waitlisted", "subject": "Fler platser?", "body": "Vi försöker ordna en större lokal."},
        )
    assert response.status_code == 302
    (message,) = EventMessage.objects.filter(event=event)
    assert (message.group, message.recipient_count, message.sender) == ("waitlisted", 2, world.admin_a)
    entry = AuditLog.objects.get(action="event.message_send")
    assert entry.data == {"message": message.pk, "group": "waitlisted", "recipients": 2}
    page = client.get(url("messages", event), **EN).content.decode()
    assert "Fler platser?" in page and "Everyone on the waiting list" in page


def test_a_message_to_nobody_is_refused_with_a_message_and_not_logged(client, world):
    event = make_event(world.org_a, capacity=10)
    login(client, world.staff_a)
    response = client.post(url("messages", event), {"group": "attended", "subject": "Tack", "body": "Tack!"}, **EN)
    assert response.status_code == 200
    assert _field_errors(response, "group") == "Nobody is in that group, so the message was not sent."
    assert not EventMessage.objects.exists()
    assert mail.outbox == []


def test_a_message_with_a_personnummer_is_refused(client, world, people):
    from tests.personnummer import DATE, LAST_FOUR, SWEDISH_MESSAGE

    event, _addresses = people
    login(client, world.staff_a)
    data = {"group": "all", "subject": "Hej", "body": f"Gäller {DATE}-{LAST_FOUR}"}
    response = client.post(url("messages", event), data, HTTP_ACCEPT_LANGUAGE="sv")
    assert SWEDISH_MESSAGE in _field_errors(response, "body")
    assert not EventMessage.objects.exists()


def test_only_the_organisers_and_coordinators_may_write(client, world, people, django_capture_on_commit_callbacks):
    event, _addresses = people
    with pytest.raises(PermissionDenied):
        send(world, event, MessageGroup.ALL, django_capture_on_commit_callbacks, sender=world.staff_b)
    assert mail.outbox == []
    login(client, world.staff_b)
    assert client.get(url("messages", event)).status_code == 404
    response = client.post(url("messages", event), {"group": "all", "subject": "Hej", "body": "Hej"})
    assert response.status_code == 404
    assert not EventMessage.objects.exists()
    message = send(world, event, MessageGroup.ATTENDED, django_capture_on_commit_callbacks, sender=world.coordinator)
    assert message.sender == world.coordinator and len(mail.outbox) == 1
