"""E-mail through a durable outbox and the task queue, never from inside a request.

``EMAIL_BACKEND = "kernel.mail.QueuedEmailBackend"``: every message sent the normal Django way (send_mail,
EmailMessage.send, allauth, password reset) is serialised to JSON into an ``OutboxEmail`` row — in the
caller's transaction, so a rolled-back change sends nothing — and a task is enqueued after commit. The task
(kernel.tasks.send_queued_email) delivers it with ``EMAIL_DELIVERY_BACKEND`` (SMTP, or the console in
development) and deletes the row; on an SMTP or network error it retries with exponential backoff
(``EMAIL_RETRY_BASE_SECONDS`` × 2ⁿ, at most an hour apart) up to ``EMAIL_MAX_ATTEMPTS`` attempts, then marks
the row failed and logs an ERROR. A request therefore never waits for, nor fails on, the SMTP server.

If the broker cannot be reached to enqueue, the row stays in the outbox (a WARNING is logged) and the beat
task ``flush_email_outbox`` enqueues every row not delivered within ``OUTBOX_GRACE`` once the broker is
back, so no message is lost to an outage of Redis or of the SMTP server. Delivery is at least once: a
worker killed between the SMTP server's answer and the commit sends the message again.

The message's content (e.g. a password-reset link) is kept only until delivery; failed rows are purged
after ``FAILED_KEPT``. Messages are rebuilt as EmailMessage / EmailMultiAlternatives: a subclass that
overrides ``message()`` loses that override.

The project's own e-mails are written with ``send_templated(name, to=…, context=…)``: one call renders
``templates/<app>/email/<name>_subject.txt``, ``<name>.txt`` and, where it exists, ``<name>.html`` in the
recipient's language and hands the message to the outbox. Tasks that send one e-mail per recipient pass a
``once_key`` so a retried or redelivered task hands it over once, and retry transient errors with
``retry_mail_task``.
"""

from __future__ import annotations

import base64
import logging
import smtplib
from datetime import timedelta
from email.message import Message
from email.mime.base import MIMEBase
from email.parser import BytesParser
from email.policy import compat32
from functools import partial
from typing import Any, NoReturn, TypedDict, Unpack

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailAttachment
from django.db import IntegrityError, transaction
from django.template import Context, Engine, TemplateDoesNotExist
from django.utils import timezone, translation

from kernel.models import OutboxEmail, SentEmail
from kernel.queue import publish
from kernel.request_context import current_request_id

logger = logging.getLogger(__name__)

OUTBOX_GRACE = timedelta(minutes=2)  # a row not delivered this long after its due time is enqueued again
FAILED_KEPT = timedelta(days=7)
SENT_KEYS_KEPT = timedelta(days=90)  # far longer than any retry of a task that sends under a once_key
MAX_BACKOFF_SECONDS = 3600


# --- serialisation -------------------------------------------------------------------------------------
class _ParsedPart(MIMEBase):
    """A MIMEBase the e-mail parser can build (it calls the class with `policy` only)."""

    def __init__(self, policy: Any = None) -> None:
        Message.__init__(self, policy=policy or compat32)


