"""Reports that a public profile is out of date. Registered in the directory app by directory/models.py (app
label "directory"); Organisation is referred to by name, so this module does not import the one that imports it."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.identifiers import refuse_personnummer
from kernel.models import TimeStampedModel, person_field


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class OutdatedReport(TimeStampedModel):
    """Someone (anyone: no account needed) says that something on an organisation's public profile is wrong.
    The organisation's members are told and close it with a note; one left open for
    OUTDATED_REPORT_ESCALATE_DAYS goes to the coordinators, once (`escalated_at` is the claim)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="outdated_reports"
    )
    what_is_wrong = models.TextField(_("what is wrong"), max_length=2000, validators=[refuse_personnummer])
    # Optional, never required; erased OUTDATED_REPORT_CONTACT_KEEP_DAYS after the report is closed
    # (asfnet/processing.py, "outdated_reports").
    contact_email = models.EmailField(_("your e-mail (optional)"), blank=True, validators=[refuse_personnummer])
    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = person_field()
    close_note = models.CharField(_("note"), max_length=500, blank=True, validators=[refuse_personnummer])
    escalated_at = models.DateTimeField(_("sent on to the coordinators"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("report of outdated information")
        verbose_name_plural = _("reports of outdated information")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | Q(status="closed", closed_at__isnull=False),
                name="directory_outdatedreport_closed_iff_closed_at",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="directory_outdated_open_age")]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.what_is_wrong[:40]}"

    @property
    def is_open(self) -> bool:
        return self.status == ReportStatus.OPEN
