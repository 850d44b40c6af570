"""iCalendar output parsed back with the `icalendar` library: stable UIDs, SEQUENCE and STATUS that carry
edits and cancellations, times with TZID=Europe/Stockholm and a VTIMEZONE, no ORGANIZER, and feeds that
hold only what their reader may see (the public feeds, the organiser feed, the private "my events" feed)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from directory.access import actor_for
from events import services
from events.emails import send_registration_email
from events.models import Audience, CalendarFeedToken, Event, EventStatus
from kernel.models import AuditLog
from tests.events.pages import make_event, url
from tests.events.test_views import ONLINE, _form_data

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def mails(monkeypatch):
    sent: list[tuple] = []
    monkeypatch.setattr(send_registration_email, "delay_on_commit", lambda *args: sent.append(args))
    return sent


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def vevents(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def uid(event: Event) -> str:
    return f"{event.code}@asfnet"


def feed(client, **params) -> dict[str, icalendar.Event]:
    return vevents(parse(client.get(reverse("events:feed"), params)))


# --- One event -----------------------------------------------------------------------------------------
def test_event_ics_has_uid_sequence_status_times_with_tzid_and_no_organizer(client, world):
    start = dt.datetime(2031, 6, 10, 13, 0, tzinfo=STOCKHOLM)
    event = make_event(world.org_a, title_sv="Sommarträff", description_sv="Vi pratar om hösten.")
    Event.objects.filter(pk=event.pk).update(start=start, end=start + dt.timedelta(hours=2), sequence=3)
    response = client.get(url("ics", event))
    assert "attachment" in response["Content-Disposition"]
    calendar = parse(response)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == uid(event)
    assert int(vevent["SEQUENCE"]) == 3
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert vevent["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert vevent["DTEND"].params["TZID"] == "Europe/Stockholm"
    assert vevent.decoded("DTSTART") == start
    assert vevent.decoded("DTSTART").utcoffset() == dt.timedelta(hours=2)  # summer time
    assert "DTSTAMP" in vevent
    assert str(vevent["SUMMARY"]) == "Sommarträff"
    assert "Kulturens hus" in str(vevent["LOCATION"]) and "Luleå" in str(vevent["LOCATION"])
    assert "Vi pratar om hösten." in str(vevent["DESCRIPTION"])
    assert str(vevent["URL"]) == settings.SITE_URL + url("detail", event)
    assert "ORGANIZER" not in vevent
    assert b"ORGANIZER" not in response.content


def test_the_vtimezone_alone_gives_the_right_offset_in_every_year_the_feed_covers(client, world):
    """The VTIMEZONE is read on its own (not looked up by its TZID), as a calendar without a time-zone
    database does: summer and winter time are right from this year to the last event's, years later."""
    soon = make_event(world.org_a)
    far = make_event(world.org_a)
    far_start = dt.datetime(timezone.localdate().year + 8, 12, 1, 18, 0, tzinfo=STOCKHOLM)
    Event.objects.filter(pk=far.pk).update(start=far_start, end=far_start + dt.timedelta(hours=2))
    calendar = parse(client.get(reverse("events:feed")))
    (vtimezone,) = calendar.walk("VTIMEZONE")
    own = vtimezone.to_tz(lookup_tzid=False)
    years = range(soon.start.year, far_start.year + 1)
    assert len(years) >= 9
    for year in years:
        for moment in (dt.datetime(year, 1, 15, 12), dt.datetime(year, 7, 1, 12), dt.datetime(year, 10, 31, 12)):
            assert moment.replace(tzinfo=own).utcoffset() == moment.replace(tzinfo=STOCKHOLM).utcoffset(), moment
    for vevent in calendar.walk("VEVENT"):
        start = vevent["DTSTART"].dt
        assert start.replace(tzinfo=own).utcoffset() == start.astimezone(STOCKHOLM).utcoffset()


