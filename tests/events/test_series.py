"""Series: a recurring event whose dates are events of their own. The rule (an RRULE read with python-dateutil)
runs on Swedish wall-clock time across the daylight-saving change; each date has its own places; skipping a
date with registrations cancels it and tells the registrants; the organiser's pages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from directory.access import actor_for
from events import series as series_services
from events import services
from events.models import Event, EventSeries, EventStatus, Registration, RegistrationStatus
from kernel.models import AuditLog
from tests.events.pages import login

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Tuesday 18 March 2031, 18:00 Swedish time; summer time starts on Sunday 30 March 2031.
FIRST = dt.datetime(2031, 3, 18, 18, 0, tzinfo=STOCKHOLM)


def make_first(organiser, *, status=EventStatus.PUBLISHED, capacity=10, start=FIRST) -> Event:
    event = Event(
        organiser=organiser,
        title_sv="Nätverksträff",
        start=start,
        end=start + dt.timedelta(hours=2),
        place_name="Kulturens hus, Luleå",
        capacity=capacity,
        status=status,
    )
    event.full_clean()
    event.save()
    return event


def repeat(world, event, **data) -> EventSeries:
    """Repeat `event` as staff A of ASF A (weekly, four dates unless `data` says otherwise); refusals in English."""
    data = {"name": "Tisdagsträffar", "frequency": "weekly", "interval": 1, "until": None, "count": 4, **data}
    with translation.override("en"):
        return series_services.series_create(actor=actor_for(world.staff_a), event=event, data=data)


def dates(series) -> list[Event]:
    return list(Event.objects.filter(series=series).order_by("start"))


def local(event: Event) -> dt.datetime:
    return event.start.astimezone(STOCKHOLM)


def test_weekly_series_keeps_swedish_time_across_the_daylight_saving_change(world):
    first = make_first(world.org_a)
    series = repeat(world, first, capacity=2)
    assert series.rrule == "RRULE:FREQ=WEEKLY;COUNT=4"
    events = dates(series)
    assert events[0] == first
    assert [local(e).date() for e in events] == [
        dt.date(2031, 3, 18),
        dt.date(2031, 3, 25),
        dt.date(2031, 4, 1),
        dt.date(2031, 4, 8),
    ]
    assert {(local(e).hour, local(e).minute) for e in events} == {(18, 0)}
    assert {(e.end.astimezone(STOCKHOLM).hour) for e in events} == {20}
    assert [e.start.astimezone(dt.UTC).hour for e in events] == [17, 17, 16, 16]  # winter, then summer time
    assert [e.capacity for e in events] == [2, 2, 2, 2]
    assert {e.status for e in events} == {EventStatus.PUBLISHED}
    assert {e.title_sv for e in events} == {"Nätverksträff"}
    assert [e.series_date for e in events] == [local(e).date() for e in events]
    # The stored rule is RFC 5545: dateutil reads it back to the same dates.
    again = list(rrulestr(series.rrule, dtstart=FIRST.replace(tzinfo=None)))
    assert [d.date() for d in again] == [local(e).date() for e in events]
    assert AuditLog.objects.filter(action="event_series.create", target_id=str(series.code)).count() == 1


def test_registering_for_one_date_takes_no_place_on_another(world, mails):
    series = repeat(world, make_first(world.org_a), capacity=1, count=2)
    first, second = dates(series)
    taken = services.registration_create(actor=actor_for(world.staff_b), event=first)
    queued = services.registration_create(actor=actor_for(world.officer_x), event=first)
    other = services.registration_create(actor=actor_for(world.officer_x), event=second)
    assert taken.status == RegistrationStatus.CONFIRMED
    assert queued.status == RegistrationStatus.WAITLISTED
    assert other.status == RegistrationStatus.CONFIRMED
    assert services.places_left(first) == 0 and services.places_left(second) == 0


def test_monthly_on_the_same_weekday_of_the_month_and_on_the_same_date(world):
    # Tuesday 14 January 2031 is the second Tuesday of the month.
    start = dt.datetime(2031, 1, 14, 9, 0, tzinfo=STOCKHOLM)
    by_weekday = repeat(world, make_first(world.org_a, start=start), frequency="monthly_weekday", count=4)
    assert [local(e).date() for e in dates(by_weekday)] == [
        dt.date(2031, 1, 14),
        dt.date(2031, 2, 11),
        dt.date(2031, 3, 11),
        dt.date(2031, 4, 8),
    ]
    assert {local(e).hour for e in dates(by_weekday)} == {9}
    by_date = repeat(
        world,
        make_first(world.org_a, start=start),
        frequency="monthly_date",
        interval=2,
        count=None,
        until=dt.date(2031, 6, 30),
    )
    assert [local(e).date() for e in dates(by_date)] == [
        dt.date(2031, 1, 14),
        dt.date(2031, 3, 14),
        dt.date(2031, 5, 14),
    ]


def test_a_rule_with_too_many_dates_or_both_ends_is_refused_and_nothing_is_saved(world):
    first = make_first(world.org_a)
    with pytest.raises(ValidationError, match="at most 104 dates"):
        repeat(world, first, count=None, until=dt.date(2036, 1, 1))
    with pytest.raises(ValidationError, match="not both"):
        repeat(world, first, count=3, until=dt.date(2031, 5, 1))
    assert not EventSeries.objects.exists()
    first.refresh_from_db()
    assert first.series_id is None
    assert Event.objects.count() == 1


def test_skipping_a_date_with_registrations_cancels_it_and_tells_everyone_registered(world, mails):
    series = repeat(world, make_first(world.org_a), capacity=5, count=3)
    second = dates(series)[1]
    registration = services.registration_create(actor=actor_for(world.staff_b), event=second)
    sequence = second.sequence
    series_services.series_skip_date(actor=actor_for(world.staff_a), series=series, date=second.series_date)
    second.refresh_from_db()
    series.refresh_from_db()
    assert series.skipped_dates == [dt.date(2031, 3, 25)]
    assert series.exdates == ["2031-03-25"]
    assert second.status == EventStatus.CANCELLED
    assert second.sequence > sequence
    assert Registration.objects.filter(pk=registration.pk).exists()  # never deleted
    assert (registration.pk, "event_cancelled", "") in mails
    assert [e.status for e in dates(series)] == [EventStatus.PUBLISHED, EventStatus.CANCELLED, EventStatus.PUBLISHED]
    assert AuditLog.objects.filter(action="event_series.skip_date").count() == 1
    assert AuditLog.objects.filter(action="event.cancel", target_id=str(second.code)).count() == 1


def test_skipping_a_draft_date_nobody_saw_removes_it(world):
    series = repeat(world, make_first(world.org_a, status=EventStatus.DRAFT), count=3)
    second = dates(series)[1]
    series_services.series_skip_date(actor=actor_for(world.staff_a), series=series, date=second.series_date)
    assert not Event.objects.filter(pk=second.pk).exists()
    assert len(dates(series)) == 2


def test_skipping_a_date_the_series_does_not_have_is_refused(world):
    series = repeat(world, make_first(world.org_a), count=2)
    with pytest.raises(ValidationError, match="no date"), translation.override("en"):
        series_services.series_skip_date(actor=actor_for(world.staff_a), series=series, date=dt.date(2031, 3, 19))


def test_a_date_keeps_the_capacity_changed_on_it_when_the_series_capacity_changes(world):
    series = repeat(world, make_first(world.org_a), capacity=2, count=3)
    third = dates(series)[2]
    services.event_update(actor=actor_for(world.staff_a), event=third, data={"capacity": 8})
    third.refresh_from_db()
    assert third.capacity_changed
    data = {"name": "Tisdagsträffar", "frequency": "weekly", "interval": 1, "until": None, "count": 3, "capacity": 4}
    series_services.series_update(actor=actor_for(world.staff_a), series=series, data=data)
    assert [e.capacity for e in dates(series)] == [4, 4, 8]


def test_a_shorter_rule_cancels_the_dates_it_drops(world, mails):
    series = repeat(world, make_first(world.org_a), count=4)
    last = dates(series)[3]
    registration = services.registration_create(actor=actor_for(world.staff_b), event=last)
    data = {"name": "Tisdagsträffar", "frequency": "weekly", "interval": 1, "until": None, "count": 3, "capacity": None}
    series_services.series_update(actor=actor_for(world.staff_a), series=series, data=data)
    last.refresh_from_db()
    assert last.status == EventStatus.CANCELLED
    assert (registration.pk, "event_cancelled", "") in mails
    assert [e.status for e in dates(series)][:3] == [EventStatus.PUBLISHED] * 3


def test_another_organisation_cannot_repeat_or_skip(world):
    series = repeat(world, make_first(world.org_a), count=2)
    other = make_first(world.org_a, start=FIRST + dt.timedelta(days=100))
    with pytest.raises(PermissionDenied):
        series_services.series_create(
            actor=actor_for(world.staff_b), event=other, data={"frequency": "weekly", "count": 2, "until": None}
        )
    with pytest.raises(PermissionDenied):
        series_services.series_skip_date(actor=actor_for(world.staff_b), series=series, date=dt.date(2031, 3, 25))


# --- Pages ---------------------------------------------------------------------------------------------
def test_the_organiser_repeats_an_event_lists_its_dates_and_skips_one(client, world, mails):
    first = make_first(world.org_a)
    login(client, world.staff_a)
    assert client.get(reverse("events:detail", kwargs={"code": first.code})).content.count(b"/repeat/") == 1
    response = client.post(
        reverse("events:repeat", kwargs={"code": first.code}),
        {"name": "Tisdagsträffar", "frequency": "weekly", "interval": "2", "count": "3", "capacity": "12"},
    )
    series = EventSeries.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("events:series", kwargs={"code": series.code})
    assert [local(e).date() for e in dates(series)] == [dt.date(2031, 3, 18), dt.date(2031, 4, 1), dt.date(2031, 4, 15)]
    page = client.get(reverse("events:series", kwargs={"code": series.code}))
    assert page.status_code == 200
    assert page.content.count(b'name="date"') == 3
    response = client.post(reverse("events:series_skip", kwargs={"code": series.code}), {"date": "2031-04-01"})
    assert response.status_code == 302
    assert [e.status for e in dates(series)] == [EventStatus.PUBLISHED, EventStatus.CANCELLED, EventStatus.PUBLISHED]


def test_the_repeat_form_shows_a_clear_message_for_a_rule_without_an_end(client, world):
    first = make_first(world.org_a)
    login(client, world.staff_a)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(
        reverse("events:repeat", kwargs={"code": first.code}),
        {"name": "Tisdagsträffar", "frequency": "weekly", "interval": "1", "count": "", "until": ""},
    )
    assert response.status_code == 200
    assert "Give either the last date or the number of dates" in response.content.decode()
    assert not EventSeries.objects.exists()


# --- Questions: every date asks the series' questions -------------------------------------------------------
QUESTION = {"kind": "text", "label_sv": "Kost?", "label_en": "Diet?", "options_sv": "", "options_en": ""}


def labels(event: Event) -> list[str]:
    return list(event.questions.order_by("position", "pk").values_list("label_sv", flat=True))


def test_every_date_of_a_series_asks_the_questions_of_the_event_it_was_made_from(world, mails):
    from events.answers import field_name
    from events.factories import EventQuestionFactory

    first = make_first(world.org_a)
    EventQuestionFactory(
        event=first,
        label_sv="Vilken organisation företräder du?",
        label_en="Which organisation do you represent?",
        required=True,
        position=1,
    )
    EventQuestionFactory(event=first, yes_no=True, position=2)
    series = repeat(world, first, count=3)
    assert [labels(e) for e in dates(series)] == [["Vilken organisation företräder du?", "Vill du ha lunch?"]] * 3
    # The required question is required on the third date too: nobody registers without answering it.
    third = dates(series)[2]
    with pytest.raises(ValidationError, match="organisation"):
        services.registration_create(actor=actor_for(world.staff_b), event=third)
    required = third.questions.get(required=True)
    registration = services.registration_create(
        actor=actor_for(world.staff_b), event=third, answers={field_name(required): "Café Kvarnen"}
    )
    assert registration.answers.get().value == "Café Kvarnen"
    # A date the series gets later asks them as well.
    data = {"name": "Tisdagsträffar", "frequency": "weekly", "interval": 1, "until": None, "count": 4, "capacity": 10}
    series_services.series_update(actor=actor_for(world.staff_a), series=series, data=data)
    assert labels(dates(series)[3]) == ["Vilken organisation företräder du?", "Vill du ha lunch?"]


def test_the_series_questions_change_the_following_dates_except_one_changed_on_its_own(world, mails):
    from events import questions
    from events.answers import field_name
    from events.models import SeriesQuestion

    organiser = actor_for(world.staff_a)
    series = repeat(world, make_first(world.org_a), count=4)
    held, second, own, fourth = dates(series)
    Event.objects.filter(pk=held.pk).update(start=timezone.now() - dt.timedelta(days=2))  # already took place
    questions.question_add(actor=organiser, event=own, data={**QUESTION, "label_sv": "Bara denna dag?"})
    own.refresh_from_db()
    assert own.questions_changed

    added = questions.series_question_add(actor=organiser, series=series, data={**QUESTION, "required": True})
    assert [labels(e) for e in (held, second, own, fourth)] == [[], ["Kost?"], ["Bara denna dag?"], ["Kost?"]]
    asked = second.questions.get()
    registration = services.registration_create(
        actor=actor_for(world.staff_b), event=second, answers={field_name(asked): "Vegetarisk"}
    )
    assert AuditLog.objects.get(action="event_series.question_add").data["dates"] == 2

    added_pk = added.pk
    questions.series_question_delete(actor=organiser, question=added)
    assert [labels(e) for e in (held, second, own, fourth)] == [[], [], ["Bara denna dag?"], []]
    assert not registration.answers.exists()
    assert not SeriesQuestion.objects.exists()
    assert AuditLog.objects.get(action="event_series.question_delete").data == {
        "question": added_pk,
        "dates": 2,
        "answers": 1,
    }


def test_a_question_removed_on_one_date_stays_on_the_others(world):
    from events import questions
    from events.factories import EventQuestionFactory

    first = make_first(world.org_a)
    EventQuestionFactory(event=first, label_sv="Kost?")
    series = repeat(world, first, count=3)
    second = dates(series)[1]
    questions.question_delete(actor=actor_for(world.staff_a), question=second.questions.get())
    assert [labels(e) for e in dates(series)] == [["Kost?"], [], ["Kost?"]]
    # The series' own question is untouched: a later date still gets it, the changed date not again.
    questions.series_question_add(
        actor=actor_for(world.staff_a), series=series, data={**QUESTION, "label_sv": "Ny?", "position": 99}
    )
    assert [labels(e) for e in dates(series)] == [["Kost?", "Ny?"], [], ["Kost?", "Ny?"]]


def test_only_the_organiser_changes_the_series_questions(world):
    from events import questions

    series = repeat(world, make_first(world.org_a), count=2)
    with pytest.raises(PermissionDenied):
        questions.series_question_add(actor=actor_for(world.staff_b), series=series, data=QUESTION)


def test_the_organiser_adds_a_question_for_every_date_on_the_series_page_which_states_the_rule(client, world):
    series = repeat(world, make_first(world.org_a), count=2)
    login(client, world.staff_a)
    page = client.get(reverse("events:series", kwargs={"code": series.code}), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "except the number of places on a date where you changed it on the date itself" in text
    questions_url = reverse("events:series_questions", kwargs={"code": series.code})
    assert questions_url in text
    response = client.post(questions_url, {**QUESTION, "position": "1", "required": "on"})
    assert response.status_code == 302
    assert [labels(e) for e in dates(series)] == [["Kost?"], ["Kost?"]]
    page = client.get(questions_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A date whose own questions you changed on its questions page keeps them" in page
    date_page = client.get(
        reverse("events:questions", kwargs={"code": dates(series)[1].code}), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "changes this date only" in date_page.content.decode()
    question = series.questions.get()
    delete = reverse("events:series_question_delete", kwargs={"code": series.code, "pk": question.pk})
    assert client.post(delete).status_code == 302
    assert [labels(e) for e in dates(series)] == [[], []]
    # Another organisation's member: the series does not exist for them.
    login(client, world.staff_b)
    assert client.get(questions_url).status_code == 404


def test_raising_the_series_capacity_offers_the_new_places_on_every_date(world, mails):
    series = repeat(world, make_first(world.org_a, capacity=1), capacity=1, count=2)
    for event in dates(series):
        services.registration_create(actor=actor_for(world.staff_b), event=event)
        services.registration_create(actor=actor_for(world.officer_x), event=event)
    data = {"name": "Tisdagsträffar", "frequency": "weekly", "interval": 1, "until": None, "count": 2, "capacity": 2}
    series_services.series_update(actor=actor_for(world.staff_a), series=series, data=data)
    assert set(Registration.objects.filter(user=world.officer_x).values_list("status", flat=True)) == {
        RegistrationStatus.OFFERED
    }
