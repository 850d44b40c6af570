"""Writes in the network calendar. Every service is atomic, keyword-only and audited.

Capacity is race-safe: every change to who holds a place locks the event row first (SELECT … FOR UPDATE),
so two requests for the last place are serialised — one gets it, the other is waitlisted. A cancelled
place goes to the oldest waitlisted person as an *offer* with a deadline; an unanswered offer expires
(events.tasks.expire_offers) and the place passes on.

E-mails go out after commit, one task per person (events/emails.py); a person offered a place who has an
account also finds the offer among their notifications (notifications.services.notify). The beat tasks in
events/tasks.py call services here, never the other way round.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from directory.access import Actor, actor_for, can_edit_organisation
from directory.forbund.links import portal_of
from directory.models import Organisation
from events.answers import answers_check, answers_save, has_required_questions
from events.emails import send_registration_email
from events.models import (
    ACTIVE,
    HOLDS_PLACE,
    Attendance,
    Audience,
    Event,
    EventStatus,
    Registration,
    RegistrationAnswer,
    RegistrationStatus,
)
from kernel.audit import apply_changes, audit_log, target_id_of
from kernel.erasure import ANONYMISED, Erased
from kernel.models import User
from notifications.services import notify

# Fields whose change calendar apps and registered people must hear about.
NOTIFY_FIELDS = {"start", "end", "place_name", "street_address", "online_url", "status"}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(24)
    return token, hash_token(token)


def _notify(registration: Registration, kind: str, token: str = "") -> None:
    send_registration_email.delay_on_commit(registration.pk, kind, token)


def notify_registrant(
    registration: Registration, *, kind: str, params: dict[str, Any] | None = None, actor: User | None = None
) -> None:
    """Tell a registrant who has an account, in their notification centre, with a link to the event; the event
    is named in the language of their account. Guests hear by the calendar's own e-mails only."""
    user = registration.user
    if user is None:
        return
    event = registration.event
    with translation.override(user.preferred_language):
        title = event.title
    notify(
        kind=kind,
        recipients=[user],
        url=event.get_absolute_url(),
        params={"event": title, **(params or {})},
        actor=actor,
        site=portal_of(event.forbund_id),
        forbund_id=event.forbund_id,
    )


def _notify_offer(registration: Registration) -> None:
    """The offer of a freed place also lands in the notification centre (the e-mail with the link to accept is
    the calendar's own, sent to everyone offered a place, guests too)."""
    notify_registrant(registration, kind="waitlist_offer", params={"expires_at": registration.offer_expires_at})


