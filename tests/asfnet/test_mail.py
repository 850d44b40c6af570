"""E-mail through the outbox and the task queue (issue 9, item 6): a request never talks to the SMTP
server; a real worker delivers, retrying while SMTP is down; a broker outage loses nothing."""

from __future__ import annotations

import base64
import json
import logging
import re
import socket
import time
from email.mime.text import MIMEText

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives, send_mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from asfnet.celery import app as celery_app
from kernel.mail import enqueue, message_from_json, message_to_json, retry_delay
from kernel.models import OutboxEmail
from kernel.tasks import flush_email_outbox
from tests.factories import UserFactory
from tests.servers import SmtpServer, free_port

QUEUED = "kernel.mail.QueuedEmailBackend"


@pytest.fixture
def queued_mail(settings):
    """The production e-mail path (pytest-django otherwise puts locmem in EMAIL_BACKEND)."""
    settings.EMAIL_BACKEND = QUEUED
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


@pytest.fixture
def celery_worker(transactional_db):
    assert not celery_app.conf.task_always_eager, "these tests need the real broker"
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING") as worker:
        yield worker


@pytest.fixture
def broker_down():
    """Point the app's publishing at a port nothing listens on; call the returned function to restore."""
    original = celery_app.conf.broker_url

    def point_at(url: str) -> None:
        celery_app.conf.broker_url = url
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    point_at(f"redis://127.0.0.1:{free_port()}/0")
    yield lambda: point_at(original)
    point_at(original)


def _wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _broker_queue_length() -> int:
    with celery_app.connection_for_write() as connection:
        return connection.default_channel.client.llen("celery")


@pytest.mark.security("I52", "K58")
@pytest.mark.chaos
def test_password_reset_answers_without_touching_smtp_and_queues_the_mail(
    client, world, queued_mail, django_capture_on_commit_callbacks
):
    # An SMTP port that accepts connections into its backlog and never answers: a request that tried to
    # deliver would hang there until EMAIL_TIMEOUT. After the request, the backlog must still be empty.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    queued_mail.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    queued_mail.EMAIL_HOST, queued_mail.EMAIL_PORT, queued_mail.EMAIL_USE_TLS = (
        "127.0.0.1",
        listener.getsockname()[1],
        False,
    )
    celery_app.control.purge()
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post(reverse("account_reset_password"), {"email": "staff.a@example.se"})
        assert response.status_code == 302
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected to the SMTP port during the request
    finally:
        listener.close()

    [row] = OutboxEmail.objects.all()
    assert row.message["to"] == ["staff.a@example.se"]
    assert "/accounts/password/reset/key/" in row.message["body"]
    assert row.status == OutboxEmail.Status.QUEUED and row.attempts == 0
    assert len(callbacks) == 1, "enqueued after commit"
    assert _broker_queue_length() == 1, "the delivery task is waiting in the real broker"
    celery_app.control.purge()


@pytest.mark.security("I52")
@pytest.mark.chaos
@pytest.mark.celery_worker
def test_a_worker_delivers_once_smtp_answers_after_retrying_while_it_was_closed(celery_worker, queued_mail):
    UserFactory(email="reset.me@example.se")
    port = free_port()  # nothing listens here yet: SMTP is down
    queued_mail.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    queued_mail.EMAIL_HOST, queued_mail.EMAIL_PORT, queued_mail.EMAIL_USE_TLS = "127.0.0.1", port, False
    queued_mail.EMAIL_RETRY_BASE_SECONDS = 1

    response = Client().post(reverse("account_reset_password"), {"email": "reset.me@example.se"})
    assert response.status_code == 302
    row = OutboxEmail.objects.get()

    assert _wait_for(lambda: OutboxEmail.objects.filter(pk=row.pk, attempts__gte=1).exists())
    row.refresh_from_db()
    assert row.status == OutboxEmail.Status.QUEUED
    assert "refused" in row.last_error.lower()

    with SmtpServer(port) as smtp:
        assert _wait_for(lambda: not OutboxEmail.objects.filter(pk=row.pk).exists()), "delivered on a retry"
        assert _wait_for(lambda: len(smtp.messages) == 1)
    [message] = smtp.messages
    assert message["To"] == "reset.me@example.se"
    body = message.get_payload(decode=True).decode() if not message.is_multipart() else str(message)
    assert re.search(r"/accounts/password/reset/key/\S+", body)


@pytest.mark.security("K58")
@pytest.mark.chaos
@pytest.mark.celery_worker
def test_a_broker_outage_keeps_the_mail_in_the_outbox_and_the_sweeper_sends_it(
    celery_worker, queued_mail, broker_down, caplog
):
    restore_broker = broker_down
    UserFactory(email="reset.me@example.se")
    with caplog.at_level(logging.WARNING, logger="kernel.mail"):
        response = Client().post(reverse("account_reset_password"), {"email": "reset.me@example.se"})
    assert response.status_code == 302, "the broker being down is no reason to fail the request"
    assert any(
        "send_queued_email(" in r.getMessage() and "its sweeper enqueues it later" in r.getMessage()
        for r in caplog.records
    )
    row = OutboxEmail.objects.get()
    assert row.status == OutboxEmail.Status.QUEUED

    restore_broker()
    flush_email_outbox()
    assert OutboxEmail.objects.filter(pk=row.pk).exists(), "not yet overdue: left to its own task"
    OutboxEmail.objects.filter(pk=row.pk).update(next_attempt_at=row.created_at.replace(year=2000))
    assert flush_email_outbox() == 1
    assert _wait_for(lambda: not OutboxEmail.objects.filter(pk=row.pk).exists())
    [message] = mail.outbox
    assert message.to == ["reset.me@example.se"]
    assert "/accounts/password/reset/key/" in message.body


