"""The calendar's to-do sources for the home page (kernel.todos; registered in EventsConfig.ready()).

* attendance (ASF staff, organisation members): ended events their organisation organised with registrations not
  yet marked present or absent;
* registrations-to-approve (ASF staff, organisation members): coming events of their organisation that need the
  organiser's approval, with registrations waiting for it — oldest waiting first;
* retention-overdue (coordinators): ended events still holding personal data after their retention period (the
  daily purge has not run).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from directory.access import Actor, Role
from events.models import Attendance, Event, EventStatus, Registration, RegistrationStatus
from kernel.todos import TodoItem, TodoSource, oldest_first


def _date(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment).date(), "DATE_FORMAT")


def _attendance_rows(actor: Actor, now: dt.datetime) -> QuerySet[Event]:
    unmarked = Registration.objects.filter(
        event=OuterRef("pk"),
        status=RegistrationStatus.CONFIRMED,
        attendance=Attendance.UNKNOWN,
        personal_data_purged=False,
    )
    return oldest_first(
        Event.objects.in_reach_of(actor)
        .filter(
            Exists(unmarked),
            organiser_id__in=actor.organisation_ids,
            status=EventStatus.PUBLISHED,
            end__lt=now,
            personal_data_purged_at__isnull=True,
        )
        .annotate(unmarked=Subquery(unmarked.order_by().values("event").annotate(n=Count("pk")).values("n")[:1])),
        "end",
    )


def _attendance_item(event: Event, now: dt.datetime) -> TodoItem:
    count = getattr(event, "unmarked", 0)
    return TodoItem(
        text=ngettext(
            "“%(event)s” on %(date)s: %(count)s registration is not marked present or absent.",
            "“%(event)s” on %(date)s: %(count)s registrations are not marked present or absent.",
            count,
        )
        % {"event": event.title, "date": _date(event.start), "count": count},
        url=reverse("events:attendance", kwargs={"code": event.code}),
        action=_("Mark attendance"),
        since=event.end,
    )


def _approval_rows(actor: Actor, now: dt.datetime) -> QuerySet[Event]:
    waiting = Registration.objects.filter(event=OuterRef("pk"), status=RegistrationStatus.AWAITING_APPROVAL)
    oldest = waiting.order_by("created_at").values("created_at")[:1]
    return oldest_first(
        Event.objects.in_reach_of(actor)
        .filter(
            Exists(waiting),
            organiser_id__in=actor.organisation_ids,
            status=EventStatus.PUBLISHED,
            end__gt=now,
        )
        .annotate(waiting=Subquery(waiting.order_by().values("event").annotate(n=Count("pk")).values("n")[:1])),
        Subquery(oldest),
    )


def _approval_item(event: Event, now: dt.datetime) -> TodoItem:
    count = getattr(event, "waiting", 0)
    return TodoItem(
        text=ngettext(
            "“%(event)s” on %(date)s: %(count)s registration awaits your approval.",
            "“%(event)s” on %(date)s: %(count)s registrations await your approval.",
            count,
        )
        % {"event": event.title, "date": _date(event.start), "count": count},
        url=reverse("events:attendance", kwargs={"code": event.code}),
        action=_("Accept or refuse"),
        since=getattr(event, "todo_since", None),
    )


def _retention_rows(actor: Actor, now: dt.datetime) -> QuerySet[Event]:
    holding = Registration.objects.filter(event=OuterRef("pk"), personal_data_purged=False)
    return oldest_first(
        Event.objects.past_retention(now)
        .filter(Exists(holding), forbund_id=actor.require_forbund_id())  # the coordinator's förbund's calendar
        .select_related("organiser"),
        "end",
    )


def _retention_item(event: Event, now: dt.datetime) -> TodoItem:
    return TodoItem(
        text=ngettext(
            "“%(event)s” (%(organiser)s) ended on %(date)s and still holds personal data after its %(days)s day "
            "of retention.",
            "“%(event)s” (%(organiser)s) ended on %(date)s and still holds personal data after its %(days)s days "
            "of retention.",
            event.retention_days,
        )
        % {
            "event": event.title,
            "organiser": event.organiser.name,
            "date": _date(event.end),
            "days": event.retention_days,
        },
        url=reverse("events:retention"),
        action=_("See the retention overview"),
        since=event.purge_due_at,
    )


SOURCES = [
    TodoSource(
        name="attendance",
        title=gettext_lazy("Events to mark attendance for"),
        roles=frozenset({Role.ASF_STAFF.value, Role.ORG_MEMBER.value}),
        rows=_attendance_rows,
        item=_attendance_item,
        order=40,
        since_label=gettext_lazy("Ended"),
    ),
    TodoSource(
        name="registrations-to-approve",
        title=gettext_lazy("Registrations awaiting your approval"),
        roles=frozenset({Role.ASF_STAFF.value, Role.ORG_MEMBER.value}),
        rows=_approval_rows,
        item=_approval_item,
        order=35,
        since_label=gettext_lazy("Waiting since"),
    ),
    TodoSource(
        name="retention-overdue",
        title=gettext_lazy("Events holding personal data past retention"),
        roles=frozenset({Role.COORDINATOR.value}),
        rows=_retention_rows,
        item=_retention_item,
        order=40,
        since_label=gettext_lazy("Purge was due"),
    ),
]
