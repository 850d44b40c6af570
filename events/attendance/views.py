"""The organiser's attendance sheet with its export, and self check-in for registered people."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from events import selectors, services
from events.attendance import exports
from events.attendance.forms import AttendanceForm, CheckInForm
from kernel.audit import audit_log
from kernel.downloads import attachment
from kernel.forms import form_page, posted


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request: HttpRequest, code: str) -> HttpResponse:
    """Registrations and attendance: one radio group per confirmed registration, saved with one POST."""
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    sheet = selectors.attendance_sheet(event=event)
    form = AttendanceForm(posted(request), registrations=sheet.confirmed)
    return form_page(
        request,
        form,
        lambda: _mark_all(request, form),
        success=_("Attendance was saved."),
        then=lambda _: redirect("events:attendance", code=event.code),
        template="events/attendance/sheet.html",
        context={"event": event, "sheet": sheet},
    )


def _mark_all(request: HttpRequest, form: AttendanceForm) -> None:
    """Mark each changed row of the sheet, one service call a row."""
    with transaction.atomic():  # all rows or none
        for registration, value in form.changes():
            services.attendance_mark(actor=request.actor, registration=registration, attendance=value)


@login_required
@require_GET
def attendance_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    if fmt not in exports.FORMATS:
        raise Http404
    sheet = selectors.attendance_sheet(event=event)
    audit_log(actor=request.user, action="event.attendance_export", target=event, data={"format": fmt})
    return attachment(
        exports.export_bytes(sheet.confirmed, fmt, sheet.questions),
        filename=exports.export_filename(event, fmt),
        content_type=exports.FORMATS[fmt],
    )


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, code: str) -> HttpResponse:
    """A registered attendee checks in with the code shown at the event."""
    event = selectors.event_for_user(actor=request.actor, code=code)
    form = CheckInForm(posted(request))
    return form_page(
        request,
        form,
        lambda: services.self_check_in(user=request.user, event=event, code=form.cleaned_data["code"]),
        success=_("You are checked in. Welcome!"),
        default_field="code",
        then=lambda _: redirect(event),
        template="events/attendance/checkin.html",
        context={"event": event, "open": event.checkin_open()},
    )