@pytest.mark.security("I44")
@pytest.mark.chaos
def test_a_rolled_back_transaction_sends_nothing(db, queued_mail, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                send_mail("Hej", "Ett meddelande.", None, ["someone@example.se"])
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not OutboxEmail.objects.exists()


@pytest.mark.chaos
def test_delivery_gives_up_after_the_last_attempt_with_an_error_in_the_log(db, queued_mail, caplog):
    from kernel.mail import deliver_outbox_email

    queued_mail.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    queued_mail.EMAIL_HOST, queued_mail.EMAIL_PORT, queued_mail.EMAIL_USE_TLS = "127.0.0.1", free_port(), False
    queued_mail.EMAIL_MAX_ATTEMPTS = 3
    send_mail("Hej", "Ett meddelande.", None, ["someone@example.se"])
    row = OutboxEmail.objects.get()
    with caplog.at_level(logging.WARNING, logger="kernel.mail"):
        delays = [deliver_outbox_email(outbox_id=row.pk) for _ in range(4)]
    assert delays == [retry_delay(1), retry_delay(2), None, None]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxEmail.Status.FAILED, 3)
    assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING", "ERROR"]


def test_retry_delays_grow_exponentially_and_are_bounded(settings):
    settings.EMAIL_RETRY_BASE_SECONDS = 30
    assert [retry_delay(n) for n in range(1, 10)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


# --- serialisation: every message survives JSON unchanged -------------------------------------------------
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
_address = st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.se", fullmatch=True)
_addresses = st.lists(_address, max_size=3)
_header_name = st.from_regex(r"X-[A-Za-z]{1,10}", fullmatch=True)
_content = st.one_of(_text, st.binary(max_size=60))


@st.composite
def _messages(draw) -> EmailMessage:
    alternatives = draw(st.booleans())
    cls = EmailMultiAlternatives if alternatives else EmailMessage
    message = cls(
        subject=draw(_text),
        body=draw(_text),
        from_email=draw(_address),
        to=draw(_addresses),
        cc=draw(_addresses),
        bcc=draw(_addresses),
        reply_to=draw(_addresses),
        headers=draw(st.dictionaries(_header_name, _text, max_size=3)),
    )
    message.content_subtype = draw(st.sampled_from(["plain", "html"]))
    for _ in range(draw(st.integers(0, 2))):
        message.attachments.append((draw(_text) or None, draw(_content), draw(st.sampled_from(["text/csv", None]))))
    if alternatives:
        for _ in range(draw(st.integers(0, 2))):
            message.attach_alternative(draw(_text), draw(st.sampled_from(["text/html", "text/calendar"])))
    return message


def _fields(message: EmailMessage) -> dict:
    return {
        "class": type(message),
        **{
            name: getattr(message, name)
            for name in ("subject", "body", "from_email", "to", "cc", "bcc", "reply_to", "extra_headers")
        },
        "subtypes": (message.content_subtype, message.mixed_subtype, getattr(message, "alternative_subtype", None)),
        "attachments": [tuple(a) for a in message.attachments],
        "alternatives": [tuple(a) for a in getattr(message, "alternatives", [])],
    }


@hypothesis_settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(message=_messages())
def test_every_message_survives_the_round_trip_through_json(message):
    data = json.loads(json.dumps(message_to_json(message)))
    assert _fields(message_from_json(data)) == _fields(message)


def test_attachments_are_base64_and_a_mime_part_survives(settings):
    message = EmailMessage("Rapport", "Se bilagan.", "a@example.se", ["b@example.se"])
    message.attach("rapport.pdf", b"%PDF-1.7 \x00\xff", "application/pdf")
    message.attach(MIMEText("inline text", "plain", "utf-8"))
    data = json.loads(json.dumps(message_to_json(message)))
    assert base64.b64decode(data["attachments"][0]["content_base64"]) == b"%PDF-1.7 \x00\xff"
    rebuilt = message_from_json(data)
    assert rebuilt.attachments[0] == ("rapport.pdf", b"%PDF-1.7 \x00\xff", "application/pdf")
    assert rebuilt.attachments[1].get_payload(decode=True) == b"inline text"
    assert base64.b64encode(b"inline text").decode() in rebuilt.message().as_string()


def test_enqueue_never_raises_when_the_broker_is_down(broker_down, caplog):
    with caplog.at_level(logging.WARNING, logger="kernel.mail"):
        enqueue(123)
    assert any("send_queued_email(123,) not enqueued" in r.getMessage() for r in caplog.records)
