"""Cross-cutting models: the custom user (e-mail login) and the append-only audit log."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.identifiers import refuse_personnummer


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


def person_field() -> models.ForeignKey[User | None, User | None]:
    """Who did something to a row (created, recorded, decided it). The row outlives the account: deleting
    the account empties the field and keeps the row. No reverse accessor on User."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        # A platform operator: creates förbund (in the admin site); coordinator of none until made one.
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. Roles come from memberships (directory.Membership) and from being a coordinator
    of a förbund (directory.Forbund.coordinators); `directory.access` is the only place that interprets them."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("name"), max_length=150, blank=True, validators=[refuse_personnummer])
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=[("sv", _("Swedish")), ("en", _("English"))],
        default="sv",
    )
    is_staff = models.BooleanField(_("may use the admin site"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()


class AuditLog(models.Model):
    """Who did what to which object, when, in which request. Rows are written by services in the same
    transaction as the change, never updated or deleted by the app (a PostgreSQL trigger refuses it too).
    `data` holds identifiers and changed field names, never sensitive values."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # The förbund whose portal the action was taken on (a key, not a foreign key: the kernel knows no förbund);
    # its coordinators read these rows. None: the national host, or written before förbund were recorded.
    forbund_id = models.PositiveIntegerField(_("förbund"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Audit entries are append-only.")


class PendingTask(models.Model):
    """A task whose enqueue failed because the broker was down (kernel/queue.py), kept until the
    flush task (every minute) publishes it. The arguments may hold a link's secret token, so they are
    stored encrypted with a key derived from SECRET_KEY and the row is deleted once published."""

    created_at = models.DateTimeField(default=timezone.now)
    task_name = models.CharField(max_length=200)
    payload = models.TextField()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("pending task")
        verbose_name_plural = _("pending tasks")

    def __str__(self) -> str:
        return f"{self.task_name} ({self.created_at:%Y-%m-%d %H:%M})"


class OutboxEmail(models.Model):
    """An e-mail waiting for delivery (kernel/mail.py). Written in the sender's transaction, delivered by a
    task, deleted once delivered; failed rows are kept a week for inspection, then purged."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        FAILED = "failed", _("failed")

    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    message = models.JSONField()
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("queued e-mail")
        verbose_name_plural = _("queued e-mails")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="asfnet_outbox_status_due")]

    def __str__(self) -> str:
        return f"e-mail {self.pk} ({self.status}, {self.attempts} attempts)"


class SentEmail(models.Model):
    """A templated e-mail handed over under an idempotency key (kernel.mail.send_templated's `once_key`),
    e.g. one nudge of one thing to one person. The key is unique and written in the transaction that hands
    the message to the outbox, so a retried or redelivered task sends it once. Keys hold ids only, never
    personal data, and are purged after SENT_KEYS_KEPT (kernel/mail.py)."""

    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("sent e-mail key")
        verbose_name_plural = _("sent e-mail keys")

    def __str__(self) -> str:
        return self.key


def concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The model's field called `name`, which must be a concrete field (not a reverse relation or a generic
    foreign key): its `attname` is where the stored value lives (`kommunkod_id` for the `kommunkod` key)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a concrete field")
    return field


class ErasureRecord(models.Model):
    """The erasure journal: what the retention purge or an erasure request removed, when and under which
    policy. It names what was erased by its pseudonymous key (a participant's project key and code, a user's
    code, an event's code), never by personal data, so it can be kept to prove the erasure and to apply it
    again after a backup from before it is restored."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    policy = models.CharField(max_length=40)  # the key of the retention policy, or "request"
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=100)
    action = models.CharField(max_length=16, choices=[("deleted", _("deleted")), ("anonymised", _("anonymised"))])
    rows = models.PositiveIntegerField(default=1)  # rows removed or anonymised with it (its needs, its answers …)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("erasure")
        verbose_name_plural = _("erasure journal")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.action} {self.target_type}:{self.target_id} ({self.policy})"
