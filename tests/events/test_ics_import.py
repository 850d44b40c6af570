"""Importing an organiser's calendar file: each VEVENT becomes or updates a draft event matched by its UID per
organiser (importing twice adds nothing; a changed SUMMARY updates), repeating events refused, bad and huge
files refused with a message, nothing half-saved, the personnummer guard on the imported texts; the page.
An event cancelled here stays cancelled. From the calendar's address: a web server the test starts on
127.0.0.1; private and local addresses, also after a redirect, refused (docs/security-checks.md K61); the
size cap, the timeout and the content type."""

from __future__ import annotations

import datetime as dt
import ipaddress
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from directory.access import actor_for
from events import ics_import
from events import services as event_services
from events.ics_import.services import MAX_BYTES
from events.models import Event, EventStatus
from kernel import fetch
from kernel.models import AuditLog
from tests.events.pages import login
from tests.http_server import LocalHTTPServer

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


# --- An event cancelled here stays cancelled --------------------------------------------------------------
def test_a_reimport_neither_brings_back_nor_changes_an_event_cancelled_here(world, mails):
    run(world, TWO)
    breakfast = Event.objects.get(import_uid="a-1@other.example")
    event_services.event_cancel(actor=actor_for(world.staff_a), event=breakfast)
    breakfast.refresh_from_db()
    changed = ics(
        vevent("a-1@other.example", "Frukostmöte – ny tid", start="20310319T180000", end="20310319T200000"),
        vevent("a-2@other.example", "Studiebesök", start="20310401T090000", end="20310401T120000"),
    )
    result = run(world, changed)
    assert (result.created, result.updated, result.unchanged, result.kept_cancelled) == (0, 0, 1, 1)
    after = Event.objects.get(pk=breakfast.pk)
    assert after.status == EventStatus.CANCELLED
    assert (after.title_sv, after.start, after.sequence) == (breakfast.title_sv, breakfast.start, breakfast.sequence)
    # A calendar that also says CANCELLED changes nothing and is not counted as kept.
    again = run(world, ics(vevent("a-1@other.example", "Frukostmöte", STATUS="CANCELLED")))
    assert (again.cancelled, again.kept_cancelled) == (0, 0)
    audit = AuditLog.objects.filter(action="event.ics_import").order_by("-pk")[1]
    assert audit.data["kept_cancelled"] == 1


def test_the_page_says_how_many_were_left_cancelled(client, world, mails):
    run(world, TWO)
    event_services.event_cancel(actor=actor_for(world.staff_a), event=Event.objects.get(import_uid="a-1@other.example"))
    login(client, world.staff_a)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(
        reverse("events:ics_import"), {"organiser": str(world.org_a.code), "file": upload(TWO)}, follow=True
    )
    assert "1 left as it is because it is cancelled here" in response.content.decode()
    assert Event.objects.get(import_uid="a-1@other.example").status == EventStatus.CANCELLED


# --- From the calendar's address ------------------------------------------------------------------------
# The test's own web server on 127.0.0.1, reached with a policy that allows that one address: production's
# policy (the default) refuses it, as the tests after these show.
LOCAL = fetch.Policy(address=lambda address: address == ipaddress.ip_address("127.0.0.1"), ports=None)


@pytest.fixture
def server():
    with LocalHTTPServer() as running:
        yield running


def run_url(world, url: str, *, policy: fetch.Policy | None = LOCAL, user=None, **kwargs):
    with translation.override("en"):
        return ics_import.ics_import_url(
            actor=actor_for(user or world.staff_a), organiser=world.org_a, url=url, policy=policy, **kwargs
        )


def refused_url(world, url: str, **kwargs) -> str:
    """Import from `url`, expect a refusal; its message. Nothing was saved, nothing audited."""
    with pytest.raises(ValidationError) as refused:
        run_url(world, url, **kwargs)
    assert not Event.objects.exists()
    assert not AuditLog.objects.filter(action="event.ics_import").exists()
    return " ".join(refused.value.messages)


def test_a_calendar_is_imported_from_its_address_and_updated_by_uid_on_reimport(world, server):
    url = server.answer("/calendars/secret-token/basic.ics", body=TWO)
    result = run_url(world, url)
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    breakfast = Event.objects.get(import_uid="a-1@other.example")
    assert (breakfast.organiser, breakfast.status, breakfast.title_sv) == (
        world.org_a,
        EventStatus.DRAFT,
        "Frukostmöte",
    )
    # The source changes one event: the re-import updates it in place, adds nothing.
    server.answer(
        "/calendars/secret-token/basic.ics",
        body=ics(
            vevent(
                "a-1@other.example", "Frukostmöte – ny tid", LOCATION="Stadshuset\\, Luleå", DESCRIPTION="Om hösten"
            ),
            vevent("a-2@other.example", "Studiebesök", start="20310401T090000", end="20310401T120000"),
        ),
    )
    result = run_url(world, url)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    after = Event.objects.get(pk=breakfast.pk)
    assert after.title_sv == "Frukostmöte – ny tid"
    assert after.sequence == breakfast.sequence + 1
    assert Event.objects.filter(organiser=world.org_a).count() == 2
    # The same calendar as a file: the same events, matched by UID whichever way it came.
    assert (run(world, TWO).updated, Event.objects.count()) == (1, 2)


