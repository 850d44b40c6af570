"""Writing and finalising an event's closing report. The organiser's members and coordinators write it once
the event has ended; finalising freezes the attendance figures (`selectors.event_figures`) and the text:
after that nothing changes."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.access import Actor, can_edit_organisation
from events.closing.selectors import event_figures
from events.models import ClosingReport, Event, EventStatus
from kernel.audit import save_audited


def _check_writable(actor: Actor, event: Event, now: dt.datetime) -> None:
    if not can_edit_organisation(actor, event.organiser):
        raise PermissionDenied
    if event.status != EventStatus.PUBLISHED:
        raise ValidationError(_("Only an event that took place has a closing report."))
    if event.end > now:
        raise ValidationError(_("The closing report can be written once the event has ended."))


@transaction.atomic
def closing_report_save(
    *,
    actor: Actor,
    event: Event,
    minutes: str,
    follow_ups: str,
    finalise: bool = False,
    now: dt.datetime | None = None,
) -> ClosingReport:
    """Save the draft (or, with `finalise`, finalise it and freeze the figures). The report row is locked,
    so of two racing saves the second sees the first; a finalised report is refused."""
    now = now or timezone.now()
    _check_writable(actor, event, now)
    report, _created = ClosingReport.objects.select_for_update().get_or_create(
        event=event, defaults={"created_by": actor.user}
    )
    if report.is_final:
        raise ValidationError(_("The closing report is finalised and can no longer be changed."))
    report.minutes = minutes
    report.follow_ups = follow_ups
    if finalise:
        report.figures = event_figures(event=event)
        report.finalised_at = now
        report.finalised_by = actor.user
    save_audited(
        report,
        actor=actor.user,
        action="event.closing_report_finalise" if finalise else "event.closing_report_save",
        target=event,
        data={"attendees": report.figures["attendees"]} if finalise else None,
    )
    return report
