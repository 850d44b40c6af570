"""Reports of outdated information: written by anyone on a public profile, read and closed by the
organisation's members (and coordinators), escalated to the coordinators when left open. Services follow
directory/services.py: atomic, keyword-only, full_clean(), an audit row in the same transaction.

Recipients (notifications/kinds.py): `outdated_report` — the members of the organisation the report is about;
`outdated_report_escalated` — the coordinators, once per report (the compare-and-swap on `escalated_at`)."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.access import Actor, can_edit_organisation
from directory.models import Organisation, OutdatedReport, ReportStatus
from directory.selectors import coordinator_user_ids, member_user_ids
from kernel.audit import audit_log, save_audited
from kernel.erasure import ANONYMISED, Erased
from notifications.models import Notification
from notifications.services import notify


# --- Reads ------------------------------------------------------------------------------------------------
def reportable_organisation(*, code: UUID | str) -> Organisation:
    """The organisation whose public profile the report form belongs to: published ones only (an unpublished
    organisation has no public profile to be wrong; 404 for everyone)."""
    return get_object_or_404(Organisation.objects.public(), code=code)


def report_list(*, organisation: Organisation, status: str = ReportStatus.OPEN) -> QuerySet[OutdatedReport]:
    return (
        OutdatedReport.objects.filter(organisation=organisation, status=status)
        .select_related("closed_by")
        .order_by("-created_at" if status == ReportStatus.CLOSED else "created_at")
    )


# --- Writes -----------------------------------------------------------------------------------------------
def outdated_report_notify(*, organisation: Organisation) -> list[Notification]:
    """Tell the members of `organisation` that someone reported its public profile as out of date."""
    return notify(
        kind="outdated_report",
        recipients=member_user_ids(organisation_ids=[organisation.pk]),
        url=reverse("directory:outdated_reports", kwargs={"code": organisation.code}),
        params={"organisation": organisation.name},
    )


@transaction.atomic
def outdated_report_create(
    *, actor: Actor, organisation: Organisation, what_is_wrong: str, contact_email: str = ""
) -> OutdatedReport:
    """Anyone (`actor` may be anonymous) reports that the public profile of `organisation` is out of date; its
    members are told. The audit row never holds the text or the e-mail."""
    report = OutdatedReport(
        organisation=organisation,
        what_is_wrong=what_is_wrong.strip(),
        contact_email=(contact_email or "").strip().lower(),
    )
    save_audited(
        report, actor=actor.user, action="outdated_report.create", data={"organisation": str(organisation.code)}
    )
    outdated_report_notify(organisation=organisation)
    return report


@transaction.atomic
def outdated_report_close(*, actor: Actor, report: OutdatedReport, note: str = "") -> OutdatedReport:
    """A member of the organisation (or a coordinator) closes an open report, with a note of what was done."""
    if not can_edit_organisation(actor, report.organisation):
        raise PermissionDenied
    report.close_note = (note or "").strip()
    report.full_clean(exclude=["status", "closed_at"])
    now = timezone.now()
    closed = OutdatedReport.objects.filter(pk=report.pk, status=ReportStatus.OPEN).update(
        status=ReportStatus.CLOSED, closed_at=now, closed_by=actor.user, close_note=report.close_note, updated_at=now
    )
    if closed != 1:  # closed meanwhile by someone else
        raise ValidationError(_("This report has already been closed."))
    report.refresh_from_db()
    audit_log(actor=actor.user, action="outdated_report.close", target=report)
    return report


def reports_due_for_escalation(*, now: dt.datetime | None = None) -> QuerySet[OutdatedReport]:
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.OUTDATED_REPORT_ESCALATE_DAYS)
    return OutdatedReport.objects.filter(status=ReportStatus.OPEN, escalated_at__isnull=True, created_at__lt=cutoff)


def outdated_report_escalate(*, report_id: int, now: dt.datetime | None = None) -> bool:
    """Send one unanswered report on to the coordinators. The report is claimed by a compare-and-swap on
    `escalated_at` in the transaction that writes the notifications, so a retry or a second run sends nothing
    twice. Returns whether this call escalated it."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.OUTDATED_REPORT_ESCALATE_DAYS)
    with transaction.atomic():
        claimed = OutdatedReport.objects.filter(
            pk=report_id, status=ReportStatus.OPEN, escalated_at__isnull=True, created_at__lt=cutoff
        ).update(escalated_at=now)
        if claimed != 1:
            return False
        report = OutdatedReport.objects.select_related("organisation").get(pk=report_id)
        organisation = report.organisation
        notify(
            kind="outdated_report_escalated",
            recipients=coordinator_user_ids(organisation),
            url=reverse("directory:outdated_reports", kwargs={"code": organisation.code}),
            params={"organisation": organisation.name, "reported_on": report.created_at.date().isoformat()},
        )
        audit_log(actor=None, action="outdated_report.escalate", target=report)
    return True


def outdated_reports_escalate(*, now: dt.datetime | None = None) -> int:
    """Escalate every report left open OUTDATED_REPORT_ESCALATE_DAYS (each in its own transaction). Returns
    how many were escalated by this run."""
    ids = list(reports_due_for_escalation(now=now).order_by("pk").values_list("pk", flat=True))
    return sum(outdated_report_escalate(report_id=pk, now=now) for pk in ids)


# --- Retention --------------------------------------------------------------------------------------------
def outdated_report_contacts_erase_due(*, now: dt.datetime | None = None, dry_run: bool = False) -> list[Erased]:
    """Retention (asfnet/processing.py, "outdated_reports"): the reporter's e-mail is erased
    OUTDATED_REPORT_CONTACT_KEEP_DAYS after the report was closed; the report itself stays with the profile."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.OUTDATED_REPORT_CONTACT_KEEP_DAYS)
    due = OutdatedReport.objects.filter(status=ReportStatus.CLOSED, closed_at__lt=cutoff).exclude(contact_email="")
    erased = [Erased("directory.outdatedreport", str(code), ANONYMISED) for code in due.values_list("code", flat=True)]
    if not dry_run and erased:
        due.update(contact_email="")
    return erased