def test_uid_stays_and_sequence_rises_when_the_organiser_edits_the_time(client, world, mails):
    event = make_event(world.org_a)
    before = vevents(parse(client.get(url("ics", event))))[uid(event)]
    client.force_login(world.staff_a)
    later = timezone.localtime(event.start + dt.timedelta(days=1), STOCKHOLM).strftime("%Y-%m-%dT%H:%M")
    later_end = timezone.localtime(event.end + dt.timedelta(days=1), STOCKHOLM).strftime("%Y-%m-%dT%H:%M")
    assert client.post(url("edit", event), _form_data(event, start=later, end=later_end)).status_code == 302
    client.logout()
    after = vevents(parse(client.get(url("ics", event))))[uid(event)]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART").date() - before.decoded("DTSTART").date() == dt.timedelta(days=1)


def test_cancellation_propagates_as_status_cancelled_with_a_higher_sequence(client, world, mails):
    event = make_event(world.org_a)
    before = feed(client)[uid(event)]
    services.event_cancel(actor=actor_for(world.staff_a), event=event)
    after = feed(client)[uid(event)]
    assert str(after["STATUS"]) == "CANCELLED"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])


def test_english_feed_uses_english_titles(client, world):
    event = make_event(world.org_a, title_sv="Träff", title_en="Meeting")
    assert str(feed(client)[uid(event)]["SUMMARY"]) == "Träff"
    assert str(feed(client, lang="en")[uid(event)]["SUMMARY"]) == "Meeting"
    assert str(feed(client, lang="xx")[uid(event)]["SUMMARY"]) == "Träff"


# --- The public feeds ----------------------------------------------------------------------------------
@pytest.mark.adversarial("C")
def test_network_feed_holds_only_public_published_or_cancelled_events_from_60_days_back(client, world):
    public = make_event(world.org_a)
    cancelled = make_event(world.org_b, status=EventStatus.CANCELLED)
    recent = make_event(world.org_a, start_in=-dt.timedelta(days=50))
    old = make_event(world.org_a, start_in=-dt.timedelta(days=70))
    network = make_event(world.org_a, audience=Audience.NETWORK)
    invited = make_event(world.org_a, audience=Audience.INVITED, invited=[world.org_b])
    draft = make_event(world.org_a, status=EventStatus.DRAFT)
    expected = {uid(public), uid(cancelled), uid(recent)}
    assert set(feed(client)) == expected
    # The feed is the same whoever fetches it (a logged-in coordinator sees no more in it).
    client.force_login(world.coordinator)
    assert set(feed(client)) == expected
    assert not {uid(old), uid(network), uid(invited), uid(draft)} & set(feed(client))


@pytest.mark.adversarial("C")
def test_public_feeds_never_carry_the_online_link(client, world, mails):
    event = make_event(world.org_a, online_url=ONLINE)
    services.registration_create(actor=actor_for(world.staff_b), event=event)
    client.force_login(world.staff_b)  # even a confirmed person gets the public feed without it
    for path in (reverse("events:feed"), reverse("events:organiser_feed", kwargs={"code": world.org_a.code})):
        response = client.get(path)
        assert ONLINE not in response.content.decode().replace("\r\n ", "")
        assert str(vevents(parse(response))[uid(event)]["URL"]).startswith(settings.SITE_URL)


@pytest.mark.adversarial("C")
def test_organiser_feed_holds_that_organisers_public_events_only(client, world):
    mine = make_event(world.org_a)
    make_event(world.org_a, audience=Audience.NETWORK)
    make_event(world.org_b)
    response = client.get(reverse("events:organiser_feed", kwargs={"code": world.org_a.code}))
    assert set(vevents(parse(response))) == {uid(mine)}


@pytest.mark.security("C11")
@pytest.mark.adversarial("C")
def test_feed_of_an_unlisted_organisation_is_404_for_outsiders(client, world):
    path = reverse("events:organiser_feed", kwargs={"code": world.hidden_org.code})
    assert client.get(path).status_code == 404
    client.force_login(world.staff_b)  # its member
    assert client.get(path).status_code == 200


