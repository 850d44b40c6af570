"""E-mail of notifications (notifications/emails.py and tasks): at once, one e-mail per notification in the
recipient's language, never twice however often the task runs; the daily summary, one e-mail per person with
what waits for it, idempotent. The broker path with a real worker is in tests/test_mail_fanout.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from kernel.models import SentEmail
from notifications.emails import digest_recipients, digest_send, notification_email_send
from notifications.kinds import Delivery
from notifications.models import Notification
from notifications.services import notification_mark_read, notify, preferences_set
from notifications.tasks import send_daily_digests, send_notification_email
from tests.factories import UserFactory

PARAMS = {"organisation": "Returen Återbruk", "title": "Städning av kontoret", "variant": "interested"}


def answer_for(*users):
    return notify(kind="partner_answer", recipients=users, url="/matchmaking/partners/", params=PARAMS)


def test_the_email_is_written_in_each_recipients_language(db, tasks_inline, django_capture_on_commit_callbacks):
    svensk = UserFactory(email="svensk@example.se", preferred_language="sv")
    english = UserFactory(email="english@example.se", preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        answer_for(svensk, english)
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"svensk@example.se", "english@example.se"}
    assert by_address["svensk@example.se"].subject == "Svar på er samarbetsförfrågan"
    assert (
        "Returen Återbruk är intresserade av er förfrågan ”Städning av kontoret”."
        in by_address["svensk@example.se"].body
    )
    assert by_address["english@example.se"].subject == "An answer to your partner request"
    assert (
        "Returen Återbruk is interested in your request “Städning av kontoret”."
        in by_address["english@example.se"].body
    )
    notification = Notification.objects.get(recipient=english)
    assert f"/notifications/{notification.code}/" in by_address["english@example.se"].body
    assert notification.emailed_at is not None


def test_a_task_run_twice_sends_the_email_once(db):
    (notification,) = answer_for(UserFactory())
    send_notification_email(notification.pk)
    send_notification_email(notification.pk)  # a redelivery or a retry after the hand-over
    assert len(mail.outbox) == 1
    assert SentEmail.objects.filter(key=f"notifications.email:{notification.pk}").count() == 1


def test_a_notification_not_chosen_for_at_once_is_not_emailed_by_the_task(db):
    daily = UserFactory()
    preferences_set(user=daily, choices={"partner_answer": Delivery.DAILY})
    (notification,) = answer_for(daily)
    assert notification_email_send(notification_id=notification.pk) == 0
    assert mail.outbox == []


def test_a_deactivated_recipient_gets_no_email(db):
    person = UserFactory()
    (notification,) = answer_for(person)
    type(person).objects.filter(pk=person.pk).update(is_active=False)
    assert notification_email_send(notification_id=notification.pk) == 0
    assert mail.outbox == []


# --- The daily summary -------------------------------------------------------------------------------------
@pytest.fixture
def daily_reader(db):
    user = UserFactory(email="dagligen@example.se", preferred_language="sv")
    preferences_set(user=user, choices={"partner_answer": Delivery.DAILY, "outdated_report": Delivery.DAILY})
    return user


def test_the_summary_lists_every_waiting_unread_notification_once_in_the_readers_language(db, daily_reader):
    answer_for(daily_reader)
    notify(kind="outdated_report", recipients=[daily_reader], url="/directory/", params={"organisation": "Kvarnen"})
    already_read = notify(
        kind="outdated_report", recipients=[daily_reader], url="/directory/", params={"organisation": "Läst AB"}
    )[0]
    notification_mark_read(user=daily_reader, notification=already_read)
    immediate = UserFactory()
    answer_for(immediate)  # at once for this one: not in any summary
    assert digest_recipients() == [daily_reader.pk]

    assert digest_send(user_id=daily_reader.pk) == 2
    (message,) = mail.outbox
    assert message.to == ["dagligen@example.se"]
    assert message.subject == "asfnet: 2 nya notiser"
    assert "Returen Återbruk är intresserade av er förfrågan ”Städning av kontoret”." in message.body
    assert "Någon har anmält att uppgifter i profilen för Kvarnen är inaktuella." in message.body
    assert "Läst AB" not in message.body  # read in the centre already
    assert not Notification.objects.filter(recipient=daily_reader, emailed_at__isnull=True).exists()

    assert digest_send(user_id=daily_reader.pk) == 0  # a second run, or a redelivered task: nothing
    assert len(mail.outbox) == 1
    assert digest_recipients() == []


def test_the_beat_task_enqueues_one_summary_per_person_and_a_second_run_sends_nothing(db, tasks_inline):
    readers = [UserFactory(preferred_language=language) for language in ("sv", "en")]
    for reader in readers:
        preferences_set(user=reader, choices={"partner_answer": Delivery.DAILY})
        answer_for(reader)
        answer_for(reader)
    assert send_daily_digests() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in readers)
    english = next(m for m in mail.outbox if m.to[0] == readers[1].email)
    assert english.subject == "asfnet: 2 new notifications"
    assert send_daily_digests() == 0
    assert len(mail.outbox) == 2


def test_the_next_summary_sends_only_what_came_after(db, daily_reader):
    answer_for(daily_reader)
    digest_send(user_id=daily_reader.pk)
    notify(kind="outdated_report", recipients=[daily_reader], url="/directory/", params={"organisation": "Kvarnen"})
    assert digest_send(user_id=daily_reader.pk) == 1
    assert len(mail.outbox) == 2
    assert "Kvarnen" in mail.outbox[1].body and "Returen" not in mail.outbox[1].body


def test_a_failed_send_leaves_the_summary_for_the_retry(db, daily_reader, monkeypatch):
    answer_for(daily_reader)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("notifications.emails.send_templated", refuse)
    with pytest.raises(ConnectionRefusedError):
        digest_send(user_id=daily_reader.pk)
    assert Notification.objects.filter(recipient=daily_reader, emailed_at__isnull=True).count() == 1
    monkeypatch.undo()
    assert digest_send(user_id=daily_reader.pk) == 1
    assert len(mail.outbox) == 1


def test_turning_a_kind_off_takes_it_out_of_the_next_summary(db, daily_reader):
    answer_for(daily_reader)
    preferences_set(user=daily_reader, choices={"partner_answer": Delivery.OFF})
    assert digest_send(user_id=daily_reader.pk) == 0
    assert mail.outbox == []
    assert Notification.objects.get(recipient=daily_reader).delivery == Delivery.OFF


def test_a_notification_written_after_the_summary_started_waits_for_the_next(db, daily_reader):
    (later,) = answer_for(daily_reader)
    Notification.objects.filter(pk=later.pk).update(created_at=timezone.now() + dt.timedelta(minutes=5))
    assert digest_send(user_id=daily_reader.pk) == 0
    assert Notification.objects.get(pk=later.pk).emailed_at is None
