"""The reports' to-do sources for the home page (kernel.todos; registered in ReportsConfig.ready()).

* results-on-leaving (officers): their participants who have left with no labour-market situation recorded for
  leaving (EECR01, EECR04; EECR02 and EECR03 read the same window);
* results-six-months (officers): their leavers whose six-month follow-up window has opened with no situation
  recorded in it (EECR05, EECR06);
* failed-reports (coordinators): report runs that failed, with no later run of the same report that is ready or
  under way.

The windows are the ESF+ rules' own (reports.indicators.DEFINITIONS, docs/esf-indicators.md): the situation upon
leaving is the last labour-market situation dated from the entry date to 28 days after the exit date; the
situation six months after leaving is the last one in the follow-up window F = S − 28 days … S + 28 days around
the six-month date S. A participant is on the list from the exit date (from the first day of F) until a
situation dated in the window is recorded.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import DateField, Exists, ExpressionWrapper, F, OuterRef, QuerySet, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.access import Actor, Role
from kernel.todos import TodoItem, TodoSource, oldest_first, todo_date
from matchmaking.models import LabourMarketEvent, Participant
from reports.indicators import DEFINITIONS, AddMonthsClamped, add_months_clamped
from reports.models import ReportRun, RunStatus

RULES = DEFINITIONS


def _shifted(field: str, days: int) -> ExpressionWrapper:
    return ExpressionWrapper(F(field) + dt.timedelta(days=days), output_field=DateField())


def _situation_between(since: str, until: str) -> Exists:
    return Exists(
        LabourMarketEvent.objects.filter(
            participant=OuterRef("pk"),
            event__in=RULES.situation_events,
            date__gte=OuterRef(since),
            date__lte=OuterRef(until),
        )
    )


def _leavers(actor: Actor, now: dt.datetime) -> QuerySet[Participant]:
    if actor.forbund_id is None:  # the national host: no participants
        return Participant.objects.none()
    return Participant.objects.filter(
        project__forbund_id=actor.forbund_id,  # the förbund's participants only
        raised_by_organisation_id__in=actor.officer_organisation_ids,
        exit_date__isnull=False,
        exit_date__lte=timezone.localdate(now),
    ).select_related("project")


def _record_url(participant: Participant) -> str:
    return reverse("matchmaking:outcome_create", kwargs={"code": participant.code})


_OFFICERS = frozenset({Role.OFFICER.value})


class ResultsOnLeaving(TodoSource[Actor, Participant]):
    name = "results-on-leaving"
    title = gettext_lazy("Results to record: situation upon leaving")
    roles = _OFFICERS
    order = 40
    since_label = gettext_lazy("Left")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[Participant]:
        since = "entry_date" if RULES.situation_from_entry else "exit_date"
        return oldest_first(
            _leavers(actor, now)
            .annotate(window_end=_shifted("exit_date", RULES.window_days))
            .exclude(_situation_between(since, "window_end")),
            "exit_date",
        )

    def item(self, participant: Participant, now: dt.datetime) -> TodoItem:
        assert participant.exit_date is not None
        window_end = participant.exit_date + dt.timedelta(days=RULES.window_days)
        return TodoItem(
            text=_(
                "Participant %(participant)s (%(project)s) left on %(exit)s: record the labour-market situation upon "
                "leaving, dated no later than %(until)s."
            )
            % {
                "participant": participant.code,
                "project": participant.project.diarienummer,
                "exit": todo_date(participant.exit_date),
                "until": todo_date(window_end),
            },
            url=_record_url(participant),
            action=_("Record the situation upon leaving"),
            since=participant.exit_date,
        )


class ResultsSixMonths(TodoSource[Actor, Participant]):
    name = "results-six-months"
    title = gettext_lazy("Results to record: six months after leaving")
    roles = _OFFICERS
    order = 41
    since_label = gettext_lazy("Six months after leaving")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[Participant]:
        days = RULES.follow_up_days
        rows = _leavers(actor, now).annotate(six_months=AddMonthsClamped(F("exit_date"), RULES.longer_term_months))
        if days is None:  # the earlier reading: the last situation from the exit date to S
            rows = rows.annotate(follow_up_start=F("exit_date"), follow_up_end=F("six_months"))
            opens = "six_months"
        else:
            rows = rows.annotate(
                follow_up_start=_shifted("six_months", -days), follow_up_end=_shifted("six_months", days)
            )
            opens = "follow_up_start"
        return oldest_first(
            rows.filter(**{f"{opens}__lte": Value(timezone.localdate(now), output_field=DateField())}).exclude(
                _situation_between("follow_up_start", "follow_up_end")
            ),
            "six_months",
        )

    def item(self, participant: Participant, now: dt.datetime) -> TodoItem:
        assert participant.exit_date is not None
        six_months = add_months_clamped(participant.exit_date, RULES.longer_term_months)
        days = RULES.follow_up_days or 0
        return TodoItem(
            text=_(
                "Participant %(participant)s (%(project)s) left on %(exit)s: record the labour-market situation six "
                "months after leaving, dated from %(start)s to %(end)s."
            )
            % {
                "participant": participant.code,
                "project": participant.project.diarienummer,
                "exit": todo_date(participant.exit_date),
                "start": todo_date(six_months - dt.timedelta(days=days) if days else participant.exit_date),
                "end": todo_date(six_months + dt.timedelta(days=days)),
            },
            url=_record_url(participant),
            action=_("Record the situation six months after leaving"),
            since=six_months,
        )


_NO_DATE = dt.date(1, 1, 1)


class FailedReports(TodoSource[Actor, ReportRun]):
    name = "failed-reports"
    title = gettext_lazy("Report runs that failed")
    roles = frozenset({Role.COORDINATOR.value})
    order = 50
    since_label = gettext_lazy("Failed")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[ReportRun]:
        # The same report (kind, project, period; nullable, so compared through a stand-in value) asked for again.
        same = (
            ReportRun.objects.annotate(
                project_key=Coalesce("project_id", Value(0)),
                from_key=Coalesce("period_from", Value(_NO_DATE)),
                to_key=Coalesce("period_to", Value(_NO_DATE)),
            )
            .filter(
                kind=OuterRef("kind"),
                project_key=Coalesce(OuterRef("project_id"), Value(0)),
                from_key=Coalesce(OuterRef("period_from"), Value(_NO_DATE)),
                to_key=Coalesce(OuterRef("period_to"), Value(_NO_DATE)),
                created_at__gt=OuterRef("created_at"),
            )
            .exclude(status=RunStatus.FAILED)
        )
        return oldest_first(
            ReportRun.objects.filter(status=RunStatus.FAILED, forbund_id=actor.require_forbund_id())
            .exclude(Exists(same))
            .select_related("project"),
            Coalesce("finished_at", "created_at"),
        )

    def item(self, run: ReportRun, now: dt.datetime) -> TodoItem:
        if run.period_from and run.period_to:
            period = f"{todo_date(run.period_from)} – {todo_date(run.period_to)}"
            text = _("The report “%(report)s” for %(period)s failed.") % {
                "report": run.get_kind_display(),
                "period": period,
            }
        else:
            text = _("The report “%(report)s” failed.") % {"report": run.get_kind_display()}
        return TodoItem(
            text=text,
            url=reverse("reports:run_detail", kwargs={"code": run.code}),
            action=_("See the run and ask for it again"),
            since=run.finished_at or run.created_at,
        )


SOURCES = [ResultsOnLeaving(), ResultsSixMonths(), FailedReports()]