def _b64(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


def _attachment_to_json(attachment: Any) -> dict[str, Any]:
    if isinstance(attachment, MIMEBase):
        return {"mime_base64": _b64(attachment.as_bytes())}
    filename, content, mimetype = attachment
    is_text = isinstance(content, str)
    return {
        "filename": filename,
        "mimetype": mimetype,
        "is_text": is_text,
        "content_base64": _b64(content.encode("utf-8") if is_text else bytes(content)),
    }


def _attachment_from_json(data: dict[str, Any]) -> Any:
    if "mime_base64" in data:
        return BytesParser(_class=_ParsedPart, policy=compat32).parsebytes(base64.b64decode(data["mime_base64"]))
    raw = base64.b64decode(data["content_base64"])
    content: str | bytes = raw.decode("utf-8") if data["is_text"] else raw
    return EmailAttachment(data["filename"], content, data["mimetype"])


def message_to_json(message: EmailMessage) -> dict[str, Any]:
    """Everything EmailMessage / EmailMultiAlternatives send, as JSON-safe data."""
    data: dict[str, Any] = {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": str(message.from_email),
        "to": [str(a) for a in message.to],
        "cc": [str(a) for a in message.cc],
        "bcc": [str(a) for a in message.bcc],
        "reply_to": [str(a) for a in message.reply_to],
        "headers": {str(k): str(v) for k, v in message.extra_headers.items()},
        "content_subtype": message.content_subtype,
        "mixed_subtype": message.mixed_subtype,
        "encoding": str(message.encoding) if message.encoding else None,
        "attachments": [_attachment_to_json(a) for a in message.attachments],
    }
    if isinstance(message, EmailMultiAlternatives):
        data["alternative_subtype"] = message.alternative_subtype
        data["alternatives"] = [
            {"mimetype": mimetype, **_attachment_to_json((None, content, mimetype))}
            for content, mimetype in message.alternatives
        ]
    return data


def message_from_json(data: dict[str, Any]) -> EmailMessage:
    common = {
        "subject": data["subject"],
        "body": data["body"],
        "from_email": data["from_email"],
        "to": data["to"],
        "cc": data["cc"],
        "bcc": data["bcc"],
        "reply_to": data["reply_to"],
        "headers": dict(data["headers"]),
    }
    message: EmailMessage
    if "alternatives" in data:
        message = EmailMultiAlternatives(**common)
        message.alternative_subtype = data["alternative_subtype"]
        for alternative in data["alternatives"]:
            message.attach_alternative(_attachment_from_json(alternative).content, alternative["mimetype"])
    else:
        message = EmailMessage(**common)
    message.content_subtype = data["content_subtype"]
    message.mixed_subtype = data["mixed_subtype"]
    message.encoding = data["encoding"]
    # Appended as they were, not through attach(), which would guess or change mimetypes.
    message.attachments = [_attachment_from_json(a) for a in data["attachments"]]
    return message


# --- the backend used by the application -----------------------------------------------------------
def enqueue(outbox_id: int) -> None:
    """Hand a row to the task queue. Never raises: a row the broker did not take stays in the outbox and
    the sweeper (flush_email_outbox) enqueues it later (the task is `recovered_by_sweeper`)."""
    publish(send_queued_email, outbox_id)


class QueuedEmailBackend(BaseEmailBackend):
    """Writes each message to the outbox and enqueues its delivery after the current transaction commits."""

    def send_messages(self, email_messages: Any) -> int:
        count = 0
        for message in email_messages or []:
            if not message.recipients():
                continue
            try:
                row = OutboxEmail.objects.create(message=message_to_json(message), request_id=current_request_id())
            except Exception:
                if not self.fail_silently:
                    raise
                logger.exception("mail: could not store an e-mail in the outbox")
                continue
            transaction.on_commit(partial(enqueue, row.pk))
            count += 1
        return count


# --- delivery (run by the task) -------------------------------------------------------------------------
def _permanent(exc: Exception) -> bool:
    """Errors a later attempt cannot mend: every recipient refused with a 5xx code."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused) and all(code >= 500 for code, _ in exc.recipients.values())


def retry_delay(attempts: int) -> int:
    return min(settings.EMAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


def deliver_outbox_email(*, outbox_id: int) -> int | None:
    """Send one outbox row with the delivery backend. Returns the seconds until the next attempt when
    delivery failed for a reason that may pass (SMTP or network error), otherwise None: delivered (row
    deleted), failed for good (row marked failed, ERROR logged), or not ours to send (already delivered,
    failed, or being sent by another worker)."""
    with transaction.atomic():
        row = (
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=outbox_id, status=OutboxEmail.Status.QUEUED)
            .first()
        )
        if row is None:
            return None
        try:
            message = message_from_json(row.message)
            connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
            connection.send_messages([message])
        except (smtplib.SMTPException, OSError) as exc:
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if _permanent(exc) or row.attempts >= settings.EMAIL_MAX_ATTEMPTS:
                row.status = OutboxEmail.Status.FAILED
                row.save(update_fields=["attempts", "last_error", "status"])
                logger.error(
                    "mail: e-mail %s not delivered after %s attempt(s), given up: %s",
                    row.pk,
                    row.attempts,
                    row.last_error,
                )
                return None
            delay = retry_delay(row.attempts)
            row.next_attempt_at = timezone.now() + timedelta(seconds=delay)
            row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            logger.warning(
                "mail: delivery of e-mail %s failed (attempt %s of %s), next attempt in %s s: %s",
                row.pk,
                row.attempts,
                settings.EMAIL_MAX_ATTEMPTS,
                delay,
                row.last_error,
            )
            return delay
        except Exception as exc:  # a message that cannot be built or sent at all: retrying will not help
            row.attempts += 1
            row.status = OutboxEmail.Status.FAILED
            row.last_error = f"{type(exc).__name__}: {exc}"[:500]
            row.save(update_fields=["attempts", "last_error", "status"])
            logger.exception("mail: e-mail %s cannot be delivered", row.pk)
            return None
        row.delete()
        return None


def flush_outbox() -> int:
    """Enqueue rows whose delivery is overdue (the broker was down, or a task was lost) and purge old
    failed rows. Returns the number of rows enqueued."""
    now = timezone.now()
    due = list(
        OutboxEmail.objects.filter(
            status=OutboxEmail.Status.QUEUED, next_attempt_at__lte=now - OUTBOX_GRACE
        ).values_list("pk", flat=True)[:500]
    )
    # Pushed forward first, so the next sweep leaves them to the task enqueued now.
    OutboxEmail.objects.filter(pk__in=due).update(next_attempt_at=now)
    for pk in due:
        enqueue(pk)
    OutboxEmail.objects.filter(status=OutboxEmail.Status.FAILED, created_at__lt=now - FAILED_KEPT).delete()
    SentEmail.objects.filter(created_at__lt=now - SENT_KEYS_KEPT).delete()
    return len(due)


# --- Templated e-mail: the one way the project writes its own messages -----------------------------------
def email_language(to: Any, language: str | None = None) -> str:
    """The one fallback rule for the language of an e-mail: the recipient user's preferred language, else
    `language` (e.g. the one a guest registered in), else settings.LANGUAGE_CODE — the first of them that
    the site offers (settings.LANGUAGES)."""
    offered = {code for code, _name in settings.LANGUAGES}
    for candidate in (getattr(to, "preferred_language", None), language):
        if isinstance(candidate, str) and candidate in offered:
            return candidate
    return settings.LANGUAGE_CODE


def _render(template_name: str, context: dict[str, Any], *, autoescape: bool) -> str:
    # Plain-text parts are never HTML-escaped: "Bröd & Co" stays "Bröd & Co" in a subject and a body.
    template = Engine.get_default().get_template(template_name)
    return template.render(Context(context, autoescape=autoescape))


class MessageOptions(TypedDict, total=False):
    """What a templated e-mail may add besides its recipient and context (render_templated, send_templated)."""

    language: str | None  # the fallback language when the recipient has none of their own (email_language)
    reply_to: list[str] | None
    attachments: list[tuple[str, bytes | str, str]] | None  # (file name, content, MIME type)


def render_templated(
    name: str, *, to: Any, context: dict[str, Any], **options: Unpack[MessageOptions]
) -> EmailMultiAlternatives:
    """The message `name` ("<app>/<name>") for `to` (a user or an e-mail address), rendered in
    email_language(to, language). A user recipient is in the context as `user` unless the caller set it.
    The subject is one line (whitespace, line breaks included, collapsed)."""
    app, _slash, base = name.partition("/")
    if not app or not base or "/" in base:
        raise ValueError(f"an e-mail name is '<app>/<name>', not {name!r}")
    address = to if isinstance(to, str) else to.email
    context = dict(context)
    if not isinstance(to, str):
        context.setdefault("user", to)
    with translation.override(email_language(to, options.get("language"))):
        subject = " ".join(_render(f"{app}/email/{base}_subject.txt", context, autoescape=False).split())
        body = _render(f"{app}/email/{base}.txt", context, autoescape=False)
        try:
            html: str | None = _render(f"{app}/email/{base}.html", context, autoescape=True)
        except TemplateDoesNotExist:
            html = None
    message = EmailMultiAlternatives(subject, body, None, [address], reply_to=options.get("reply_to"))
    if html is not None:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in options.get("attachments") or []:
        message.attach(filename, content, mimetype)
    return message


def send_templated(
    name: str, *, to: Any, context: dict[str, Any], once_key: str | None = None, **options: Unpack[MessageOptions]
) -> int:
    """Render the e-mail `name` for `to` (render_templated) and send it through Django's mail API, i.e. into
    the outbox in the caller's transaction. Returns the number of messages sent: 0 for an inactive user, an
    empty address, or a `once_key` already used. With `once_key` (ids only, e.g.
    "matchmaking.nudge:need:42:2026-12-01T08:00:00+00:00:7") the key and the message are written in one
    transaction: of two attempts with the same key exactly one sends, and a failed send uses up no key."""
    if not isinstance(to, str) and not getattr(to, "is_active", True):
        return 0
    if not (to if isinstance(to, str) else to.email):
        return 0
    if once_key is None:
        return render_templated(name, to=to, context=context, **options).send()
    max_length = SentEmail._meta.get_field("key").max_length
    if max_length is not None and len(once_key) > max_length:
        raise ValueError(f"once_key too long: {once_key!r}")
    with transaction.atomic():
        try:
            with transaction.atomic():
                SentEmail.objects.create(key=once_key)
        except IntegrityError:
            logger.info("mail: %s already sent; not again", once_key)
            return 0
        return render_templated(name, to=to, context=context, **options).send()


def retry_mail_task(task: Any, error: Exception) -> NoReturn:
    """In a bound task that sends one e-mail, after a transient error (SMTP, network): retry with the
    outbox's backoff (retry_delay, settings.EMAIL_RETRY_BASE_SECONDS), at most `task.max_retries` times.
    Raises celery's Retry, or `error` once the retries are used up."""
    task.retry(exc=error, countdown=retry_delay(task.request.retries + 1))
    raise error  # not reached: retry() raises


# Registered under its historical name: messages already queued keep finding it.
@shared_task(name="kernel.tasks.send_queued_email", bind=True, max_retries=None, recovered_by_sweeper=True)
def send_queued_email(self: Any, outbox_id: int) -> None:
    """Deliver one outbox e-mail; on an SMTP/network error retry with backoff (deliver_outbox_email bounds the
    attempts). Run eagerly (embedded default) a failed attempt is not retried in the request: the row stays
    queued."""
    delay = deliver_outbox_email(outbox_id=outbox_id)
    if delay is not None and not self.request.is_eager:
        raise self.retry(countdown=delay)