def _lock(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def places_taken(event: Event) -> int:
    return event.registrations.filter(status__in=HOLDS_PLACE).count()


def places_left(event: Event) -> int | None:
    if event.capacity is None:
        return None
    return max(event.capacity - places_taken(event), 0)


# --- Events --------------------------------------------------------------------------------------------
def _can_organise(actor: Actor, organisation: Organisation) -> bool:
    return can_edit_organisation(actor, organisation)


@transaction.atomic
def event_create(*, actor: Actor, organiser: Organisation, data: dict[str, Any]) -> Event:
    if not _can_organise(actor, organiser):
        raise PermissionDenied
    invited = data.pop("invited_organisations", None)
    # In the calendar of the förbund it was created in; on the national host a national event.
    event = Event(organiser=organiser, created_by=actor.user, forbund_id=actor.forbund_id, **data)
    event.full_clean()
    event.save()
    if invited is not None:
        event.invited_organisations.set(invited)
    audit_log(actor=actor.user, action="event.create", target=event)
    return event


@transaction.atomic
def event_update(*, actor: Actor, event: Event, data: dict[str, Any]) -> Event:
    """Change an event. When a published event's time, place, link or status changes, its iCalendar
    SEQUENCE goes up and everyone registered is told."""
    if not _can_organise(actor, event.organiser):
        raise PermissionDenied
    stored = _lock(event)
    invited = data.pop("invited_organisations", None)
    changed = apply_changes(event, data, before=stored)
    notify = stored.status == EventStatus.PUBLISHED and bool(NOTIFY_FIELDS & set(changed))
    if changed:
        event.sequence = stored.sequence + 1
    if "capacity" in changed and event.series_id is not None:
        # A date of a series keeps a capacity changed on it when the series' capacity changes later.
        event.capacity_changed = event.capacity != event.series.capacity  # type: ignore[union-attr]
    event.full_clean()
    event.save()
    if invited is not None:
        event.invited_organisations.set(invited)
    audit_log(actor=actor.user, action="event.update", target=event, data={"fields": changed})
    if notify:
        for registration in event.registrations.filter(status__in=ACTIVE).exclude(status=RegistrationStatus.PENDING):
            _notify(registration, "changed")
    if stored.capacity is not None and (event.capacity is None or event.capacity > stored.capacity):
        # More places (or no limit): they are offered to the waiting list in its order, as a place freed by a
        # cancellation is. People awaiting approval are not on it: they still wait for the organiser's decision.
        promote_waitlist(event=event)
    if stored.requires_approval and not event.requires_approval:
        _release_awaiting_approval(actor, event)
    return event


def _release_awaiting_approval(actor: Actor, event: Event) -> None:
    """Approval turned off: everyone still awaiting it is treated as a new registration, in the order they
    registered — a place while places remain, otherwise the waiting list (behind those already on it) — and
    told so by e-mail as a new registration is. Called with the event row locked, after the waiting list has
    had the places it was owed."""
    if event.status != EventStatus.PUBLISHED or event.end <= timezone.now():
        return  # nobody is given a place at a cancelled or past event (as registration_accept refuses)
    awaiting = event.registrations.select_for_update().filter(status=RegistrationStatus.AWAITING_APPROVAL)
    for registration in awaiting.order_by("created_at", "pk"):
        if event.capacity is not None and event.registrations.filter(status=RegistrationStatus.WAITLISTED).exists():
            registration.status = RegistrationStatus.WAITLISTED  # nobody passes the people already waiting
        else:
            registration.status = _place_or_queue(event)
        registration.save(update_fields=["status", "updated_at"])
        audit_log(
            actor=actor.user,
            action="registration.approval_not_needed",
            target=registration,
            data={"status": registration.status},
        )
        _notify(registration, registration.status)


@transaction.atomic
def event_publish(*, actor: Actor, event: Event) -> Event:
    if not _can_organise(actor, event.organiser):
        raise PermissionDenied
    event = _lock(event)
    if event.status != EventStatus.DRAFT:
        raise ValidationError(_("Only a draft can be published."))
    event.status = EventStatus.PUBLISHED
    event.sequence += 1
    event.full_clean()
    event.save(update_fields=["status", "sequence", "updated_at"])
    audit_log(actor=actor.user, action="event.publish", target=event)
    return event


@transaction.atomic
def event_cancel(*, actor: Actor, event: Event) -> Event:
    """Cancel: the event stays in calendars as CANCELLED (so subscribed apps remove it) and everyone
    registered or waiting is told."""
    if not _can_organise(actor, event.organiser):
        raise PermissionDenied
    event = _lock(event)
    if event.status == EventStatus.CANCELLED:
        return event
    event.status = EventStatus.CANCELLED
    event.sequence += 1
    event.save(update_fields=["status", "sequence", "updated_at"])
    audit_log(actor=actor.user, action="event.cancel", target=event)
    for registration in event.registrations.filter(status__in=ACTIVE).exclude(status=RegistrationStatus.PENDING):
        _notify(registration, "event_cancelled")
    return event


# --- Registration --------------------------------------------------------------------------------------
def _check_open(event: Event) -> None:
    if not event.registration_open():
        raise ValidationError(_("Registration for this event is not open."))


def _place_or_queue(event: Event) -> str:
    """Called with the event row locked."""
    if event.capacity is None or places_taken(event) < event.capacity:
        return RegistrationStatus.CONFIRMED
    return RegistrationStatus.WAITLISTED


def _first_status(event: Event) -> str:
    """A new (or newly confirmed guest's) registration: awaiting the organiser's approval where the event
    needs it, otherwise a place or the waiting list. Called with the event row locked."""
    if event.requires_approval:
        return RegistrationStatus.AWAITING_APPROVAL
    return _place_or_queue(event)


def _member_organisation(actor: Actor, organisation: Organisation | None) -> Organisation:
    mine = actor.organisations
    if organisation is None:
        if not mine:
            raise ValidationError(_("Only members of an organisation in the network can register this way."))
        return mine[0]
    if organisation not in mine:
        raise PermissionDenied
    return organisation


def _may_attend(actor: Actor, event: Event) -> bool:
    return Event.objects.visible_to(actor).filter(pk=event.pk).exists()


@transaction.atomic
def registration_create(
    *,
    actor: Actor,
    event: Event,
    user: User | None = None,
    organisation: Organisation | None = None,
    dietary_needs: str = "",
    accessibility_needs: str = "",
    answers: dict[str, Any] | None = None,
) -> Registration:
    """The actor registers themselves, or `user` (a colleague: see registration_create_group), as a
    logged-in member (one click). Their organisation is recorded. A full event puts them on the waiting
    list; an event that needs the organiser's approval holds them awaiting it. `answers` answer the event's
    questions (by form field name, events.answers.field_name). Both the actor and the person
    registered must be able to see the event."""
    if actor.user is None:
        raise PermissionDenied
    if user is None or user.pk == actor.user.pk:
        user, attendee = actor.user, actor
    else:
        attendee = actor_for(user)
    if not _may_attend(actor, event) or (attendee is not actor and not _may_attend(attendee, event)):
        raise PermissionDenied
    organisation = _member_organisation(attendee, organisation)
    event = _lock(event)
    _check_open(event)
    if event.registrations.filter(user=user, status__in=ACTIVE).exists():
        raise ValidationError(_("%(name)s is already registered for this event.") % {"name": user})
    checked = answers_check(event=event, answers=answers)
    token, token_hash = _new_token()
    registration = Registration(
        event=event,
        user=user,
        organisation=organisation,
        organisation_kind=organisation.kind,
        language=user.preferred_language,
        dietary_needs=dietary_needs,
        accessibility_needs=accessibility_needs,
        status=_first_status(event),
        registered_by=actor.user,
        token_hash=token_hash,
    )
    registration.full_clean()
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        raise ValidationError(_("%(name)s is already registered for this event.") % {"name": user}) from None
    answers_save(registration=registration, checked=checked)
    audit_log(actor=actor.user, action="registration.create", target=registration)
    _notify(registration, registration.status, token)
    return registration


@transaction.atomic
def registration_create_group(
    *, actor: Actor, event: Event, organisation: Organisation, users: list[User]
) -> list[Registration]:
    """Register several colleagues of the same organisation at once; all or none."""
    if not users:
        raise ValidationError(_("Choose at least one colleague."))
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied
    if has_required_questions(event):
        raise ValidationError(
            _("This event asks everyone who registers some questions, so each colleague registers themselves.")
        )
    member_ids = set(organisation.memberships.values_list("user_id", flat=True))
    if any(u.pk not in member_ids for u in users):
        raise ValidationError(_("Only members of %(org)s can be registered together.") % {"org": organisation})
    return [registration_create(actor=actor, user=u, event=event, organisation=organisation) for u in users]


@transaction.atomic
def registration_create_guest(
    *,
    event: Event,
    name: str,
    email: str,
    language: str = "sv",
    dietary_needs: str = "",
    accessibility_needs: str = "",
    answers: dict[str, Any] | None = None,
) -> Registration:
    """A guest registers for a public event with name and e-mail. Nothing is held until the guest follows
    the confirmation link (events.services.registration_confirm_guest)."""
    if event.audience != Audience.PUBLIC:
        raise PermissionDenied
    event = _lock(event)
    _check_open(event)
    email = email.strip().lower()
    if event.registrations.filter(guest_email=email, status__in=ACTIVE).exists():
        raise ValidationError({"email": _("This e-mail address is already registered for the event.")})
    checked = answers_check(event=event, answers=answers)
    token, token_hash = _new_token()
    registration = Registration(
        event=event,
        guest_name=name.strip(),
        guest_email=email,
        language=language,
        dietary_needs=dietary_needs,
        accessibility_needs=accessibility_needs,
        status=RegistrationStatus.PENDING,
        token_hash=token_hash,
    )
    registration.full_clean()
    registration.save()
    answers_save(registration=registration, checked=checked)
    audit_log(actor=None, action="registration.create_guest", target=registration)
    _notify(registration, "pending", token)
    return registration


def registration_by_token(token: str) -> Registration | None:
    return Registration.objects.select_related("event", "event__organiser").filter(token_hash=hash_token(token)).first()


@transaction.atomic
def registration_confirm_guest(*, registration: Registration) -> Registration:
    event = _lock(registration.event)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != RegistrationStatus.PENDING:
        return registration  # a second click changes nothing
    _check_open(event)
    registration.status = _first_status(event)
    registration.save(update_fields=["status", "updated_at"])
    audit_log(actor=None, action="registration.confirm_guest", target=registration)
    _notify(registration, registration.status)
    return registration


@transaction.atomic
def registration_cancel(*, registration: Registration, actor: Actor | None = None) -> Registration:
    """Cancel a registration or leave the waiting list (by the person, by link, or by the organiser).
    A freed place is offered to the next person waiting."""
    event = _lock(registration.event)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status not in ACTIVE:
        return registration
    if event.end <= timezone.now():
        raise ValidationError(_("The event is over; its registrations can no longer be cancelled."))
    held = registration.holds_place
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at", "updated_at"])
    audit_log(actor=actor.user if actor else None, action="registration.cancel", target=registration)
    if held:
        promote_waitlist(event=event)
    return registration


def offer_deadline(event: Event, now: dt.datetime | None = None) -> dt.datetime:
    now = now or timezone.now()
    deadline = now + dt.timedelta(hours=settings.EVENTS_OFFER_HOURS)
    # Never later than the start; at least a short while to answer even for a late offer.
    return max(min(deadline, event.start), now + dt.timedelta(minutes=30))


def promote_waitlist(*, event: Event, now: dt.datetime | None = None) -> list[Registration]:
    """Offer free places to the oldest waitlisted registrations (all of them when the event has no limit any
    more). Call with the event row locked (inside the caller's transaction)."""
    now = now or timezone.now()
    promoted: list[Registration] = []
    if event.status != EventStatus.PUBLISHED or event.start <= now:
        return promoted
    queue = event.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by("created_at", "pk")
    if event.capacity is not None:
        free = event.capacity - places_taken(event)
        if free <= 0:
            return promoted
        queue = queue[:free]
    for registration in queue:
        token, token_hash = _new_token()
        registration.status = RegistrationStatus.OFFERED
        registration.offer_expires_at = offer_deadline(event, now)
        registration.token_hash = token_hash
        registration.save(update_fields=["status", "offer_expires_at", "token_hash", "updated_at"])
        audit_log(actor=None, action="registration.offer", target=registration)
        _notify(registration, "offered", token)
        _notify_offer(registration)
        promoted.append(registration)
    return promoted


@transaction.atomic
def offer_accept(*, registration: Registration) -> Registration:
    event = _lock(registration.event)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == RegistrationStatus.CONFIRMED:
        return registration
    expires = registration.offer_expires_at
    if registration.status != RegistrationStatus.OFFERED or expires is None or expires < timezone.now():
        raise ValidationError(_("The offer has expired and the place has passed on."))
    registration.status = RegistrationStatus.CONFIRMED
    registration.offer_expires_at = None
    registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
    audit_log(actor=None, action="registration.accept_offer", target=registration)
    _notify(registration, "confirmed")
    del event
    return registration


def expire_offers(now: dt.datetime | None = None) -> int:
    """Offers past their deadline expire and the place passes on. Safe to run concurrently or twice."""
    now = now or timezone.now()
    expired = 0
    event_ids = set(
        Registration.objects.filter(status=RegistrationStatus.OFFERED, offer_expires_at__lt=now).values_list(
            "event_id", flat=True
        )
    )
    for event_id in event_ids:
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=event_id)
            stale = list(
                event.registrations.select_for_update().filter(
                    status=RegistrationStatus.OFFERED, offer_expires_at__lt=now
                )
            )
            for registration in stale:
                registration.status = RegistrationStatus.EXPIRED
                registration.save(update_fields=["status", "updated_at"])
                audit_log(actor=None, action="registration.offer_expired", target=registration)
                _notify(registration, "offer_expired")
            expired += len(stale)
            promote_waitlist(event=event, now=now)
    return expired


