"""The one mail helper (kernel/mail.py send_templated): templates/<app>/email/<name>_subject.txt, <name>.txt
and an optional <name>.html, rendered in the recipient's language by one fallback rule, the subject on one
line, plain text never HTML-escaped, sent through Django's mail API (the outbox), once per once_key."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from directory import emails as directory_emails
from directory.models import Invitation
from kernel.mail import email_language, render_templated, send_templated
from kernel.models import OutboxEmail, SentEmail
from tests.factories import OrganisationFactory, UserFactory


class Person:
    def __init__(self, preferred_language: str | None, email: str = "p@example.se", is_active: bool = True):
        self.preferred_language = preferred_language
        self.email = email
        self.is_active = is_active


@pytest.mark.parametrize(
    ("to", "language", "expected"),
    [
        (Person("en"), "sv", "en"),  # the user's own language first
        (Person("sv"), "en", "sv"),
        (Person(""), "en", "en"),  # else the language given
        (Person("xx"), "en", "en"),  # a language the site does not offer does not count
        (Person(None), None, "sv"),  # else settings.LANGUAGE_CODE
        ("guest@example.se", "en", "en"),  # an address has no language of its own
        ("guest@example.se", "", "sv"),
        ("guest@example.se", "de", "sv"),
    ],
)
def test_one_fallback_rule_for_the_language(to, language, expected):
    assert email_language(to, language) == expected


@pytest.fixture
def hello_templates(tmp_path, settings):
    """A test app's e-mail: subject over several lines, a text body and an HTML body."""
    folder = tmp_path / "testapp" / "email"
    folder.mkdir(parents=True)
    (folder / "hello_subject.txt").write_text("{% load i18n %}\n{% translate 'Swedish' %}\n  {{ name }}\n")
    (folder / "hello.txt").write_text("{% load i18n %}{% translate 'Swedish' %} {{ name }} <{{ user.email }}>")
    (folder / "hello.html").write_text("<p>{{ name }}</p>")
    (folder / "plain_subject.txt").write_text("Plain")
    (folder / "plain.txt").write_text("Only text")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    return folder


def test_renders_subject_on_one_line_text_unescaped_and_html_escaped(hello_templates):
    user = Person("en", email="anna@example.se")
    message = render_templated("testapp/hello", to=user, context={"name": "Bröd & <Co>"})
    assert isinstance(message, EmailMultiAlternatives)
    assert message.to == ["anna@example.se"]
    assert message.subject == "Swedish Bröd & <Co>"
    assert message.body == "Swedish Bröd & <Co> <anna@example.se>"  # the user is in the context
    assert message.alternatives[0].content == "<p>Bröd &amp; &lt;Co&gt;</p>"
    assert message.alternatives[0].mimetype == "text/html"


def test_in_swedish_for_a_swedish_reader_and_no_html_part_without_a_template(hello_templates):
    message = render_templated("testapp/hello", to=Person("sv"), context={"name": "Anna"})
    assert message.subject == "Svenska Anna"
    assert render_templated("testapp/plain", to="a@example.se", context={}).alternatives == []


def test_reply_to_and_attachments_are_passed_on(hello_templates):
    message = render_templated(
        "testapp/plain",
        to="a@example.se",
        context={},
        reply_to=["kansliet@example.se"],
        attachments=[("lista.csv", "a;b\n", "text/csv")],
    )
    assert message.reply_to == ["kansliet@example.se"]
    assert message.attachments[0][:2] == ("lista.csv", "a;b\n")


@pytest.mark.parametrize("name", ["hello", "testapp", "testapp/email/hello", "/hello"])
def test_a_name_is_app_slash_name(name):
    with pytest.raises(ValueError, match="<app>/<name>"):
        render_templated(name, to="a@example.se", context={})


def test_an_inactive_user_or_an_empty_address_gets_nothing(hello_templates):
    assert send_templated("testapp/plain", to=Person("sv", is_active=False), context={}) == 0
    assert send_templated("testapp/plain", to="", context={}) == 0
    assert mail.outbox == []


def test_a_once_key_sends_once_and_a_failed_send_uses_no_key(db, hello_templates, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    def down(self, messages):
        raise ConnectionRefusedError("smtp down")

    with monkeypatch.context() as patched:
        patched.setattr(EmailBackend, "send_messages", down)
        with pytest.raises(ConnectionRefusedError):
            send_templated("testapp/plain", to="a@example.se", context={}, once_key="test:1")
    assert not SentEmail.objects.filter(key="test:1").exists()
    assert send_templated("testapp/plain", to="a@example.se", context={}, once_key="test:1") == 1
    assert send_templated("testapp/plain", to="a@example.se", context={}, once_key="test:1") == 0
    assert send_templated("testapp/plain", to="a@example.se", context={}, once_key="test:2") == 1
    assert len(mail.outbox) == 2


def test_keys_are_purged_by_the_outbox_sweeper_once_no_retry_can_come(db):
    from kernel.mail import SENT_KEYS_KEPT, flush_outbox

    old = SentEmail.objects.create(key="test:old", created_at=timezone.now() - SENT_KEYS_KEPT - dt.timedelta(hours=1))
    recent = SentEmail.objects.create(
        key="test:recent", created_at=timezone.now() - SENT_KEYS_KEPT + dt.timedelta(hours=1)
    )
    flush_outbox()
    assert list(SentEmail.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not SentEmail.objects.filter(pk=old.pk).exists()


def test_through_the_outbox_a_rolled_back_send_leaves_neither_mail_nor_key(db, hello_templates, settings):
    settings.EMAIL_BACKEND = "kernel.mail.QueuedEmailBackend"

    def failing_change() -> None:
        with transaction.atomic():
            send_templated("testapp/plain", to="a@example.se", context={}, once_key="test:rolled-back")
            assert OutboxEmail.objects.count() == 1
            raise RuntimeError("the caller's change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert OutboxEmail.objects.count() == 0
    assert not SentEmail.objects.exists()
    send_templated("testapp/plain", to="a@example.se", context={}, once_key="test:rolled-back")
    assert OutboxEmail.objects.get().message["subject"] == "Plain"


names = st.text(
    alphabet=st.characters(categories=["L", "N", "P", "S", "Zs"], include_characters="&<>\"'\n\t"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip())


@pytest.mark.django_db
@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names)
def test_an_invitation_names_the_organisation_as_written_in_a_one_line_subject(name, settings):
    """Plain-text parts are not HTML: "Bröd & Co" must not arrive as "Bröd &amp; Co"."""
    settings.SITE_URL = "https://asfnet.example.se"
    mail.outbox.clear()
    organisation = OrganisationFactory(name=name)
    inviter = UserFactory()
    invitation = Invitation.objects.create(
        email="ny@example.se",
        organisation=organisation,
        role="member",
        language="en",
        token_hash=uuid.uuid4().hex,
        invited_by=inviter,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    assert directory_emails.invitation_email_send(invitation_id=invitation.pk, token="t0ken") == 1
    [message] = mail.outbox
    one_line = " ".join(name.split())
    assert message.subject == f"Invitation to {one_line} on asfnet"
    assert name in message.body
