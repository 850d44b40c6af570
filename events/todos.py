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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from directory.access import Actor, Role
from events.models import Attendance, Event, EventStatus, Registration, RegistrationStatus
from kernel.todos import TodoItem, TodoSource, oldest_first, todo_date


def _organised_with(actor: Actor, registrations: QuerySet[Registration], **filters: object) -> QuerySet[Event]:
    """The published events of the person's organisations that have some of `registrations` (a queryset of
    one event's registrations, the event given as OuterRef("pk")), each annotated with how many as `todo_count`."""
    count = registrations.order_by().values("event").annotate(n=Count("pk")).values("n")[:1]
    return (
        Event.objects.in_reach_of(actor)
        .filter(
            Exists(registrations),
            organiser_id__in=actor.organisation_ids,
            status=EventStatus.PUBLISHED,
            **filters,
        )
        .annotate(todo_count=Subquery(count))
    )


def _count(event: Event) -> int:
    return getattr(event, "todo_count", 0)


def _registrations_item(event: Event, text: str, *, action: str, since: dt.datetime | None) -> TodoItem:
    """An item about some registrations of an organiser's event, done on its attendance page; `text` (the
    sentence for the event's `todo_count`) names %(event)s, %(date)s and %(count)s."""
    return TodoItem(
        text=text % {"event": event.title, "date": todo_date(event.start), "count": _count(event)},
        url=reverse("events:attendance", kwargs={"code": event.code}),
        action=action,
        since=since,
    )


class AttendanceToMark(TodoSource[Actor, Event]):
    name = "attendance"
    title = gettext_lazy("Events to mark attendance for")
    roles = frozenset({Role.ASF_STAFF.value, Role.ORG_MEMBER.value})
    order = 40
    since_label = gettext_lazy("Ended")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[Event]:
        unmarked = Registration.objects.filter(
            event=OuterRef("pk"),
            status=RegistrationStatus.CONFIRMED,
            attendance=Attendance.UNKNOWN,
            personal_data_purged=False,
        )
        return oldest_first(_organised_with(actor, unmarked, end__lt=now, personal_data_purged_at__isnull=True), "end")

    def item(self, event: Event, now: dt.datetime) -> TodoItem:
        return _registrations_item(
            event,
            ngettext(
                "“%(event)s” on %(date)s: %(count)s registration is not marked present or absent.",
                "“%(event)s” on %(date)s: %(count)s registrations are not marked present or absent.",
                _count(event),
            ),
            action=_("Mark attendance"),
            since=event.end,
        )


class RegistrationsToApprove(TodoSource[Actor, Event]):
    name = "registrations-to-approve"
    title = gettext_lazy("Registrations awaiting your approval")
    roles = frozenset({Role.ASF_STAFF.value, Role.ORG_MEMBER.value})
    order = 35
    since_label = gettext_lazy("Waiting since")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[Event]:
        waiting = Registration.objects.filter(event=OuterRef("pk"), status=RegistrationStatus.AWAITING_APPROVAL)
        oldest = waiting.order_by("created_at").values("created_at")[:1]
        return oldest_first(_organised_with(actor, waiting, end__gt=now), Subquery(oldest))

    def item(self, event: Event, now: dt.datetime) -> TodoItem:
        return _registrations_item(
            event,
            ngettext(
                "“%(event)s” on %(date)s: %(count)s registration awaits your approval.",
                "“%(event)s” on %(date)s: %(count)s registrations await your approval.",
                _count(event),
            ),
            action=_("Accept or refuse"),
            since=getattr(event, "todo_since", None),
        )


class RetentionOverdue(TodoSource[Actor, Event]):
    name = "retention-overdue"
    title = gettext_lazy("Events holding personal data past retention")
    roles = frozenset({Role.COORDINATOR.value})
    order = 40
    since_label = gettext_lazy("Purge was due")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[Event]:
        holding = Registration.objects.filter(event=OuterRef("pk"), personal_data_purged=False)
        return oldest_first(
            Event.objects.past_retention(now)
            .filter(Exists(holding), forbund_id=actor.require_forbund_id())  # the coordinator's förbund's calendar
            .select_related("organiser"),
            "end",
        )

    def item(self, event: Event, now: dt.datetime) -> TodoItem:
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
                "date": todo_date(event.end),
                "days": event.retention_days,
            },
            url=reverse("events:retention"),
            action=_("See the retention overview"),
            since=event.purge_due_at,
        )


SOURCES = [AttendanceToMark(), RegistrationsToApprove(), RetentionOverdue()]
