"""Who may have which attendance certificate, and what the public verification page shows.

A certificate exists only for a person marked present (a confirmed registration with attendance "present")
at an event that has ended and whose personal data is still held. It is for the attendee (the account whose
registration it is, or a guest through the secret link of their registration e-mail) and for the organiser's
members and coordinators. Anyone else, and anyone asking for a registration without a certificate, gets 404:
the answer does not tell whether the registration exists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from directory.access import Actor, can_edit_organisation
from events import services
from events.models import Attendance, Certificate, Event, Registration, RegistrationStatus

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def has_certificate(registration: Registration, now: dt.datetime | None = None) -> bool:
    event = registration.event
    return (
        registration.status == RegistrationStatus.CONFIRMED
        and registration.attendance == Attendance.PRESENT
        and not registration.personal_data_purged
        and event.personal_data_purged_at is None
        and event.end <= (now or timezone.now())
    )


def registration_for_user(*, actor: Actor, code: UUID | str) -> tuple[Registration, bool]:
    """The registration whose certificate the actor asks for, and whether the actor asks as the organiser
    (the organiser's members, coordinators) rather than as the attendee. Anything else → 404."""
    registration = get_object_or_404(
        Registration.objects.select_related("event", "event__organiser", "user").filter(
            event__in=Event.objects.in_reach_of(actor)  # another förbund's event is not here
        ),
        code=code,
    )
    own = actor.user is not None and registration.user_id == actor.user.pk
    organiser = can_edit_organisation(actor, registration.event.organiser)
    if not (own or organiser) or not has_certificate(registration):
        raise Http404
    return registration, organiser and not own


def registration_by_link(token: str) -> Registration:
    """A guest's registration through the secret of their registration e-mail link; without a certificate → 404."""
    registration = services.registration_by_token(token)
    if registration is None or not has_certificate(registration):
        raise Http404
    return registration


def certified_registrations(*, event: Event) -> list[Registration]:
    """Every registration of the event that has a certificate, in registration order."""
    if event.personal_data_purged_at is not None or event.end > timezone.now():
        return []
    return list(
        event.registrations.filter(
            status=RegistrationStatus.CONFIRMED, attendance=Attendance.PRESENT, personal_data_purged=False
        )
        .select_related("event", "event__organiser", "user")
        .order_by("created_at", "pk")
    )


def event_hours(event: Event) -> Decimal:
    """The event's length in hours from its start and end, to one decimal."""
    seconds = Decimal((event.end - event.start).total_seconds())
    return (seconds / Decimal(3600)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def event_dates(event: Event) -> tuple[dt.date, dt.date]:
    """The first and last day (Swedish time) of the event; an event ending at midnight does not spill over."""
    first = timezone.localtime(event.start, STOCKHOLM).date()
    last = timezone.localtime(event.end - dt.timedelta(microseconds=1), STOCKHOLM).date()
    return first, last


def attendee_name(registration: Registration, *, email_if_nameless: bool = True) -> str:
    """The name on the certificate: the account's name (its e-mail address if it has none) or the guest's."""
    if registration.user is not None:
        return registration.user.full_name or (registration.user.email if email_if_nameless else "")
    return registration.guest_name


def initials(name: str) -> str:
    """ "Anna-Karin Öberg" → "A. Ö.": enough to match the certificate in hand, not a name to look up."""
    return " ".join(f"{part[0].upper()}." for part in name.split())


# --- The public verification page -----------------------------------------------------------------------
@dataclass
class Verification:
    certificate: Certificate
    event: Event
    first_day: dt.date
    last_day: dt.date
    # The attendee's initials while the event's personal data is held; "" after the purge or erasure.
    initials: str


def verification(code: str) -> Verification | None:
    """What the verification page shows for a certificate code; None for a code we never issued."""
    certificate = (
        Certificate.objects.select_related("registration__event__organiser", "registration__user")
        .filter(code=code)
        .first()
    )
    if certificate is None:
        return None
    registration = certificate.registration
    event = registration.event
    held = not registration.personal_data_purged and event.personal_data_purged_at is None
    first, last = event_dates(event)
    return Verification(
        certificate=certificate,
        event=event,
        first_day=first,
        last_day=last,
        initials=initials(attendee_name(registration, email_if_nameless=False)) if held else "",
    )