def test_the_audit_names_the_source_and_host_but_not_the_secret_address(world, server):
    url = server.answer("/calendars/secret-token/basic.ics", body=TWO)
    run_url(world, url)
    audit = AuditLog.objects.get(action="event.ics_import", target_id=str(world.org_a.code))
    assert audit.data["source"] == "url"
    assert audit.data["host"] == "127.0.0.1"
    assert "secret-token" not in str(audit.data)
    assert audit.actor == world.staff_a
    run(world, TWO)
    assert AuditLog.objects.filter(action="event.ics_import").order_by("-pk")[0].data["source"] == "file"


def test_the_old_content_type_application_ics_is_accepted(world, server):
    url = server.answer("/cal", body=TWO, content_type="application/ics")
    assert run_url(world, url).created == 2


@pytest.mark.security("K61")
@pytest.mark.adversarial("K")
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/calendar.ics",
        "http://10.1.2.3/calendar.ics",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/calendar.ics",
        "webcal://127.0.0.1/calendar.ics",
        "http://localhost/calendar.ics",
        "file:///etc/passwd",
    ],
)
def test_private_and_local_addresses_are_refused_and_nothing_is_saved(world, url):
    message = refused_url(world, url, policy=None)  # None: production's policy
    assert "private or local network" in message or "https://" in message


@pytest.mark.security("K61")
@pytest.mark.adversarial("K")
def test_a_name_resolving_to_the_test_server_is_refused_by_the_production_policy(world, server):
    url = server.answer("/calendar.ics", body=TWO).replace("127.0.0.1", "localhost")
    assert "private or local network" in refused_url(world, url, policy=fetch.Policy(ports=None))
    assert server.requests == []


@pytest.mark.security("K61")
@pytest.mark.adversarial("K")
@pytest.mark.parametrize(
    "location", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/calendar.ics", "http://[::1]/"]
)
def test_a_redirect_from_an_allowed_server_to_a_private_address_is_refused(world, server, location):
    url = server.answer("/calendar.ics", status=302, headers={"Location": location}, content_type=None)
    assert "private or local network" in refused_url(world, url)


def test_a_calendar_larger_than_an_upload_may_be_is_refused(world, server):
    big = b"BEGIN:VCALENDAR\r\n" + b"X-FILL:" + b"x" * (MAX_BYTES + 10) + b"\r\nEND:VCALENDAR\r\n"
    assert "too large" in refused_url(world, server.answer("/big.ics", body=big))
    assert "too large" in refused_url(world, server.answer("/big2.ics", body=big, content_length=False))


def test_a_server_that_does_not_answer_in_time_is_refused(world, server):
    url = server.answer("/slow.ics", body=TWO, delay=3)
    assert "did not answer in time" in refused_url(world, url, timeout=0.5)


def test_a_web_page_instead_of_a_calendar_is_refused_with_a_clear_message(world, server):
    url = server.answer("/calendar", body=b"<html><body>Our calendar</body></html>", content_type="text/html")
    message = refused_url(world, url)
    assert "does not give a calendar but “text/html”" in message
    assert "not the address of its web page" in message
    with translation.override("sv"), pytest.raises(ValidationError) as refused:
        ics_import.ics_import_url(actor=actor_for(world.staff_a), organiser=world.org_a, url=url, policy=LOCAL)
    assert "ger ingen kalender" in " ".join(refused.value.messages)


def test_a_calendar_with_an_invalid_event_at_an_address_saves_nothing(world, server):
    bad = ics(vevent("ok@other.example", "Ett möte"), vevent("pnr@other.example", "Möte", DESCRIPTION="19900101-0017"))
    assert "Möte" in refused_url(world, server.answer("/bad.ics", body=bad))


def test_only_members_may_import_from_an_address_and_nothing_is_fetched_for_others(world, server):
    url = server.answer("/calendar.ics", body=TWO)
    with pytest.raises(PermissionDenied):
        run_url(world, url, user=world.staff_b)
    assert server.requests == []
    assert not Event.objects.exists()


# --- The page, with an address ----------------------------------------------------------------------------
def _post(client, world, **data):
    login(client, world.staff_a)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client.post(reverse("events:ics_import"), {"organiser": str(world.org_a.code), **data})


def test_the_page_imports_from_an_address(client, world, server, monkeypatch):
    monkeypatch.setattr(fetch, "PUBLIC", LOCAL)  # the page uses production's policy: here, the test server's
    url = server.answer("/calendar.ics", body=TWO)
    assert _post(client, world, url=url).status_code == 302
    assert Event.objects.filter(organiser=world.org_a).count() == 2


@pytest.mark.security("K61")
@pytest.mark.adversarial("K")
def test_the_page_shows_a_refused_address_on_the_address_field(client, world):
    response = _post(client, world, url="http://169.254.169.254/latest/meta-data/")
    assert response.status_code == 200
    assert response.context["form"].errors["url"]
    assert "private or local network" in response.content.decode()
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a calendar file or give the calendar"),
        ({"url": "https://example.org/calendar.ics", "file": "FILE"}, "either a calendar file or an address"),
    ],
)
def test_the_page_wants_a_file_or_an_address_but_not_both(client, world, data, message):
    if data.get("file") == "FILE":
        data = {**data, "file": upload(TWO)}
    response = _post(client, world, **data)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Event.objects.exists()
