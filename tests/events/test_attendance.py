"""Attendance and check-in (events/attendance/): self check-in with the code during the window, the
organiser's attendance sheet and its CSV/XLSX export. Shared helpers: tests/events/pages.py."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from directory.access import actor_for
from events import services
from events.models import (
    Attendance,
    Event,
    Registration,
)
from kernel.models import AuditLog
from tests.events.pages import login, make_event, url


# --- Self check-in -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start_in", "hours", "right_code", "checked_in"),
    [
        (dt.timedelta(hours=2), 2, True, False),  # before the window
        (dt.timedelta(minutes=20), 2, True, True),  # 20 minutes before the start: open
        (-dt.timedelta(minutes=30), 2, True, True),  # during the event
        (-dt.timedelta(hours=3), 2, True, False),  # after the end
        (-dt.timedelta(minutes=30), 2, False, False),  # wrong code
    ],
)
def test_self_check_in_works_only_with_the_right_code_during_the_window(
    client, world, mails, start_in, hours, right_code, checked_in
):
    event = make_event(world.org_b, capacity=5)
    registration = services.registration_create(actor=actor_for(world.staff_a), event=event)
    start = timezone.now() + start_in
    Event.objects.filter(pk=event.pk).update(start=start, end=start + dt.timedelta(hours=hours))
    login(client, world.staff_a)
    assert client.get(url("checkin", event)).status_code == 200
    code = event.checkin_code.lower() if right_code else "WRONG1"
    response = client.post(url("checkin", event), {"code": code})
    registration.refresh_from_db()
    assert (registration.checked_in_at is not None) is checked_in
    assert response.status_code == (302 if checked_in else 200)
    if checked_in:
        assert registration.attendance == Attendance.PRESENT
    else:
        assert response.context["form"].errors["code"]


def test_check_in_without_a_registration_is_refused(client, world, mails):
    event = make_event(world.org_b, capacity=5, start_in=-dt.timedelta(minutes=5))
    login(client, world.staff_a)
    response = client.post(url("checkin", event), {"code": event.checkin_code})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]


# --- Attendance and export -----------------------------------------------------------------------------
def _with_people(world, mails, event):
    a = services.registration_create(actor=actor_for(world.staff_b), event=event)
    b = services.registration_create(actor=actor_for(world.business_member), event=event)
    guest = services.registration_create_guest(
        event=event, name='=HYPERLINK("http://evil")', email="guest@example.se", dietary_needs="+glutenfri"
    )
    services.registration_confirm_guest(registration=guest)
    return a, b, guest


def test_attendance_is_saved_for_every_row_with_one_post(client, world, mails):
    event = make_event(world.org_a, capacity=10)
    a, b, guest = _with_people(world, mails, event)
    login(client, world.staff_a)
    page = client.get(url("attendance", event)).content.decode()
    assert event.checkin_code in page and 'scope="col"' in page
    response = client.post(
        url("attendance", event),
        {f"attendance-{a.code}": "present", f"attendance-{b.code}": "absent", f"attendance-{guest.code}": "excused"},
    )
    assert response.status_code == 302
    assert {r.pk: r.attendance for r in Registration.objects.filter(event=event)} == {
        a.pk: Attendance.PRESENT,
        b.pk: Attendance.ABSENT,
        guest.pk: Attendance.EXCUSED,
    }
    assert AuditLog.objects.filter(action="registration.attendance").count() == 3


def test_a_bad_attendance_value_saves_nothing(client, world, mails):
    event = make_event(world.org_a, capacity=10)
    a, b, _guest = _with_people(world, mails, event)
    login(client, world.staff_a)
    response = client.post(url("attendance", event), {f"attendance-{a.code}": "present", f"attendance-{b.code}": "x"})
    assert response.status_code == 200
    assert set(Registration.objects.values_list("attendance", flat=True)) == {Attendance.UNKNOWN}


def test_attendance_page_shows_the_waiting_list(client, world, mails):
    event = make_event(world.org_a, capacity=1)
    services.registration_create(actor=actor_for(world.staff_b), event=event)
    services.registration_create(actor=actor_for(world.business_member), event=event)
    login(client, world.staff_a)
    sheet = client.get(url("attendance", event)).context["sheet"]
    assert [r.user for r in sheet.waiting] == [world.business_member]


@pytest.mark.security("E28")
@pytest.mark.adversarial("E")
def test_csv_export_has_every_registered_person_and_neutralises_formulas(client, world, mails):
    event = make_event(world.org_a, capacity=10)
    _with_people(world, mails, event)
    login(client, world.staff_a)
    response = client.get(url("attendance_export", event, fmt="csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 4
    names = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in names
    assert "'+glutenfri" in [row[6] for row in rows[1:]]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row)
    assert AuditLog.objects.filter(action="event.attendance_export", target_id=str(event.code)).count() == 1


@pytest.mark.security("E28")
@pytest.mark.adversarial("E")
def test_xlsx_export_loads_and_neutralises_formulas(client, world, mails):
    from openpyxl import load_workbook

    event = make_event(world.org_a, capacity=10)
    _with_people(world, mails, event)
    login(client, world.staff_a)
    response = client.get(url("attendance_export", event, fmt="xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert len(rows) == 4
    assert '\'=HYPERLINK("http://evil")' in [row[0] for row in rows]
    assert not any(str(cell).startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row)


def test_export_in_an_unknown_format_is_404(client, world):
    event = make_event(world.org_a)
    login(client, world.staff_a)
    assert client.get(url("attendance_export", event, fmt="pdf")).status_code == 404
