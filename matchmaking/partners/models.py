"""Partner requests: a buyer asks for a service; ASF offering it in the municipality are suggested and
answer (matchmaking.partners.services). Registered in the matchmaking app by matchmaking/models.py."""

from __future__ import annotations

import uuid

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from directory.models import Organisation, ServiceCategory, municipality_field
from kernel.identifiers import refuse_personnummer
from kernel.models import TimeStampedModel, person_field


class PartnerRequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class PartnerRequest(TimeStampedModel):
    """A buyer (a business, a public body or any member organisation) needs a service an ASF may offer:
    "catering for 40 people in Boden in May", "cleaning contract, reserved for ASF". ASF offering that
    service in that municipality are suggested (matchmaking.partners.services) and answer interested or not."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("requesting organisation"),
        on_delete=models.CASCADE,
        related_name="partner_requests",
    )
    title = models.CharField(_("title"), max_length=200, validators=[refuse_personnummer])
    description = models.TextField(_("description"), blank=True, validators=[refuse_personnummer])
    service = models.ForeignKey(ServiceCategory, verbose_name=_("service"), on_delete=models.PROTECT, related_name="+")
    municipality = municipality_field("municipality")
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    reserved_for_asf = models.BooleanField(
        _("reserved contract"),
        default=False,
        help_text=_("Only suppliers eligible for reserved contracts (LOU 4 kap. 18 §) may take part."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PartnerRequestStatus.choices, default=PartnerRequestStatus.OPEN
    )
    created_by = person_field()

    class Meta:
        verbose_name = _("partner request")
        verbose_name_plural = _("partner requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["service", "municipality", "status"], name="mm_partnerrequest_match")]

    def get_absolute_url(self) -> str:
        """The partner request's page."""
        return reverse("matchmaking:partner_request_detail", kwargs={"code": self.code})

    def __str__(self) -> str:
        return self.title


class PartnerAnswer(models.TextChoices):
    INTERESTED = "interested", _("Interested")
    NOT_INTERESTED = "not_interested", _("Not interested")


class PartnerResponse(TimeStampedModel):
    """An ASF's answer to a partner request; one per request and organisation (a new answer replaces it)."""

    request = models.ForeignKey(PartnerRequest, on_delete=models.CASCADE, related_name="responses")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="partner_responses"
    )
    answer = models.CharField(_("answer"), max_length=16, choices=PartnerAnswer.choices)
    note = models.CharField(_("note"), max_length=500, blank=True, validators=[refuse_personnummer])
    answered_by = person_field()

    class Meta:
        verbose_name = _("answer to a partner request")
        verbose_name_plural = _("answers to partner requests")
        ordering = ["organisation__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "organisation"], name="matchmaking_partnerresponse_one_per_organisation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} → {self.request_id}: {self.answer}"
