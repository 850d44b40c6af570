"""Reports: support records (the entity indicators' source) and report runs (Celery jobs with history).
No other app imports this one."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from directory.models import Forbund, Organisation
from kernel.identifiers import refuse_personnummer
from kernel.models import TimeStampedModel, person_field
from matchmaking.models import FundedProject


class SupportKind(models.TextChoices):
    ADVICE = "advice", _("Advice and guidance")
    TRAINING = "training", _("Training or skills development")
    MATCHING = "matching", _("Help with placements or recruitment")
    BUSINESS_DEVELOPMENT = "business_development", _("Business development")
    PROCUREMENT = "procurement", _("Help with procurement or reserved contracts")
    NETWORK = "network", _("Network building")
    # Recorded, but never support: attending an open information meeting or being a paid contractor to the
    # project does not make an organisation a supported entity (EECO18, EECO19).
    INFORMATION_MEETING = "information_meeting", _("Attended an open information meeting (not support)")
    PAID_CONTRACTOR = "paid_contractor", _("Paid contractor to the project (not support)")


NOT_SUPPORT = (SupportKind.INFORMATION_MEETING, SupportKind.PAID_CONTRACTOR)


class SupportRecord(TimeStampedModel):
    """A coordinator records that an organisation received support from a funded project."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(FundedProject, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind of support"), max_length=32, choices=SupportKind.choices)
    direct = models.BooleanField(_("direct support"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True, validators=[refuse_personnummer])
    recorded_by = person_field()

    class Meta:
        verbose_name = _("support record")
        verbose_name_plural = _("support records")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["project", "date"], name="reports_support_project_date")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.date} {self.kind}"

    @property
    def counts_as_support(self) -> bool:
        return self.direct and self.kind not in NOT_SUPPORT


class ReportKind(models.TextChoices):
    ESF = "esf", _("ESF+ common indicators")
    PROJECT = "project", _("The project's own measures")
    EXIT_PACKAGE = "exit_package", _("Exit package (open formats)")
    # What a samordningsförbund reports to SUS (Finsam's follow-up system) about structure-oriented work:
    # volume counts only, no personal data (reports/finsam/selectors.py).
    FINSAM = "finsam", _("Finsam/SUS: structure-oriented work")


class RulesVersion(models.TextChoices):
    """The versions of the ESF+ definitions (reports.indicators.RULES), named by the day they were fixed."""

    FIRST = "2026-11-25", _("2026-11-25 (first reading)")
    REVISED = "2026-11-30", _("2026-11-30 (revised against Regulation 2021/1057 and the SFC guidance)")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Ready")
    FAILED = "failed", _("Failed")


class ReportRun(TimeStampedModel):
    """One run of a report: the row is the truth; the Celery task claims it with a compare-and-swap."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    forbund = models.ForeignKey(Forbund, verbose_name=_("förbund"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ReportKind.choices)
    project = models.ForeignKey(FundedProject, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    period_from = models.DateField(null=True, blank=True)
    period_to = models.DateField(null=True, blank=True)
    suppress_small_cells = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    requested_by = person_field()
    scheduled = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    # ESF+ runs: the version of the definitions the result was computed under (reports.indicators.RULES),
    # written with the result. A result is never computed again: a new reading of the rules is a new run.
    rules_version = models.CharField(_("rules version"), max_length=16, choices=RulesVersion.choices, blank=True)
    # Sent to the funder: the stored result and files are the figures delivered.
    delivered_at = models.DateTimeField(_("delivered to the funder"), null=True, blank=True)
    delivered_by = person_field()
    # A run of the same report (kind, project, period) asked for after that one was delivered.
    rerun_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reruns", verbose_name=_("re-run of")
    )
    # The lease of the worker computing the run: set by the claim, renewed at every step, checked (by
    # token) when the result is written. A run whose lease expired is taken over under a new token.
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # "Report ready" e-mail: claimed (compare-and-swap) before sending, done once handed over.
    notify_claimed_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_from__isnull=True) | Q(period_to__gte=models.F("period_from")),
                name="reports_run_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period_from}–{self.period_to} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A run of a project's report belongs to the project's förbund, always: never another one's.
        if self.project_id is not None and self._state.adding:
            self.forbund_id = self.project.forbund_id
        super().save(*args, **kwargs)


class ReportFile(models.Model):
    """A file a run produced (CSV, XLSX, PDF, ZIP), served only through an authorised view."""

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=8)
    file = models.FileField(upload_to="reports/")
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report file")
        verbose_name_plural = _("report files")
        constraints = [models.UniqueConstraint(fields=["run", "format"], name="reports_file_one_per_format")]

    def __str__(self) -> str:
        return f"{self.run_id}.{self.format}"
