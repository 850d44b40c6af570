"""A notification: one thing that happened, for one person, with a link to it; and each person's choice of how
to be e-mailed about each kind (notifications/kinds.py)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.kinds import Delivery, kind_choices, render_text, render_title


class Notification(models.Model):
    """Written by `notifications.notify` in the transaction of the change it tells about. The text is not
    stored: `text` renders the kind's sentence with `params` in the reader's language."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=40, choices=kind_choices)
    params = models.JSONField(default=dict, blank=True)
    # A path on this site (never another host): the object the notification is about.
    url = models.CharField(max_length=500, editable=False)
    # The portal the path is on: a förbund's address (scheme, host, port) for what belongs to a förbund, so the
    # link leads to the portal where the object exists; empty: the site's own address (SITE_URL).
    site = models.CharField(max_length=300, blank=True, default="", editable=False)
    # The förbund the object belongs to (a key: notifications sit below the directory); None: national. A
    # förbund's portal lists its own and the national ones first, every förbund's one click away.
    forbund_id = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # How it is e-mailed, fixed from the recipient's choice when it was written.
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # When the e-mail was handed over (immediately) or the notification was claimed by a daily summary.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notifications_by_recipient"),
            # The header's unread count on every page: a small partial index.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notifications_unread"),
            # The daily summary: who has notifications waiting for it.
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(delivery=Delivery.DAILY, emailed_at__isnull=True),
                name="notifications_digest_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(url__startswith="/") & ~Q(url__startswith="//"), name="notifications_url_is_a_path"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.recipient_id} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def title(self) -> str:
        return render_title(self.kind)

    @property
    def text(self) -> str:
        return render_text(self.kind, self.params)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """A person's choice for one kind; without a row the kind's default applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=40, choices=kind_choices)
    delivery = models.CharField(_("e-mail"), max_length=10, choices=Delivery.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification setting")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notifications_preference_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.delivery} (user {self.user_id})"