def event_reminders_claim(*, now: dt.datetime | None = None) -> list[int]:
    """The day before a published event, its confirmed registrations get a reminder. Each event is claimed
    with a compare-and-swap on reminders_sent_at, so of two runs only one gets it; returns the ids of the
    registrations to remind (the caller enqueues one e-mail task per registration)."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    due = Event.objects.filter(status=EventStatus.PUBLISHED, start__date=tomorrow, reminders_sent_at__isnull=True)
    registration_ids: list[int] = []
    for event_id in due.values_list("pk", flat=True):
        if not Event.objects.filter(pk=event_id, reminders_sent_at__isnull=True).update(reminders_sent_at=now):
            continue  # another run has it
        registration_ids.extend(
            Registration.objects.filter(event_id=event_id, status=RegistrationStatus.CONFIRMED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return registration_ids


def events_purge_due(*, now: dt.datetime | None = None, dry_run: bool = False) -> list[Erased]:
    """Retention: purge personal data of every event whose retention period has passed (one `Erased` per
    event, with the number of registrations). A dry run only counts."""
    now = now or timezone.now()
    erased = []
    for event in Event.objects.past_retention(now).order_by("end", "pk"):
        if dry_run:
            purged = event.registrations.filter(personal_data_purged=False).count()
        else:
            purged = event_purge_personal_data(event=event, now=now)
        erased.append(Erased("events.event", target_id_of(event), ANONYMISED, purged))
    return erased


# --- Attendance ----------------------------------------------------------------------------------------
@transaction.atomic
def attendance_mark(*, actor: Actor, registration: Registration, attendance: str) -> Registration:
    if not _can_organise(actor, registration.event.organiser):
        raise PermissionDenied
    if attendance not in Attendance.values:
        raise ValidationError(_("Unknown attendance value."))
    if registration.status != RegistrationStatus.CONFIRMED:
        raise ValidationError(_("Only registered people can be marked present or absent."))
    Registration.objects.filter(pk=registration.pk).update(attendance=attendance, updated_at=timezone.now())
    registration.attendance = attendance
    audit_log(actor=actor.user, action="registration.attendance", target=registration, data={"attendance": attendance})
    return registration


@transaction.atomic
def self_check_in(*, user: User, event: Event, code: str, now: dt.datetime | None = None) -> Registration:
    """An attendee checks in with the code shown at the event, during its time window."""
    if not event.checkin_open(now):
        raise ValidationError(_("Check-in is open from 30 minutes before the start until the end of the event."))
    if not secrets.compare_digest((code or "").strip().upper(), event.checkin_code):
        raise ValidationError(_("The check-in code is not right. Check the code shown at the event."))
    registration = (
        Registration.objects.select_for_update()
        .filter(event=event, user=user, status=RegistrationStatus.CONFIRMED)
        .first()
    )
    if registration is None:
        raise ValidationError(_("You are not registered for this event."))
    if registration.checked_in_at is None:
        registration.checked_in_at = now or timezone.now()
        registration.attendance = Attendance.PRESENT
        registration.save(update_fields=["checked_in_at", "attendance", "updated_at"])
        audit_log(actor=user, action="registration.check_in", target=registration)
    return registration


# --- Retention -----------------------------------------------------------------------------------------
@transaction.atomic
def event_purge_personal_data(*, event: Event, now: dt.datetime | None = None) -> int:
    """Remove guests' names and e-mail addresses, everyone's dietary and accessibility needs, their answers to
    the event's questions and the organiser's messages about their approval once the
    event's retention period has passed. What reports count (status, attendance, organisation and its kind)
    stays. Idempotent: a second run changes nothing. Returns the number of registrations purged."""
    now = now or timezone.now()
    claimed = Event.objects.filter(
        pk=event.pk, personal_data_purged_at__isnull=True, end__lte=now - dt.timedelta(days=event.retention_days)
    ).update(personal_data_purged_at=now)
    if not claimed:
        return 0
    RegistrationAnswer.objects.filter(registration__event=event).delete()
    purged = event.registrations.filter(personal_data_purged=False).update(
        guest_name="",
        guest_email="",
        dietary_needs="",
        accessibility_needs="",
        decision_message="",
        personal_data_purged=True,
        updated_at=now,
    )
    audit_log(actor=None, action="event.purge_personal_data", target=event, data={"registrations": purged})
    return purged
