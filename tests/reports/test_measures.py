"""The project's own measures fed by events (reports/measures.py): cross-sector contacts and organisations
reached by events, from finalised closing reports (frozen) and, for other events, the attendance marks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from directory.access import actor_for
from directory.factories import ForbundFactory, MembershipFactory
from events.closing import services as closing
from events.factories import EventFactory, RegistrationFactory
from events.models import Attendance, EventStatus, Registration
from reports import measures
from reports.models import ReportKind, ReportRun
from reports.presentation import KEY_FIGURES

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PERIOD = (dt.date(2026, 4, 1), dt.date(2026, 6, 30))


def _event(world, day: dt.date, status=EventStatus.PUBLISHED):
    start = dt.datetime.combine(day, dt.time(9), tzinfo=STOCKHOLM)
    return EventFactory(organiser=world.org_a, start=start, end=start + dt.timedelta(hours=2), status=status)


def _present(event, *users):
    for user in users:
        RegistrationFactory(event=event, user=user, present=True)


@pytest.fixture
def period_events(world):
    """Four events:
    1. 10 April, closing report finalised with ASF B, Luleå kommun and Norrbygg present; afterwards Norrbygg
       is marked absent and ASF A marked present (the report keeps what was frozen): 1 ASF × 2 others.
    2. 20 May, no report: ASF A, ASF B and Piteå kommun present, the business member absent: 2 ASF × 1 other.
    3. 5 June, cancelled (ASF A and Luleå kommun marked present): not counted.
    4. 5 July, after the period (ASF A and Norrbygg present): not counted."""
    first = _event(world, dt.date(2026, 4, 10))
    _present(first, world.staff_b, world.officer_x, world.business_member)
    closing.closing_report_save(actor=actor_for(world.staff_a), event=first, minutes="", follow_ups="", finalise=True)
    Registration.objects.filter(event=first, user=world.business_member).update(attendance=Attendance.ABSENT)
    _present(first, world.staff_a)

    second = _event(world, dt.date(2026, 5, 20))
    _present(second, world.staff_a, world.staff_b, world.officer_y, MembershipFactory(organisation=world.org_b).user)
    RegistrationFactory(event=second, user=world.business_member, absent=True)

    cancelled = _event(world, dt.date(2026, 6, 5), status=EventStatus.CANCELLED)
    _present(cancelled, world.staff_a, world.officer_x)

    later = _event(world, dt.date(2026, 7, 5))
    _present(later, world.staff_a, world.business_member)


def test_cross_sector_contacts_use_the_frozen_report_and_live_attendance(world, period_events):
    assert measures.cross_sector_contacts(*PERIOD, forbund_id=ForbundFactory().pk) == 1 * 2 + 2 * 1


def test_organisations_reached_by_events_counts_each_organisation_once(world, period_events):
    # Event 1 (frozen): ASF B, Luleå kommun, Norrbygg. Event 2: ASF A, ASF B (again), Piteå kommun.
    assert measures.organisations_reached_by_events(*PERIOD, forbund_id=ForbundFactory().pk) == 5


def test_without_a_closing_report_the_attendance_marks_count(world, period_events):
    from events.models import ClosingReport

    ClosingReport.objects.all().delete()
    # Event 1 as marked now: ASF B and ASF A with Luleå kommun (Norrbygg absent): 2 × 1; event 2: 2 × 1.
    assert measures.cross_sector_contacts(*PERIOD, forbund_id=ForbundFactory().pk) == 4
    assert measures.organisations_reached_by_events(*PERIOD, forbund_id=ForbundFactory().pk) == 4


def test_a_draft_closing_report_is_not_frozen(world):
    event = _event(world, dt.date(2026, 4, 10))
    _present(event, world.staff_b, world.officer_x)
    closing.closing_report_save(actor=actor_for(world.staff_a), event=event, minutes="Utkast.", follow_ups="")
    _present(event, world.business_member)
    assert measures.cross_sector_contacts(*PERIOD, forbund_id=ForbundFactory().pk) == 2
    assert measures.organisations_reached_by_events(*PERIOD, forbund_id=ForbundFactory().pk) == 3


def test_the_project_run_carries_both_as_key_figures(world, period_events):
    run = ReportRun(kind=ReportKind.PROJECT, forbund=ForbundFactory(), period_from=PERIOD[0], period_to=PERIOD[1])
    result = measures.compute(run)["measures"]
    assert result["cross_sector_contacts"] == {"total": 4}
    assert result["organisations_reached_by_events"] == {"total": 5}
    assert "organisations_reached_by_events" in KEY_FIGURES


def test_attendance_by_kind_and_municipality_agrees_with_the_closing_reports(world, period_events):
    """The funder figures and the closing reports count attendance by one rule: confirmed registrations
    marked present, by the kind and the municipality of the attendee's organisation; the finalised report's
    frozen figures for its event, the attendance marks for the others (reports/measures.py)."""
    from collections import Counter

    from events.closing.selectors import event_figures
    from events.models import ClosingReport, Event

    run = ReportRun(kind=ReportKind.PROJECT, forbund=ForbundFactory(), period_from=PERIOD[0], period_to=PERIOD[1])
    result = measures.compute(run)["measures"]

    first, second = Event.objects.filter(start__date__range=PERIOD, status=EventStatus.PUBLISHED).order_by("start")
    frozen = ClosingReport.objects.get(event=first).figures
    live = event_figures(event=second)
    for measure, figure in (
        ("attendance_by_organisation_kind", "by_organisation_kind"),
        ("attendance_by_municipality", "by_municipality"),
    ):
        expected = Counter(frozen[figure]) + Counter(live[figure])
        assert result[measure] == dict(expected), measure
    # Written out: event 1 as frozen (ASF B, Luleå kommun, Norrbygg — not ASF A, marked present later, nor
    # Norrbygg's later absence), event 2 as marked (ASF A, ASF B twice, Piteå kommun).
    assert result["attendance_by_organisation_kind"] == {"asf": 4, "municipality": 2, "business": 1}
    assert sum(result["attendance_by_municipality"].values()) == 7


def test_attendance_counts_the_attendees_municipality_and_only_confirmed_registrations(world):
    """Held in Boden (2582), attended by ASF A (Luleå, 2580) and ASF B (Piteå, 2581): the municipalities are
    the organisations'. A cancelled registration still marked present does not count."""
    event = _event(world, dt.date(2026, 4, 10))
    type(event).objects.filter(pk=event.pk).update(kommunkod="2582")
    _present(event, world.staff_a, world.staff_b)
    RegistrationFactory(event=event, user=world.officer_y, present=True, status="cancelled")
    run = ReportRun(kind=ReportKind.PROJECT, forbund=ForbundFactory(), period_from=PERIOD[0], period_to=PERIOD[1])
    result = measures.compute(run)["measures"]
    assert result["attendance_by_municipality"] == {"2580": 1, "2581": 1}
    assert result["attendance_by_organisation_kind"] == {"asf": 2}
    closing.closing_report_save(actor=actor_for(world.staff_a), event=event, minutes="", follow_ups="", finalise=True)
    event.refresh_from_db()
    assert event.closing_report.figures["by_municipality"] == result["attendance_by_municipality"]
    assert measures.compute(run)["measures"]["attendance_by_municipality"] == {"2580": 1, "2581": 1}
