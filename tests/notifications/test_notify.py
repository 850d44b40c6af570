"""notify() (notifications/services.py): one row per recipient, never the person who acted, never an inactive
account; the recipient's choice decides the e-mail; one e-mail task per immediate recipient, enqueued only when
the change commits."""

from __future__ import annotations

import pytest
from django.db import transaction

from notifications.kinds import KINDS, Delivery
from notifications.models import Notification, NotificationPreference
from notifications.services import notify, preferences_set
from notifications.tasks import send_notification_email
from tests.factories import UserFactory

URL = "/directory/"


@pytest.fixture
def enqueued(monkeypatch):
    """The ids send_notification_email was handed to the broker with (after commit, by kernel.queue)."""
    ids: list[int] = []
    monkeypatch.setattr(send_notification_email, "apply_async", lambda args=(), kwargs=None, **o: ids.append(*args))
    return ids


def test_each_recipient_gets_one_notification_and_the_actor_none(db, enqueued):
    anna, bertil, actor = UserFactory(), UserFactory(), UserFactory()
    written = notify(
        kind="outdated_report",
        recipients=[anna, bertil.pk, anna, actor],
        url=URL,
        params={"organisation": "Returen"},
        actor=actor,
    )
    assert sorted(n.recipient_id for n in written) == sorted([anna.pk, bertil.pk])
    assert Notification.objects.count() == 2
    assert not Notification.objects.filter(recipient=actor).exists()


def test_an_inactive_account_is_not_notified(db, enqueued):
    gone = UserFactory(is_active=False)
    assert notify(kind="outdated_report", recipients=[gone], url=URL, params={"organisation": "A"}) == []
    assert not Notification.objects.exists()


def test_the_recipients_choice_decides_the_email_and_only_immediate_ones_are_enqueued(
    db, enqueued, django_capture_on_commit_callbacks
):
    default, daily, off = UserFactory(), UserFactory(), UserFactory()
    preferences_set(user=daily, choices={"outdated_report": Delivery.DAILY})
    preferences_set(user=off, choices={"outdated_report": Delivery.OFF})
    assert KINDS["outdated_report"].default == Delivery.IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        written = notify(
            kind="outdated_report", recipients=[default, daily, off], url=URL, params={"organisation": "A"}
        )
    by_user = {n.recipient_id: n for n in written}
    assert by_user[default.pk].delivery == Delivery.IMMEDIATE
    assert by_user[daily.pk].delivery == Delivery.DAILY
    assert by_user[off.pk].delivery == Delivery.OFF
    assert enqueued == [by_user[default.pk].pk]  # one task, for the one immediate recipient


def test_a_kind_emailed_by_its_own_service_is_never_emailed_here(db, enqueued, django_capture_on_commit_callbacks):
    person = UserFactory()
    assert KINDS["waitlist_offer"].email is False
    with django_capture_on_commit_callbacks(execute=True):
        (written,) = notify(
            kind="waitlist_offer",
            recipients=[person],
            url="/events/",
            params={"event": "Frukostmöte", "expires_at": "2030-01-01T10:00:00+01:00"},
        )
    assert written.delivery == Delivery.OFF
    assert enqueued == []


def test_a_rolled_back_change_leaves_no_notification_and_enqueues_nothing(
    db, enqueued, django_capture_on_commit_callbacks
):
    person = UserFactory()
    with (  # noqa: PT012
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(kind="outdated_report", recipients=[person], url=URL, params={"organisation": "A"})
        raise RuntimeError("the workflow failed after notifying")
    assert not Notification.objects.exists()
    assert enqueued == []


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/", "directory/", "/\\evil.example"])
def test_a_link_off_the_site_is_refused(db, url):
    with pytest.raises(ValueError, match="path on this site"):
        notify(kind="outdated_report", recipients=[UserFactory()], url=url, params={"organisation": "A"})


def test_an_unknown_kind_is_refused(db):
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify(kind="no_such_kind", recipients=[UserFactory()], url=URL)


def test_the_database_refuses_a_link_off_the_site(db):
    from django.db import IntegrityError

    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=user, kind="outdated_report", url="//evil.example/", delivery="off")


def test_the_text_is_rendered_in_the_readers_language_from_the_params(db, enqueued):
    from django.utils import translation

    (notification,) = notify(
        kind="partner_answer",
        recipients=[UserFactory()],
        url=URL,
        params={"organisation": "Returen", "title": "Städning", "variant": "interested"},
    )
    with translation.override("en"):
        assert notification.text == "Returen is interested in your request “Städning”."
    with translation.override("sv"):
        assert notification.text == "Returen är intresserade av er förfrågan ”Städning”."


def test_params_that_do_not_fit_the_sentence_give_the_title_not_an_error(db, enqueued):
    from django.utils import translation

    (notification,) = notify(kind="outdated_report", recipients=[UserFactory()], url=URL, params={})
    with translation.override("en"):
        assert notification.text == "Information reported as outdated"


def test_dates_in_params_are_shown_in_the_readers_language(db, enqueued):
    import datetime as dt

    from django.utils import translation

    (notification,) = notify(
        kind="verification_due",
        recipients=[UserFactory()],
        url=URL,
        params={"organisation": "Returen", "expires_on": dt.date(2031, 3, 5)},
    )
    assert notification.params["expires_on"] == "2031-03-05"
    with translation.override("en"):
        assert "March 5, 2031" in notification.text
    with translation.override("sv"):
        assert "5 mars 2031" in notification.text


def test_a_preference_for_an_unknown_or_in_app_only_kind_is_refused(db):
    from django.core.exceptions import ValidationError

    user = UserFactory()
    for choices in ({"no_such_kind": "daily"}, {"waitlist_offer": "daily"}, {"outdated_report": "weekly"}):
        with pytest.raises(ValidationError):
            preferences_set(user=user, choices=choices)
    assert not NotificationPreference.objects.exists()
