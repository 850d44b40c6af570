"""Importing an organiser's calendar file: each VEVENT becomes or updates a draft event matched by its UID per
organiser (importing twice adds nothing; a changed SUMMARY updates), repeating events refused, bad and huge
files refused with a message, nothing half-saved, the personnummer guard on the imported texts; the page."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from directory.access import actor_for
from events import ics_import
from events.ics_import.services import MAX_BYTES
from events.models import Event, EventStatus
from kernel.models import AuditLog
from tests.events.pages import login

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def vevent(uid: str, summary: str, start: str = "20310318T180000", end: str = "20310318T200000", **extra: str) -> str:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20310101T000000Z",
        f"DTSTART;TZID=Europe/Stockholm:{start}",
        f"DTEND;TZID=Europe/Stockholm:{end}",
        f"SUMMARY:{summary}",
        *[f"{name.replace('_', '-')}:{value}" for name, value in extra.items()],
        "END:VEVENT",
    ]
    return "\r\n".join(lines)


def ics(*events: str) -> bytes:
    body = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Other calendar//EN", *events, "END:VCALENDAR"])
    return (body + "\r\n").encode()


TWO = ics(
    vevent("a-1@other.example", "Frukostmöte", LOCATION="Stadshuset\\, Luleå", DESCRIPTION="Om hösten"),
    vevent("a-2@other.example", "Studiebesök", start="20310401T090000", end="20310401T120000"),
)


def run(world, content: bytes, organiser=None, user=None):
    """Import as staff A into ASF A; refusals read in English."""
    with translation.override("en"):
        return ics_import.ics_import(
            actor=actor_for(user or world.staff_a), organiser=organiser or world.org_a, content=content
        )


def test_each_vevent_becomes_a_draft_event_of_the_organiser(world):
    result = run(world, TWO)
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    breakfast = Event.objects.get(import_uid="a-1@other.example")
    assert breakfast.organiser == world.org_a
    assert breakfast.status == EventStatus.DRAFT
    assert breakfast.title_sv == "Frukostmöte"
    assert breakfast.place_name == "Stadshuset, Luleå"
    assert breakfast.description_sv == "Om hösten"
    assert breakfast.start == dt.datetime(2031, 3, 18, 18, 0, tzinfo=STOCKHOLM)
    # After the change to summer time the same wall-clock reading is one hour earlier in UTC.
    visit = Event.objects.get(import_uid="a-2@other.example")
    assert visit.start.astimezone(dt.UTC).hour == 7
    assert AuditLog.objects.filter(action="event.ics_import", target_id=str(world.org_a.code)).count() == 1


def test_importing_the_same_file_twice_creates_nothing_new(world):
    run(world, TWO)
    result = run(world, TWO)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert Event.objects.filter(organiser=world.org_a).count() == 2


def test_a_changed_summary_updates_the_event_made_from_it(world):
    run(world, TWO)
    before = Event.objects.get(import_uid="a-1@other.example")
    changed = ics(
        vevent("a-1@other.example", "Frukostmöte – ny tid", LOCATION="Stadshuset\\, Luleå", DESCRIPTION="Om hösten"),
        vevent("a-2@other.example", "Studiebesök", start="20310401T090000", end="20310401T120000"),
    )
    result = run(world, changed)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    after = Event.objects.get(pk=before.pk)
    assert after.title_sv == "Frukostmöte – ny tid"
    assert after.sequence == before.sequence + 1
    assert Event.objects.filter(organiser=world.org_a).count() == 2


def test_uids_are_matched_per_organiser(world):
    run(world, TWO)
    run(world, TWO, organiser=world.org_b, user=world.staff_b)
    assert Event.objects.filter(organiser=world.org_a).count() == 2
    assert Event.objects.filter(organiser=world.org_b).count() == 2


def test_a_cancelled_vevent_cancels_the_event_made_from_it(world):
    run(world, TWO)
    cancelled = ics(vevent("a-1@other.example", "Frukostmöte", LOCATION="Stadshuset\\, Luleå", STATUS="CANCELLED"))
    result = run(world, cancelled)
    assert result.cancelled == 1
    assert Event.objects.get(import_uid="a-1@other.example").status == EventStatus.CANCELLED


def test_a_repeating_event_is_refused_with_a_message_and_nothing_is_saved(world):
    repeating = ics(
        vevent("ok@other.example", "Ett möte"),
        vevent("weekly@other.example", "Veckomöte", RRULE="FREQ=WEEKLY;COUNT=5"),
    )
    with pytest.raises(ValidationError) as refused:
        run(world, repeating)
    assert any("Veckomöte" in m and "repeat" in m for m in refused.value.messages)
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"this is not a calendar at all", "not an iCalendar file"),
        (b"\xff\xfe\x00garbage", "not an iCalendar file"),
        (ics(), "no events"),
        (b"BEGIN:VCALENDAR\r\n" + b"X-FILL:" + b"x" * (MAX_BYTES + 10) + b"\r\nEND:VCALENDAR\r\n", "too large"),
        (ics(vevent("late@other.example", "Baklänges", start="20310318T200000", end="20310318T180000")), "end"),
        (ics(vevent("", "Utan UID")), "no UID"),
    ],
)
def test_bad_files_are_refused_with_a_message_and_nothing_is_saved(world, content, message):
    with pytest.raises(ValidationError) as refused:
        run(world, content)
    assert message in " ".join(refused.value.messages)
    assert not Event.objects.exists()


def test_a_personnummer_in_an_imported_text_is_refused(world):
    content = ics(vevent("pnr@other.example", "Möte", DESCRIPTION="Ring 19900101-0017"))
    with pytest.raises(ValidationError) as refused:
        run(world, content)
    assert "Möte" in " ".join(refused.value.messages)
    assert not Event.objects.exists()


def test_only_members_of_the_organiser_may_import_into_its_events(world):
    with pytest.raises(PermissionDenied):
        run(world, TWO, organiser=world.org_a, user=world.staff_b)
    assert not Event.objects.exists()


# --- The page -------------------------------------------------------------------------------------------
def upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("calendar.ics", content, content_type="text/calendar")


def test_the_page_imports_a_file_and_a_second_upload_adds_nothing(client, world):
    login(client, world.staff_a)
    path = reverse("events:ics_import")
    assert client.get(path).status_code == 200
    for _ in range(2):
        response = client.post(path, {"organiser": str(world.org_a.code), "file": upload(TWO)})
        assert response.status_code == 302
    assert Event.objects.filter(organiser=world.org_a).count() == 2


def test_the_page_shows_the_refusal_on_the_form(client, world):
    login(client, world.staff_a)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(
        reverse("events:ics_import"), {"organiser": str(world.org_a.code), "file": upload(b"not a calendar")}
    )
    assert response.status_code == 200
    assert "is not an iCalendar file" in response.content.decode()
    assert not Event.objects.exists()


def test_the_page_offers_only_the_members_own_organisations(client, world):
    login(client, world.staff_b)
    response = client.post(reverse("events:ics_import"), {"organiser": str(world.org_a.code), "file": upload(TWO)})
    assert response.status_code == 200
    assert not Event.objects.exists()