def test_empty_feed_is_still_a_valid_calendar(client, db):
    calendar = parse(client.get(reverse("events:feed")))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["VERSION"]) == "2.0"


# --- The private "my events" feed ----------------------------------------------------------------------
def _new_feed_url(client) -> str:
    response = client.post(reverse("events:my_calendar"))
    assert response.status_code == 200
    feed_url = response.context["feed_url"]
    assert feed_url.startswith(settings.SITE_URL + "/events/my/")
    return feed_url.removeprefix(settings.SITE_URL)


def test_my_feed_holds_the_events_i_have_or_am_offered_a_place_at(client, world, mails):
    confirmed = make_event(world.org_b, capacity=5, online_url=ONLINE, audience=Audience.NETWORK)
    services.registration_create(actor=actor_for(world.staff_a), event=confirmed)
    offered = make_event(world.org_b, capacity=1, online_url=ONLINE)
    holder = services.registration_create(actor=actor_for(world.staff_b), event=offered)
    services.registration_create(actor=actor_for(world.staff_a), event=offered)
    services.registration_cancel(registration=holder, actor=actor_for(world.staff_b))  # → staff_a offered
    waitlisted = make_event(world.org_b, capacity=1)
    services.registration_create(actor=actor_for(world.staff_b), event=waitlisted)
    services.registration_create(actor=actor_for(world.staff_a), event=waitlisted)
    cancelled = make_event(world.org_b, capacity=5)
    services.registration_cancel(
        registration=services.registration_create(actor=actor_for(world.staff_a), event=cancelled),
        actor=actor_for(world.staff_a),
    )
    make_event(world.org_b)  # not registered at all

    client.force_login(world.staff_a)
    path = _new_feed_url(client)
    client.logout()  # calendar apps fetch without a session
    response = client.get(path)
    events = vevents(parse(response))
    assert set(events) == {uid(confirmed), uid(offered)}
    assert ONLINE in str(events[uid(confirmed)]["DESCRIPTION"])
    assert ONLINE not in str(events[uid(offered)]["DESCRIPTION"])  # not until the place is accepted
    assert "ORGANIZER" not in response.content.decode()


@pytest.mark.adversarial("C")
def test_a_new_feed_address_stops_the_old_one_and_only_a_hash_is_stored(client, world, mails):
    client.force_login(world.staff_a)
    first = _new_feed_url(client)
    assert client.get(first).status_code == 200
    second = _new_feed_url(client)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    token = second.rsplit("/", 1)[1].removesuffix(".ics")
    row = CalendarFeedToken.objects.get(user=world.staff_a)
    assert row.token_hash == services.hash_token(token) and token not in row.token_hash
    assert AuditLog.objects.filter(action__startswith="calendar_token.").count() == 2
    # The page never shows the address again after it was made.
    assert token not in client.get(reverse("events:my_calendar")).content.decode()


@pytest.mark.adversarial("C")
@pytest.mark.parametrize("token", ["unknown", "x" * 200, "' OR '1'='1"])
def test_an_unknown_feed_token_is_404(client, db, token):
    assert client.get(reverse("events:my_feed", kwargs={"token": token})).status_code == 404


@pytest.mark.adversarial("C")
def test_a_deactivated_users_feed_stops_working(client, world):
    client.force_login(world.staff_a)
    path = _new_feed_url(client)
    client.logout()
    world.staff_a.is_active = False
    world.staff_a.save(update_fields=["is_active"])
    assert client.get(path).status_code == 404


@pytest.mark.adversarial("C")
def test_my_feed_drops_events_i_may_no_longer_see(client, world, mails):
    """A removed membership takes effect: an invited-only event leaves the feed with the membership."""
    invited = make_event(world.org_b, capacity=5, audience=Audience.INVITED, invited=[world.org_a])
    services.registration_create(actor=actor_for(world.staff_a), event=invited)
    client.force_login(world.staff_a)
    path = _new_feed_url(client)
    assert uid(invited) in vevents(parse(client.get(path)))
    world.org_a.memberships.filter(user=world.staff_a).delete()
    assert uid(invited) not in vevents(parse(client.get(path)))


