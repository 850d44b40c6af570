"""The iCalendar feeds read by a second, independent parser (`vobject`, not the `icalendar` library that
writes them and that tests/events/test_feeds.py reads them with): the public feed, an organiser's feed and the
dates of a series are each a valid VCALENDAR in which every date is a VEVENT with the right UID, SUMMARY,
DTSTART and DTEND (TZID=Europe/Stockholm), and the VTIMEZONE the feed carries, read on its own, gives the
right offsets on both sides of a daylight-saving change."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import vobject
from django.urls import reverse

from directory.access import actor_for
from events import series as series_services
from events import services
from events.models import Event, EventStatus
from tests.events.pages import make_event
from tests.events.test_feeds import _series, uid

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class Feed:
    """One feed as vobject reads it: the calendar with its values as Python objects, the same calendar as
    written (the raw text of each property and its parameters), and the feed's own VTIMEZONE as a tzinfo."""

    def __init__(self, content: bytes) -> None:
        text = content.decode("utf-8")
        self.calendar = vobject.readOne(text)
        self.raw = vobject.readOne(text, transform=False)
        assert self.calendar.name == "VCALENDAR"
        assert self.calendar.version.value == "2.0"
        assert self.calendar.validate(raiseException=True)  # vobject's own check of required properties
        (vtimezone,) = self.calendar.contents.get("vtimezone", [])
        assert vtimezone.tzid.value == "Europe/Stockholm"
        # Built from this feed's VTIMEZONE alone (dateutil's VTIMEZONE reader), not looked up by its TZID.
        self.tz = vtimezone.gettzinfo()
        self.vevents = {v.uid.value: v for v in self.calendar.contents.get("vevent", [])}
        self.raw_vevents = {v.uid.value: v for v in self.raw.contents.get("vevent", [])}
        assert len(self.vevents) == len(self.calendar.contents.get("vevent", [])), "a UID appears twice"

    def check(self, event: Event, *, summary: str | None = None, status: str = "CONFIRMED") -> None:
        """The VEVENT of `event`: UID, SUMMARY, STATUS, DTSTAMP, and its DTSTART and DTEND as written (wall
        clock with TZID=Europe/Stockholm) give the event's instants through the feed's own VTIMEZONE."""
        vevent = self.vevents[uid(event)]
        raw = self.raw_vevents[uid(event)]
        assert vevent.name == "VEVENT"
        assert vevent.summary.value == (summary if summary is not None else event.title_sv)
        assert vevent.status.value == status
        assert vevent.dtstamp.value.utcoffset() == dt.timedelta(0)
        for name, expected in (("dtstart", event.start), ("dtend", event.end)):
            written = raw.contents[name][0]
            assert written.params["TZID"] == ["Europe/Stockholm"], written
            wall = dt.datetime.strptime(written.value, "%Y%m%dT%H%M%S")
            expected = expected.replace(microsecond=0)  # iCalendar times are whole seconds
            assert wall == expected.astimezone(STOCKHOLM).replace(tzinfo=None)
            assert wall.replace(tzinfo=self.tz) == expected  # the same instant through the feed's VTIMEZONE
            assert wall.replace(tzinfo=self.tz).utcoffset() == expected.astimezone(STOCKHOLM).utcoffset()
            assert getattr(vevent, name).value == expected  # and as vobject itself converts it
        assert vevent.dtend.value > vevent.dtstart.value


def fetch(client, path: str) -> Feed:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Feed(response.content)


