"""Attendance certificates: the attendee's own PDF (logged in, or a guest through their registration link),
the organiser's PDF of one attendee and a zip of all, the organiser's list, and the public verification page.
Organisers' downloads are audited (they are downloads of other people's data). Outside scope → 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from events import selectors
from events.certificates import pdf, services
from events.certificates import selectors as certificates
from events.models import Registration
from kernel.audit import audit_log
from kernel.downloads import attachment


def _pdf_response(registration: Registration) -> HttpResponseBase:
    certificate = services.certificate_issue(registration=registration)
    return attachment(
        pdf.to_pdf(registration, certificate), filename=pdf.filename(registration), content_type="application/pdf"
    )


@login_required
@require_GET
def certificate(request: HttpRequest, code: str) -> HttpResponseBase:
    """The certificate of one registration (`code`): for the attendee and the organiser."""
    registration, as_organiser = certificates.registration_for_user(actor=request.actor, code=code)
    if as_organiser:
        audit_log(actor=request.user, action="registration.certificate_download", target=registration)
    return _pdf_response(registration)


@never_cache
@require_GET
def guest_certificate(request: HttpRequest, token: str) -> HttpResponseBase:
    """A guest's certificate through the secret link in their registration e-mail."""
    return _pdf_response(certificates.registration_by_link(token))


@login_required
@require_GET
def event_certificates(request: HttpRequest, code: str) -> HttpResponse:
    """The organiser's list: everyone marked present, with one download each and a zip of all."""
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    context = {
        "event": event,
        "registrations": certificates.certified_registrations(event=event),
        "ended": event.end <= timezone.now(),
    }
    return render(request, "events/certificates/list.html", context)


@login_required
@require_GET
def certificates_zip(request: HttpRequest, code: str) -> HttpResponseBase:
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    registrations = certificates.certified_registrations(event=event)
    if not registrations:
        raise Http404
    issued = [(r, services.certificate_issue(registration=r)) for r in registrations]
    audit_log(
        actor=request.user,
        action="event.certificates_download",
        target=event,
        data={"certificates": len(issued)},
    )
    day = certificates.event_dates(event)[0]
    return attachment(
        pdf.zip_bytes(issued),
        filename=f"certificates-{day:%Y-%m-%d}-{str(event.code)[:8]}.zip",
        content_type="application/zip",
    )


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: is this a certificate we issued? An unknown code → 404 with the page saying so."""
    shown = certificates.verification(code)
    if shown is None:
        return render(request, "events/certificates/verify.html", {"shown": None}, status=404)
    return render(request, "events/certificates/verify.html", {"shown": shown})
