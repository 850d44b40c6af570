"""The organiser's attendance sheet with its export, and self check-in for registered people."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from events import selectors, services
from events.attendance import exports
from events.attendance.forms import AttendanceForm, CheckInForm
from kernel.audit import audit_log
from kernel.downloads import attachment


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request: HttpRequest, code: str) -> HttpResponse:
    """Registrations and attendance: one radio group per confirmed registration, saved with one POST."""
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    sheet = selectors.attendance_sheet(event=event)
    form = AttendanceForm(request.POST if request.method == "POST" else None, registrations=sheet.confirmed)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # all rows or none
                for registration, value in form.changes():
                    services.attendance_mark(actor=request.actor, registration=registration, attendance=value)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Attendance was saved."))
            return redirect("events:attendance", code=event.code)
    return render(request, "events/attendance/sheet.html", {"event": event, "sheet": sheet, "form": form})


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
    form = CheckInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.self_check_in(user=request.user, event=event, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            messages.success(request, _("You are checked in. Welcome!"))
            return redirect("events:detail", code=event.code)
    context = {"event": event, "form": form, "open": event.checkin_open()}
    return render(request, "events/attendance/checkin.html", context)
