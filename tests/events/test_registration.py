"""Registration, capacity, the waiting list and retention at the service level, including real
concurrency on PostgreSQL (two requests for the last place)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from directory.access import actor_for
from directory.factories import ForbundFactory
from events import services
from events.emails import send_registration_email
from events.models import Attendance, Audience, Event, EventStatus, Registration, RegistrationStatus
from kernel.models import AuditLog
from tests.factories import MembershipFactory


@pytest.fixture
def mails(monkeypatch):
    """Every e-mail the services enqueue after commit: (registration id, kind)."""
    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(
        send_registration_email, "delay_on_commit", lambda reg_id, kind, token="": sent.append((reg_id, kind))
    )
    return sent


def make_event(organiser, *, capacity=1, audience=Audience.PUBLIC, start_in=dt.timedelta(days=7), **extra) -> Event:
    start = timezone.now() + start_in
    event = Event(
        organiser=organiser,
        title_sv="Nätverksträff",
        start=start,
        end=start + dt.timedelta(hours=2),
        place_name="Kulturens hus, Luleå",
        capacity=capacity,
        audience=audience,
        status=EventStatus.PUBLISHED,
        **{"forbund": ForbundFactory(), **extra},
    )
    event.full_clean()
    event.save()
    return event


def kinds(mails, registration) -> list[str]:
    return [kind for reg_id, kind in mails if reg_id == registration.pk]


def test_member_registers_in_one_click_with_their_organisation(world, mails):
    event = make_event(world.org_b, capacity=10)
    registration = services.registration_create(actor=actor_for(world.staff_a), event=event)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.organisation == world.org_a
    assert registration.organisation_kind == "asf"
    assert kinds(mails, registration) == ["confirmed"]
    assert AuditLog.objects.filter(action="registration.create", target_id=str(registration.code)).count() == 1


def test_a_second_registration_by_the_same_person_is_refused(world, mails):
    event = make_event(world.org_b, capacity=10)
    services.registration_create(actor=actor_for(world.staff_a), event=event)
    with pytest.raises(ValidationError):
        services.registration_create(actor=actor_for(world.staff_a), event=event)
    assert event.registrations.count() == 1


def test_full_event_waitlists_and_cancellation_offers_the_place_to_the_first_in_line(world, mails):
    event = make_event(world.org_b, capacity=1)
    first = services.registration_create(actor=actor_for(world.staff_a), event=event)
    second = services.registration_create(actor=actor_for(world.admin_a), event=event)
    third = services.registration_create(actor=actor_for(world.business_member), event=event)
    assert (second.status, third.status) == (RegistrationStatus.WAITLISTED, RegistrationStatus.WAITLISTED)

    services.registration_cancel(registration=first, actor=actor_for(world.staff_a))
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == RegistrationStatus.OFFERED, "exactly the oldest waiting person is promoted"
    assert third.status == RegistrationStatus.WAITLISTED
    assert second.offer_expires_at <= event.start
    assert kinds(mails, second) == ["waitlisted", "offered"]

    services.offer_accept(registration=second)
    second.refresh_from_db()
    assert second.status == RegistrationStatus.CONFIRMED
    assert services.places_left(event) == 0


def test_an_unanswered_offer_expires_and_the_place_passes_on(world, mails):
    event = make_event(world.org_b, capacity=1)
    first = services.registration_create(actor=actor_for(world.staff_a), event=event)
    second = services.registration_create(actor=actor_for(world.admin_a), event=event)
    third = services.registration_create(actor=actor_for(world.business_member), event=event)
    services.registration_cancel(registration=first)
    second.refresh_from_db()

    assert services.expire_offers(now=second.offer_expires_at - dt.timedelta(minutes=1)) == 0
    assert services.expire_offers(now=second.offer_expires_at + dt.timedelta(minutes=1)) == 1
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == RegistrationStatus.EXPIRED
    assert third.status == RegistrationStatus.OFFERED
    with pytest.raises(ValidationError):
        services.offer_accept(registration=second)
    # Running the sweep again changes nothing.
    assert services.expire_offers(now=second.offer_expires_at + dt.timedelta(minutes=1)) == 0


def test_leaving_the_waitlist_frees_nothing_and_promotes_nobody(world, mails):
    event = make_event(world.org_b, capacity=1)
    services.registration_create(actor=actor_for(world.staff_a), event=event)
    waiting = services.registration_create(actor=actor_for(world.admin_a), event=event)
    behind = services.registration_create(actor=actor_for(world.business_member), event=event)
    services.registration_cancel(registration=waiting)
    behind.refresh_from_db()
    assert behind.status == RegistrationStatus.WAITLISTED
    assert services.places_left(event) == 0


def test_guest_holds_no_place_until_confirmed_and_a_second_click_changes_nothing(world, mails):
    event = make_event(world.org_b, capacity=1)
    guest = services.registration_create_guest(event=event, name="Gäst Gästsson", email="Gast@Example.se")
    assert guest.status == RegistrationStatus.PENDING
    assert guest.guest_email == "gast@example.se"
    assert services.places_left(event) == 1
    member = services.registration_create(actor=actor_for(world.staff_a), event=event)
    assert member.status == RegistrationStatus.CONFIRMED
    services.registration_confirm_guest(registration=guest)
    guest.refresh_from_db()
    assert guest.status == RegistrationStatus.WAITLISTED
    services.registration_confirm_guest(registration=guest)
    guest.refresh_from_db()
    assert guest.status == RegistrationStatus.WAITLISTED
    assert kinds(mails, guest) == ["pending", "waitlisted"]


def test_guests_may_only_register_for_public_events(world, mails):
    event = make_event(world.org_b, audience=Audience.NETWORK)
    with pytest.raises(PermissionDenied):
        services.registration_create_guest(event=event, name="Gäst", email="g@example.se")


@pytest.mark.security("C11")
@pytest.mark.adversarial("C")
def test_invited_event_is_closed_to_members_of_other_organisations(world, mails):
    event = make_event(world.org_b, audience=Audience.INVITED)
    event.invited_organisations.set([world.muni_x])
    with pytest.raises(PermissionDenied):
        services.registration_create(actor=actor_for(world.staff_a), event=event)
    assert (
        services.registration_create(actor=actor_for(world.officer_x), event=event).status
        == RegistrationStatus.CONFIRMED
    )


def test_registration_closed_or_event_not_published_is_refused(world, mails):
    closed = make_event(world.org_b, registration_closes=timezone.now() + dt.timedelta(days=1))
    Event.objects.filter(pk=closed.pk).update(registration_closes=timezone.now() - dt.timedelta(minutes=1))
    closed.refresh_from_db()
    with pytest.raises(ValidationError):
        services.registration_create(actor=actor_for(world.staff_a), event=closed)
    draft = make_event(world.org_a)
    Event.objects.filter(pk=draft.pk).update(status=EventStatus.DRAFT)
    draft.refresh_from_db()
    with pytest.raises(ValidationError):
        services.registration_create(actor=actor_for(world.staff_a), event=draft)


def test_group_registration_is_all_or_nothing(world, mails):
    event = make_event(world.org_b, capacity=10)
    with pytest.raises(ValidationError):
        services.registration_create_group(
            actor=actor_for(world.admin_a), event=event, organisation=world.org_a, users=[world.staff_a, world.staff_b]
        )
    assert event.registrations.count() == 0
    registrations = services.registration_create_group(
        actor=actor_for(world.admin_a), event=event, organisation=world.org_a, users=[world.staff_a, world.admin_a]
    )
    assert {r.user for r in registrations} == {world.staff_a, world.admin_a}
    assert all(r.registered_by == world.admin_a for r in registrations)


def test_changing_time_of_a_published_event_raises_sequence_and_tells_registered_people(world, mails):
    event = make_event(world.org_a, capacity=5)
    registration = services.registration_create(actor=actor_for(world.staff_b), event=event)
    before = event.sequence
    services.event_update(
        actor=actor_for(world.staff_a),
        event=event,
        data={"start": event.start + dt.timedelta(hours=1), "end": event.end + dt.timedelta(hours=1)},
    )
    event.refresh_from_db()
    assert event.sequence == before + 1
    assert kinds(mails, registration) == ["confirmed", "changed"]
    services.event_update(actor=actor_for(world.staff_a), event=event, data={"description_sv": "Mer fika."})
    assert kinds(mails, registration) == ["confirmed", "changed"], "a description change is not a notice"


@pytest.mark.security("C11")
@pytest.mark.adversarial("C")
def test_only_the_organisers_members_may_change_an_event(world, mails):
    event = make_event(world.org_a)
    with pytest.raises(PermissionDenied):
        services.event_update(actor=actor_for(world.staff_b), event=event, data={"title_sv": "Kapad"})
    with pytest.raises(PermissionDenied):
        services.event_cancel(actor=actor_for(world.staff_b), event=event)
    event.refresh_from_db()
    assert event.title_sv == "Nätverksträff"


def test_cancelling_an_event_tells_everyone_registered_or_waiting(world, mails):
    event = make_event(world.org_a, capacity=1)
    a = services.registration_create(actor=actor_for(world.staff_b), event=event)
    b = services.registration_create(actor=actor_for(world.officer_x), event=event)
    services.event_cancel(actor=actor_for(world.admin_a), event=event)
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED
    assert kinds(mails, a)[-1] == "event_cancelled"
    assert kinds(mails, b)[-1] == "event_cancelled"


def test_self_check_in_works_only_with_the_code_during_the_window(world, mails):
    event = make_event(world.org_b, capacity=5)
    registration = services.registration_create(actor=actor_for(world.staff_a), event=event)
    with pytest.raises(ValidationError):
        services.self_check_in(
            user=world.staff_a, event=event, code=event.checkin_code, now=event.start - dt.timedelta(hours=1)
        )
    with pytest.raises(ValidationError):
        services.self_check_in(user=world.staff_a, event=event, code="WRONG1", now=event.start)
    with pytest.raises(ValidationError):
        services.self_check_in(
            user=world.staff_a, event=event, code=event.checkin_code, now=event.end + dt.timedelta(minutes=1)
        )
    services.self_check_in(
        user=world.staff_a, event=event, code=event.checkin_code.lower(), now=event.start - dt.timedelta(minutes=10)
    )
    registration.refresh_from_db()
    assert registration.attendance == Attendance.PRESENT
    assert registration.checked_in_at is not None
    with pytest.raises(ValidationError):  # not registered
        services.self_check_in(user=world.officer_x, event=event, code=event.checkin_code, now=event.start)


def test_attendance_is_marked_by_the_organiser_only(world, mails):
    event = make_event(world.org_a, capacity=5)
    registration = services.registration_create(actor=actor_for(world.staff_b), event=event)
    with pytest.raises(PermissionDenied):
        services.attendance_mark(
            actor=actor_for(world.staff_b), registration=registration, attendance=Attendance.PRESENT
        )
    services.attendance_mark(actor=actor_for(world.staff_a), registration=registration, attendance=Attendance.EXCUSED)
    registration.refresh_from_db()
    assert registration.attendance == Attendance.EXCUSED


@pytest.mark.security("H42")
@pytest.mark.adversarial("H")
def test_retention_purge_removes_personal_data_keeps_counts_and_is_idempotent(world, mails):
    event = make_event(world.org_b, capacity=5, start_in=dt.timedelta(days=1))
    member = services.registration_create(
        actor=actor_for(world.staff_a), event=event, dietary_needs="Vegan", accessibility_needs="Hörslinga"
    )
    guest = services.registration_create_guest(
        event=event, name="Gäst Gästsson", email="g@example.se", dietary_needs="Gluten"
    )
    services.registration_confirm_guest(registration=guest)
    too_early = event.end + dt.timedelta(days=event.retention_days - 1)
    assert services.event_purge_personal_data(event=event, now=too_early) == 0
    after = event.end + dt.timedelta(days=event.retention_days + 1)
    assert services.event_purge_personal_data(event=event, now=after) == 2
    member.refresh_from_db()
    guest.refresh_from_db()
    assert (guest.guest_name, guest.guest_email, guest.dietary_needs) == ("", "", "")
    assert (member.dietary_needs, member.accessibility_needs) == ("", "")
    assert member.organisation_kind == "asf" and member.status == RegistrationStatus.CONFIRMED
    assert services.event_purge_personal_data(event=event, now=after) == 0
    assert AuditLog.objects.filter(action="event.purge_personal_data").count() == 1


def test_an_event_must_end_after_it_starts(world):
    start = timezone.now() + dt.timedelta(days=1)
    event = Event(organiser=world.org_a, title_sv="Baklänges", start=start, end=start, place_name="Luleå")
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert "end" in error.value.message_dict


def test_personnummer_in_dietary_needs_is_refused_and_nothing_saved(world, mails):
    event = make_event(world.org_b, capacity=5)
    with pytest.raises(ValidationError):
        services.registration_create(
            actor=actor_for(world.staff_a), event=event, dietary_needs="Allergi, pnr 900101-0017"
        )
    assert not Registration.objects.exists()


# --- Real concurrency on PostgreSQL ---------------------------------------------------------------------
def _race(n: int, target) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        from django.db import connections

        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as error:
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_requests_for_the_last_place_give_one_place_and_one_waitlisted(world, mails):
    assert connection.vendor == "postgresql"
    event = make_event(world.org_b, capacity=1)
    racers = [world.staff_a, world.officer_x]
    results = _race(2, lambda i: services.registration_create(actor=actor_for(racers[i]), event=event).status)
    assert sorted(results) == [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED], results
    assert event.registrations.filter(status=RegistrationStatus.CONFIRMED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_many_concurrent_registrations_never_exceed_capacity(world, mails):
    event = make_event(world.org_b, capacity=3)
    users = [MembershipFactory(organisation=world.org_a).user for _ in range(8)]
    results = _race(8, lambda i: services.registration_create(actor=actor_for(users[i]), event=event).status)
    assert results.count(RegistrationStatus.CONFIRMED) == 3, results
    assert results.count(RegistrationStatus.WAITLISTED) == 5


@pytest.mark.django_db(transaction=True)
def test_two_cancellations_at_once_promote_exactly_two(world, mails):
    event = make_event(world.org_b, capacity=2)
    users = [MembershipFactory(organisation=world.org_a).user for _ in range(5)]
    regs = [services.registration_create(actor=actor_for(u), event=event) for u in users]
    _race(2, lambda i: services.registration_cancel(registration=regs[i]))
    statuses = list(event.registrations.order_by("created_at").values_list("status", flat=True))
    assert statuses == ["cancelled", "cancelled", "offered", "offered", "waitlisted"]


# --- Reminders (services.event_reminders_claim, events.tasks.send_event_reminders) -------------------------------
def _tomorrow_at_noon() -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(12)))


def test_reminders_claim_each_event_once_for_its_confirmed_registrations(world):
    from tests.factories import EventFactory, RegistrationFactory

    start = _tomorrow_at_noon()
    event = EventFactory(start=start, end=start + dt.timedelta(hours=2))
    confirmed = [RegistrationFactory(event=event), RegistrationFactory(event=event)]
    RegistrationFactory(event=event, waitlisted=True)
    RegistrationFactory(event=event, cancelled=True)
    EventFactory(start=start + dt.timedelta(days=1), end=start + dt.timedelta(days=1, hours=2), registrations=2)
    draft = EventFactory(start=start, end=start + dt.timedelta(hours=2), draft=True)
    RegistrationFactory(event=draft)

    assert services.event_reminders_claim() == [r.pk for r in confirmed]
    assert services.event_reminders_claim() == []  # a second run finds the event claimed
    assert Event.objects.get(pk=event.pk).reminders_sent_at is not None


def test_a_reminder_goes_out_once_and_not_after_a_cancellation(world):
    from django.core import mail

    from events.emails import registration_email_send
    from tests.factories import EventFactory, RegistrationFactory

    start = _tomorrow_at_noon()
    event = EventFactory(start=start, end=start + dt.timedelta(hours=2))
    kept, cancelled = RegistrationFactory(event=event), RegistrationFactory(event=event)
    claimed = services.event_reminders_claim()
    Registration.objects.filter(pk=cancelled.pk).update(status=RegistrationStatus.CANCELLED)
    for registration_id in claimed:
        registration_email_send(registration_id=registration_id, kind="reminder")
    assert registration_email_send(registration_id=kept.pk, kind="reminder") == 0  # a redelivered task
    assert [m.to for m in mail.outbox] == [[kept.email]]
    assert mail.outbox[0].subject == "I morgon: Nätverksträff i Luleå"  # the guest registered in Swedish