# --- Series: one VEVENT per date ------------------------------------------------------------------------
def _series(world, *, status=EventStatus.PUBLISHED):
    """A weekly series of four Tuesdays at 18:00 Swedish time across the start of summer time (30 March 2031)."""
    from events import series as series_services

    start = dt.datetime(2031, 3, 18, 18, 0, tzinfo=STOCKHOLM)
    first = make_event(world.org_a, title_sv="Tisdagsträff")
    Event.objects.filter(pk=first.pk).update(start=start, end=start + dt.timedelta(hours=2), status=status)
    first.refresh_from_db()
    data = {"name": "Tisdagsträffar", "frequency": "weekly", "interval": 1, "until": None, "count": 4, "capacity": 5}
    return series_services.series_create(actor=actor_for(world.staff_a), event=first, data=data)


def test_a_series_is_one_vevent_per_date_with_its_own_uid_at_the_same_swedish_time_across_dst(client, world):
    series = _series(world)
    events = list(series.events.order_by("start"))
    calendar = parse(client.get(reverse("events:feed")))
    found = vevents(calendar)
    assert set(found) >= {uid(e) for e in events}
    mine = [found[uid(e)] for e in events]
    assert all("RRULE" not in v and "EXDATE" not in v and "RECURRENCE-ID" not in v for v in mine)
    starts = [v.decoded("DTSTART") for v in mine]
    assert [s.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") for s in starts] == [
        "2031-03-18 18:00",
        "2031-03-25 18:00",
        "2031-04-01 18:00",
        "2031-04-08 18:00",
    ]
    assert [s.utcoffset() for s in starts] == [dt.timedelta(hours=h) for h in (1, 1, 2, 2)]
    assert {str(v["RELATED-TO"]) for v in mine} == {f"{series.code}@asfnet-series"}
    # The VTIMEZONE alone (without a time-zone database) gives the same instants.
    (vtimezone,) = calendar.walk("VTIMEZONE")
    tz = vtimezone.to_tz(lookup_tzid=False)
    assert [dt.datetime(2031, 3, d, 18, 0, tzinfo=tz).utcoffset() for d in (25, 31)] == [
        dt.timedelta(hours=1),
        dt.timedelta(hours=2),
    ]


def test_a_skipped_date_with_registrations_is_cancelled_in_the_feed_with_a_higher_sequence(client, world, mails):
    from events import series as series_services

    series = _series(world)
    second = series.events.order_by("start")[1]
    services.registration_create(actor=actor_for(world.staff_b), event=second)
    before = vevents(parse(client.get(reverse("events:feed"))))[uid(second)]
    series_services.series_skip_date(actor=actor_for(world.staff_a), series=series, date=second.series_date)
    after = vevents(parse(client.get(reverse("events:feed"))))
    assert str(after[uid(second)]["STATUS"]) == "CANCELLED"
    assert int(after[uid(second)]["SEQUENCE"]) > int(before["SEQUENCE"])
    others = [e for e in series.events.order_by("start") if e.pk != second.pk]
    assert {str(after[uid(e)]["STATUS"]) for e in others} == {"CONFIRMED"}


def test_a_skipped_draft_date_is_absent_from_the_organisers_feed_file(client, world):
    """A date nobody saw is removed, so it is in no calendar: the event's own .ics is gone (404)."""
    from events import series as series_services

    series = _series(world, status=EventStatus.DRAFT)
    second = series.events.order_by("start")[1]
    client.force_login(world.staff_a)
    assert client.get(url("ics", second)).status_code == 200
    series_services.series_skip_date(actor=actor_for(world.staff_a), series=series, date=second.series_date)
    assert client.get(url("ics", second)).status_code == 404
