"""The attendance certificate as PDF, in the attendee's language (the language of their registration).
WeasyPrint renders templates/events/certificates/certificate.html; as for the reports' PDF it may fetch
nothing (no URL, no file): the document is self-contained, whatever a title or name contains. Tagged as
PDF/UA-1 (ISO 14289-1): structure tree, language and title, so a screen reader reads it in order."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from weasyprint import HTML  # needs Debian's pango/harfbuzz: scripts/ensure-system-packages.sh
from weasyprint.urls import URLFetcher

from directory.forbund.links import site_url
from events.certificates.selectors import attendee_name, event_dates
from events.models import Certificate, Registration


def verify_url(certificate: Certificate) -> str:
    return site_url(certificate.registration.event.forbund_id) + reverse(
        "events:certificate_verify", kwargs={"code": certificate.code}
    )


def certificate_language(registration: Registration) -> str:
    return "en" if (registration.language or "sv").startswith("en") else "sv"


def to_pdf(registration: Registration, certificate: Certificate) -> bytes:
    language = certificate_language(registration)
    event = registration.event
    first, last = event_dates(event)
    with translation.override(language):
        html = render_to_string(
            "events/certificates/certificate.html",
            {
                "language": language,
                "event": event,
                "title": event.title,  # in the attendee's language (translation.override above)
                "first_day": first,
                "last_day": last,
                "hours": certificate.hours,
                "name": attendee_name(registration),
                "organiser": event.organiser.name,
                "code": certificate.code,
                "verify_url": verify_url(certificate),
                "issued": timezone.localdate(certificate.created_at),
            },
        )
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf(
        pdf_variant="pdf/ua-1", pdf_tags=True
    )


def filename(registration: Registration, n: int | None = None) -> str:
    """certificate-2026-11-20-anna-oberg.pdf: ASCII only, so every browser and zip tool keeps it."""
    name = attendee_name(registration).casefold().translate(str.maketrans("åäöéü", "aaoeu"))
    slug = re.sub(r"[^a-z0-9]+", "-", name).strip("-")[:40] or "attendee"
    day = event_dates(registration.event)[0]
    prefix = f"{n:03d}-" if n is not None else ""
    return f"{prefix}certificate-{day:%Y-%m-%d}-{slug}.pdf"


def zip_bytes(certificates: Iterable[tuple[Registration, Certificate]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, (registration, certificate) in enumerate(certificates, start=1):
            archive.writestr(filename(registration, n), to_pdf(registration, certificate))
    return out.getvalue()
