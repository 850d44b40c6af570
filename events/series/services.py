"""Writes for a series: a recurring event where every date is an Event of its own (its own places,
registrations and attendance). The rule is an RFC 5545 RRULE plus the skipped dates (EXDATE), read with
python-dateutil (events.series.rules); `series_sync` makes the dated events match it.

* A date the rule adds becomes a copy of the series' template event, with the series' capacity and the
  series' questions (events.questions.services: made from the template's questions when the series is made;
  the series page changes them on every following date, as it changes the capacity).
* A date that stays keeps its registrations; its times follow the rule (SEQUENCE raised) and its capacity
  follows the series' unless the organiser changed it on that date (Event.capacity_changed).
* A date the rule drops (skipped, or the rule changed) with nobody registered and never published is
  deleted; otherwise it is cancelled as a single event is (events.services.event_cancel): it stays in
  calendars as CANCELLED and everyone registered or waiting is told. Registrations are never deleted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory.access import Actor, can_edit_organisation
from events import services as event_services
from events.models import Event, EventSeries, EventStatus, SeriesQuestion
from events.questions.services import copy_question
from events.series import rules
from kernel.audit import audit_log, save_audited

# What every date copies from the template event.
COPIED = (
    "forbund",
    "kind",
    "title_sv",
    "title_en",
    "description_sv",
    "description_en",
    "place_name",
    "street_address",
    "kommunkod_id",
    "venue_accessibility",
    "online_url",
    "audience",
    "requires_approval",
    "retention_days",
)


def _rule(first: dt.datetime, data: dict[str, Any]) -> str:
    until, count = data.get("until"), data.get("count")
    if (until is None) == (count is None):
        raise ValidationError(_("Give either the last date or the number of dates, not both."))
    if until is not None and until < rules.local(first).date():
        raise ValidationError({"until": _("The last date cannot be before the first.")})
    rule = rules.build(
        first=first, frequency=data["frequency"], interval=data.get("interval") or 1, until=until, count=count
    )
    if rules.count_dates(rule=rule, first_start=first) > rules.MAX_DATES:
        raise ValidationError(
            ngettext(
                "A series can have at most %(max)d date. Choose an earlier last date.",
                "A series can have at most %(max)d dates. Choose an earlier last date.",
                rules.MAX_DATES,
            )
            % {"max": rules.MAX_DATES}
        )
    return rule


@transaction.atomic
def series_create(*, actor: Actor, event: Event, data: dict[str, Any]) -> EventSeries:
    """ "Repeat this event": a series whose first date is `event` (its start, length and texts) and whose
    other dates the rule in `data` (frequency, interval, until or count, capacity) makes."""
    if not can_edit_organisation(actor, event.organiser):
        raise PermissionDenied
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.series_id is not None:
        raise ValidationError(_("This event already belongs to a series."))
    if event.status == EventStatus.CANCELLED:
        raise ValidationError(_("A cancelled event cannot be repeated."))
    series = EventSeries(
        organiser=event.organiser,
        name=data.get("name") or event.title_sv,
        rrule=_rule(event.start, data),
        first_start=event.start,
        duration=event.end - event.start,
        capacity=data.get("capacity"),
        template=event,
        created_by=actor.user,
    )
    series.full_clean()
    series.save()
    event.series = series
    event.series_date = rules.local(event.start).date()
    event.save(update_fields=["series", "series_date", "updated_at"])
    # The event's questions become the series': every date asks them, the first one included.
    for asked in event.questions.order_by("position", "pk"):
        asked.series_question = SeriesQuestion.objects.create(
            series=series, **{name: getattr(asked, name) for name in asked.COPIED}
        )
        asked.save(update_fields=["series_question", "updated_at"])
    audit_log(actor=actor.user, action="event_series.create", target=series, data={"rrule": series.rrule})
    series_sync(actor=actor, series=series)
    return series


@transaction.atomic
def series_update(*, actor: Actor, series: EventSeries, data: dict[str, Any]) -> EventSeries:
    """Change the rule or the capacity of every date (those whose capacity was changed on the date keep it)."""
    if not can_edit_organisation(actor, series.organiser):
        raise PermissionDenied
    series = EventSeries.objects.select_for_update().get(pk=series.pk)
    assert series.first_start is not None
    series.rrule = _rule(series.first_start, data)
    series.capacity = data.get("capacity")
    if data.get("name"):
        series.name = data["name"]
    save_audited(series, actor=actor.user, action="event_series.update", data={"rrule": series.rrule})
    series_sync(actor=actor, series=series)
    return series


@transaction.atomic
def series_skip_date(*, actor: Actor, series: EventSeries, date: dt.date) -> EventSeries:
    """Skip one date of the series (an EXDATE). Its event is cancelled (registrants told) or, when nobody
    ever saw it, removed."""
    if not can_edit_organisation(actor, series.organiser):
        raise PermissionDenied
    series = EventSeries.objects.select_for_update().get(pk=series.pk)
    assert series.first_start is not None
    dates = {start.date() for start in rules.wall_starts(rule=series.rrule, first_start=series.first_start)}
    if date not in dates:
        raise ValidationError(_("The series has no date %(date)s.") % {"date": date.isoformat()})
    if date in series.skipped_dates:
        return series
    series.exdates = sorted([*series.exdates, date.isoformat()])
    series.save(update_fields=["exdates", "updated_at"])
    audit_log(actor=actor.user, action="event_series.skip_date", target=series, data={"date": date.isoformat()})
    series_sync(actor=actor, series=series)
    return series


def _copy(series: EventSeries, template: Event, start: dt.datetime, end: dt.datetime, date: dt.date) -> Event:
    event = Event(
        organiser=series.organiser,
        series=series,
        series_date=date,
        start=start,
        end=end,
        capacity=series.capacity,
        status=template.status if template.status != EventStatus.CANCELLED else EventStatus.DRAFT,
        created_by=template.created_by,
        **{name: getattr(template, name) for name in COPIED},
    )
    event.full_clean()
    event.save()
    event.invited_organisations.set(template.invited_organisations.all())
    for question in series.questions.order_by("position", "pk"):
        copy_question(question, event)
    return event


def _drop(actor: Actor, event: Event) -> str:
    if event.status == EventStatus.DRAFT and not event.registrations.exists():
        event.delete()
        return "deleted"
    event_services.event_cancel(actor=actor, event=event)
    return "cancelled"


@transaction.atomic
def series_sync(*, actor: Actor, series: EventSeries) -> dict[str, int]:
    """Make the series' dated events match its rule; returns how many were created, updated, cancelled and
    deleted. Called with the series row locked by the service that changed it."""
    assert series.first_start is not None and series.duration is not None
    template = series.template or series.events.order_by("start").first()
    if template is None:
        raise ValidationError(_("The series has no event to copy."))
    wanted = {}
    for wall in rules.wall_starts(rule=series.rrule, first_start=series.first_start, exdates=series.skipped_dates):
        wanted[wall.date()] = (rules.aware(wall), rules.aware(wall + series.duration))
    existing = {e.series_date: e for e in series.events.select_for_update().exclude(series_date__isnull=True)}
    counts = {"created": 0, "updated": 0, "cancelled": 0, "deleted": 0}
    for date, (start, end) in sorted(wanted.items()):
        event = existing.get(date)
        if event is None:
            _copy(series, template, start, end, date)
            counts["created"] += 1
            continue
        if event.status == EventStatus.CANCELLED:
            continue  # a cancelled date stays cancelled; the organiser makes a new event to bring it back
        changes: dict[str, Any] = {}
        # The rule keeps whole seconds (dateutil drops microseconds): a fraction of a second is no change.
        if (event.start.replace(microsecond=0), event.end.replace(microsecond=0)) != (start, end):
            changes.update(start=start, end=end)
        if not event.capacity_changed and event.capacity != series.capacity:
            changes["capacity"] = series.capacity
        if changes:
            event_services.event_update(actor=actor, event=event, data=changes)
            counts["updated"] += 1
    for event in existing.values():
        if event.series_date not in wanted and event.status != EventStatus.CANCELLED:
            counts[_drop(actor, event)] += 1
    audit_log(actor=actor.user, action="event_series.sync", target=series, data=counts)
    return counts