def test_the_public_feed_reads_in_an_independent_parser(client, world):
    summer = make_event(world.org_a, title_sv="Sommarträff, med fika; och samtal")
    winter = make_event(world.org_b, title_sv="Vinterträff")
    start = dt.datetime(2031, 6, 10, 13, 0, tzinfo=STOCKHOLM)
    Event.objects.filter(pk=summer.pk).update(start=start, end=start + dt.timedelta(hours=2))
    start = dt.datetime(2031, 12, 2, 9, 30, tzinfo=STOCKHOLM)
    Event.objects.filter(pk=winter.pk).update(start=start, end=start + dt.timedelta(hours=3, minutes=15))
    cancelled = make_event(world.org_a, status=EventStatus.CANCELLED, title_sv="Inställd träff")
    make_event(world.org_a, status=EventStatus.DRAFT)  # not in the feed
    summer.refresh_from_db()
    winter.refresh_from_db()
    feed = fetch(client, reverse("events:feed"))
    assert set(feed.vevents) == {uid(summer), uid(winter), uid(cancelled)}
    feed.check(summer)  # the comma and semicolon come back unescaped
    feed.check(winter)
    feed.check(cancelled, summary="Inställt: Inställd träff", status="CANCELLED")
    # The feed's VTIMEZONE, as vobject reads it, is right in every month of every year the feed covers.
    for year in range(cancelled.start.year, 2032):
        for month in range(1, 13):
            moment = dt.datetime(year, month, 15, 12, 0)
            assert moment.replace(tzinfo=feed.tz).utcoffset() == moment.replace(tzinfo=STOCKHOLM).utcoffset(), moment


def test_an_organisers_feed_reads_in_an_independent_parser(client, world):
    mine = make_event(world.org_a, title_sv="Frukostmöte")
    other = make_event(world.org_b)
    feed = fetch(client, reverse("events:organiser_feed", kwargs={"code": world.org_a.code}))
    assert set(feed.vevents) == {uid(mine)}
    assert uid(other) not in feed.vevents
    feed.check(mine)


@pytest.mark.parametrize("path", ["events:feed", "organiser"])
def test_a_series_is_one_vevent_per_date_in_an_independent_parser(client, world, mails, path):
    """Four Tuesdays across the start of summer time: each date its own VEVENT at 18:00 Swedish time, the
    offsets +01:00, +01:00, +02:00, +02:00 from the feed's VTIMEZONE; a skipped date with registrations is
    a cancelled VEVENT, no RRULE, EXDATE or RECURRENCE-ID anywhere."""
    series = _series(world)
    dates = list(series.events.order_by("start"))
    services.registration_create(actor=actor_for(world.staff_b), event=dates[1])
    series_services.series_skip_date(actor=actor_for(world.staff_a), series=series, date=dates[1].series_date)
    for event in dates:
        event.refresh_from_db()
    url = (
        reverse("events:feed")
        if path == "events:feed"
        else reverse("events:organiser_feed", kwargs={"code": world.org_a.code})
    )
    feed = fetch(client, url)
    assert {uid(e) for e in dates} <= set(feed.vevents)
    for event in dates:
        if event.status == EventStatus.CANCELLED:
            feed.check(event, summary=f"Inställt: {event.title_sv}", status="CANCELLED")
        else:
            feed.check(event)
        vevent = feed.vevents[uid(event)]
        assert not {"rrule", "exdate", "rdate", "recurrence-id"} & set(vevent.contents)
        assert vevent.related_to.value == f"{series.code}@asfnet-series"
    assert [feed.vevents[uid(e)].status.value for e in dates] == ["CONFIRMED", "CANCELLED", "CONFIRMED", "CONFIRMED"]
    starts = [feed.raw_vevents[uid(e)].dtstart.value for e in dates]
    assert starts == ["20310318T180000", "20310325T180000", "20310401T180000", "20310408T180000"]
    offsets = [dt.datetime.strptime(s, "%Y%m%dT%H%M%S").replace(tzinfo=feed.tz).utcoffset() for s in starts]
    assert offsets == [dt.timedelta(hours=h) for h in (1, 1, 2, 2)]


def test_one_events_file_reads_in_an_independent_parser(client, world):
    event = make_event(world.org_a, title_sv="Studiebesök")
    feed = fetch(client, reverse("events:ics", kwargs={"code": event.code}))
    assert list(feed.vevents) == [uid(event)]
    feed.check(event)
