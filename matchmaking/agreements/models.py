"""Agreements between organisations of the network and their PDF documents
(matchmaking.agreements.services). Registered in the matchmaking app by matchmaking/models.py."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from directory.models import Forbund, Organisation
from kernel.identifiers import refuse_personnummer
from kernel.models import TimeStampedModel, person_field


class AgreementKind(models.TextChoices):
    IOP = "iop", _("Idea-based public partnership (IOP)")
    RESERVED_CONTRACT = "reserved_contract", _("Reserved contract (LOU 4 kap. 18 §)")
    WORK_TRAINING = "work_training", _("Work-training agreement")
    FRAMEWORK = "framework", _("Framework agreement")
    OTHER = "other", _("Other agreement")


class Agreement(TimeStampedModel):
    """An agreement between organisations of the network (IOP, reserved contract, work-training agreement,
    framework agreement…). Seen by the parties' members and coordinators; reports count them."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The förbund whose network the agreement was recorded in: its coordinators see it and its reports count it.
    forbund = models.ForeignKey(Forbund, verbose_name=_("förbund"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind of agreement"), max_length=32, choices=AgreementKind.choices)
    title = models.CharField(_("title"), max_length=200, validators=[refuse_personnummer])
    parties = models.ManyToManyField(Organisation, verbose_name=_("parties"), related_name="agreements")
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    value_sek = models.DecimalField(
        _("value (SEK)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    note = models.TextField(_("note"), blank=True, validators=[refuse_personnummer])
    created_by = person_field()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="matchmaking_agreement_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(value_sek__isnull=True) | Q(value_sek__gte=0),
                name="matchmaking_agreement_value_not_negative",
            ),
        ]

    def get_absolute_url(self) -> str:
        """The agreement's page."""
        return reverse("matchmaking:agreement_detail", kwargs={"code": self.code})

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end must be after the start.")})


class AgreementDocument(TimeStampedModel):
    """A PDF belonging to an agreement. Stored under a generated name (agreements/<uuid>.pdf) and served only
    through matchmaking:agreement_document to the parties' members and coordinators."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(max_length=200, editable=False)
    name = models.CharField(_("document name"), max_length=120, validators=[refuse_personnummer])
    size = models.PositiveIntegerField(default=0, editable=False)
    uploaded_by = person_field()

    class Meta:
        verbose_name = _("agreement document")
        verbose_name_plural = _("agreement documents")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name
