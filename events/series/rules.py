"""Recurrence rules of a series as RFC 5545 text, read and written with python-dateutil (no date arithmetic of
our own). The rule runs on Swedish wall-clock time: a series at 18:00 is at 18:00 on both sides of a
daylight-saving change, and only then made aware in Europe/Stockholm."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dateutil import rrule as du

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# At most this many dates in one series: a rule can always be extended later.
MAX_DATES = 104

WEEKLY = "weekly"
MONTHLY_WEEKDAY = "monthly_weekday"
MONTHLY_DATE = "monthly_date"


def local(moment: dt.datetime) -> dt.datetime:
    """The Swedish wall-clock time of an aware moment, without a zone (what the rule runs on)."""
    return moment.astimezone(STOCKHOLM).replace(tzinfo=None)


def aware(wall: dt.datetime) -> dt.datetime:
    return wall.replace(tzinfo=STOCKHOLM)


def build(
    *, first: dt.datetime, frequency: str, interval: int = 1, until: dt.date | None = None, count: int | None = None
) -> str:
    """The RRULE line (without DTSTART) for a series whose first date starts at the aware `first`:
    every `interval` weeks, or months on the same weekday of the month (the 2nd Tuesday; the last one
    when the first date is in the month's last week) or on the same day of the month."""
    start = local(first)
    options: dict[str, object] = {"interval": interval, "dtstart": start}
    if until is not None:
        options["until"] = dt.datetime.combine(until, dt.time(23, 59, 59))
    else:
        options["count"] = count
    if frequency == WEEKLY:
        rule = du.rrule(du.WEEKLY, **options)  # type: ignore[arg-type]
    elif frequency == MONTHLY_WEEKDAY:
        nth = (start.day - 1) // 7 + 1
        if nth == 5:
            nth = -1
        weekday = du.weekdays[start.weekday()](nth)
        rule = du.rrule(du.MONTHLY, byweekday=weekday, **options)  # type: ignore[arg-type]
    elif frequency == MONTHLY_DATE:
        rule = du.rrule(du.MONTHLY, bymonthday=start.day, **options)  # type: ignore[arg-type]
    else:
        raise ValueError(frequency)
    return next(line for line in str(rule).splitlines() if line.startswith("RRULE:"))


def wall_starts(
    *, rule: str, first_start: dt.datetime, exdates: list[dt.date] | tuple[dt.date, ...] = ()
) -> list[dt.datetime]:
    """The wall-clock starts of the rule's dates (at most MAX_DATES + the skipped ones), skipped dates left out."""
    recurrence = du.rrulestr(rule, dtstart=local(first_start), forceset=True)
    skipped = set(exdates)
    starts: list[dt.datetime] = []
    for start in recurrence:
        if len(starts) >= MAX_DATES:
            break
        if start.date() not in skipped:
            starts.append(start)
    return starts


def count_dates(*, rule: str, first_start: dt.datetime, limit: int = MAX_DATES + 1) -> int:
    """How many dates the rule makes, counted up to `limit` (a rule that makes too many stops there)."""
    recurrence = du.rrulestr(rule, dtstart=local(first_start))
    n = 0
    for _start in recurrence:
        n += 1
        if n >= limit:
            break
    return n
