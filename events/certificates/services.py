"""Issuing an attendance certificate: the first download of a present attendee's certificate stores its
verification code and the hours it states; every later download prints the same code."""

from __future__ import annotations

from django.db import transaction

from events.certificates.selectors import event_hours, has_certificate
from events.models import Certificate, Registration
from kernel.audit import audit_log


@transaction.atomic
def certificate_issue(*, registration: Registration) -> Certificate:
    """The registration's certificate, issued now if it has none yet (idempotent; of two racing first
    downloads one creates the row, the other reads it). Only for a registration that has a certificate
    (`has_certificate`): anything else is a programming error, not a refusal to show a person."""
    if not has_certificate(registration):
        raise ValueError("this registration has no certificate")
    certificate, created = Certificate.objects.get_or_create(
        registration=registration, defaults={"hours": event_hours(registration.event)}
    )
    if created:
        audit_log(actor=None, action="registration.certificate_issue", target=registration)
    return certificate
