"""Attendance certificates (events/certificates/): the PDF and what it says, who may download it, the
organiser's list and zip (audited), the guest's link, and the public verification page before and after the
event's personal data is purged."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from events import services
from events.factories import RegistrationFactory
from events.models import Certificate, Event, EventStatus
from kernel.models import AuditLog

STOCKHOLM = ZoneInfo("Europe/Stockholm")
GUEST_TOKEN = "a-guest-secret-from-the-e-mail"


def pdf_text(content: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils' pdftotext is needed (scripts/ensure-system-packages.sh)"
    path = tmp_path / "certificate.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def held(world):
    """A workshop of ASF A on 10 March 2026, 09:00–12:30 Swedish time, with staff B present (English), a
    guest present (Swedish) and the business member absent."""
    event = Event.objects.create(
        organiser=world.org_a,
        title_sv="Workshop om arbetsträning",
        title_en="Workshop on work training",
        start=dt.datetime(2026, 3, 10, 9, 0, tzinfo=STOCKHOLM),
        end=dt.datetime(2026, 3, 10, 12, 30, tzinfo=STOCKHOLM),
        place_name="Kulturens hus",
        status=EventStatus.PUBLISHED,
    )
    type(world.staff_b).objects.filter(pk=world.staff_b.pk).update(full_name="Bertil Åström")
    world.staff_b.refresh_from_db()
    member = RegistrationFactory(event=event, user=world.staff_b, language="en", present=True)
    guest = RegistrationFactory(
        event=event,
        guest_name="Anna-Karin Öberg",
        guest_email="anna-karin@example.se",
        language="sv",
        present=True,
        token_hash=services.hash_token(GUEST_TOKEN),
    )
    absent = RegistrationFactory(event=event, user=world.business_member, absent=True)
    return event, member, guest, absent


def certificate_url(registration) -> str:
    return reverse("events:certificate", kwargs={"code": registration.code})


def verify_url(code: str) -> str:
    return reverse("events:certificate_verify", kwargs={"code": code})


# --- What the certificate says ----------------------------------------------------------------------------
def test_certificate_pdf_names_event_date_hours_organiser_attendee_code_and_address(client, world, held, tmp_path):
    _event, member, _guest, _absent = held
    client.force_login(world.staff_b)
    response = client.get(certificate_url(member))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    code = Certificate.objects.get(registration=member).code
    text = pdf_text(response.content, tmp_path)
    assert "Workshop on work training" in text  # the attendee registered in English
    assert "Workshop om arbetsträning" not in text
    assert "10 March 2026" in text
    assert "3.5" in text  # 09:00–12:30
    assert "Returen Återbruk" in text
    assert "Bertil Åström" in text
    assert code in text
    assert settings.SITE_URL + f"/events/certificates/{code}/verify/" in text


def test_certificate_is_in_the_attendees_language(client, world, held, tmp_path):
    _event, _member, guest, _absent = held
    client.force_login(world.staff_a)
    text = pdf_text(client.get(certificate_url(guest)).content, tmp_path)
    assert "Workshop om arbetsträning" in text
    assert "10 mars 2026" in text
    assert "3,5" in text
    assert "Anna-Karin Öberg" in text


def test_certificate_is_a_tagged_pdf_ua_document(client, world, held):
    from pypdf import PdfReader

    _event, member, _guest, _absent = held
    client.force_login(world.staff_b)
    reader = PdfReader(io.BytesIO(client.get(certificate_url(member)).content))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en"


def test_the_code_is_issued_once_long_and_kept_with_the_hours(client, world, held):
    _event, member, guest, _absent = held
    client.force_login(world.staff_b)
    client.get(certificate_url(member))
    client.get(certificate_url(member))
    client.force_login(world.staff_a)
    client.get(certificate_url(guest))
    certificates = list(Certificate.objects.order_by("pk"))
    assert [c.registration_id for c in certificates] == [member.pk, guest.pk]
    assert certificates[0].code != certificates[1].code
    assert all(len(c.code) >= 32 for c in certificates)
    assert [str(c.hours) for c in certificates] == ["3.5", "3.5"]
    assert AuditLog.objects.filter(action="registration.certificate_issue").count() == 2


# --- Who may download it ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status", "audited"),
    [
        ("staff_b", 200, False),  # the attendee
        ("business_member", 404, False),  # another person (registered, but absent)
        ("officer_x", 404, False),
        ("staff_a", 200, True),  # a member of the organiser
        ("admin_a", 200, True),
        ("coordinator", 200, True),
    ],
)
def test_certificate_is_for_the_attendee_the_organiser_and_coordinators(client, world, held, role, status, audited):
    _event, member, _guest, _absent = held
    client.force_login(world.user(role))
    assert client.get(certificate_url(member)).status_code == status
    downloads = AuditLog.objects.filter(action="registration.certificate_download", target_id=str(member.code))
    assert downloads.count() == (1 if audited else 0)
    if audited:
        assert downloads.get().actor == world.user(role)


def test_anonymous_visitor_is_sent_to_log_in(client, held):
    _event, member, _guest, _absent = held
    response = client.get(certificate_url(member))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", ["business_member", "staff_a", "coordinator"])
def test_a_person_not_marked_present_has_no_certificate(client, world, held, role):
    _event, _member, _guest, absent = held
    client.force_login(world.user(role))
    assert client.get(certificate_url(absent)).status_code == 404
    assert not Certificate.objects.exists()


def test_no_certificate_before_the_event_has_ended(client, world, held):
    event, member, _guest, _absent = held
    Event.objects.filter(pk=event.pk).update(end=dt.datetime(2099, 1, 1, tzinfo=STOCKHOLM))
    client.force_login(world.staff_b)
    assert client.get(certificate_url(member)).status_code == 404


def test_guest_downloads_through_the_link_of_their_e_mail(client, held, tmp_path):
    _event, _member, _guest, _absent = held
    response = client.get(reverse("events:guest_certificate", kwargs={"token": GUEST_TOKEN}))
    assert response.status_code == 200
    assert "Anna-Karin Öberg" in pdf_text(response.content, tmp_path)
    assert client.get(reverse("events:guest_certificate", kwargs={"token": "not-the-token"})).status_code == 404
    page = client.get(reverse("events:registration_link", kwargs={"token": GUEST_TOKEN})).content.decode()
    assert reverse("events:guest_certificate", kwargs={"token": GUEST_TOKEN}) in page


def test_attendee_finds_the_link_on_the_event_page(client, world, held):
    event, member, _guest, _absent = held
    client.force_login(world.staff_b)
    page = client.get(reverse("events:detail", kwargs={"code": event.code})).content.decode()
    assert certificate_url(member) in page
    client.force_login(world.business_member)
    page = client.get(reverse("events:detail", kwargs={"code": event.code})).content.decode()
    assert "certificate.pdf" not in page


# --- The organiser's list and zip -------------------------------------------------------------------------
def test_organiser_lists_the_present_and_downloads_all_as_a_zip(client, world, held, tmp_path):
    event, member, guest, _absent = held
    client.force_login(world.staff_a)
    page = client.get(reverse("events:certificates", kwargs={"code": event.code}))
    assert page.status_code == 200
    assert [r.pk for r in page.context["registrations"]] == [member.pk, guest.pk]
    response = client.get(reverse("events:certificates_zip", kwargs={"code": event.code}))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert names == [
        "001-certificate-2026-03-10-bertil-astrom.pdf",
        "002-certificate-2026-03-10-anna-karin-oberg.pdf",
    ]
    assert "Anna-Karin Öberg" in pdf_text(archive.read(names[1]), tmp_path)
    audit = AuditLog.objects.get(action="event.certificates_download")
    assert (audit.actor, audit.target_id, audit.data) == (world.staff_a, str(event.code), {"certificates": 2})


@pytest.mark.parametrize("role", ["staff_b", "business_member"])
def test_others_get_404_for_the_list_and_the_zip(client, world, held, role):
    event, *_ = held
    client.force_login(world.user(role))
    assert client.get(reverse("events:certificates", kwargs={"code": event.code})).status_code == 404
    assert client.get(reverse("events:certificates_zip", kwargs={"code": event.code})).status_code == 404


# --- Verification -----------------------------------------------------------------------------------------
def _issued(client, world, registration) -> str:
    client.force_login(world.staff_a)
    assert client.get(certificate_url(registration)).status_code == 200
    client.logout()
    return Certificate.objects.get(registration=registration).code


def test_verification_confirms_event_date_hours_organiser_and_initials_only(client, world, held):
    _event, _member, guest, _absent = held
    code = _issued(client, world, guest)
    response = client.get(verify_url(code), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    shown = response.context["shown"]
    assert (shown.event.title_sv, shown.first_day, str(shown.certificate.hours), shown.initials) == (
        "Workshop om arbetsträning",
        dt.date(2026, 3, 10),
        "3.5",
        "A. Ö.",
    )
    page = response.content.decode()
    assert "Workshop on work training" in page and "Returen Återbruk" in page and "A. Ö." in page
    assert "Anna-Karin" not in page and "Öberg" not in page and "anna-karin@example.se" not in page


def test_an_unknown_code_is_404(client, world, held):
    _event, _member, guest, _absent = held
    code = _issued(client, world, guest)
    response = client.get(verify_url(code[:-1] + ("A" if code[-1] != "A" else "B")))
    assert response.status_code == 404
    assert response.context["shown"] is None


def test_after_the_purge_verification_still_confirms_but_without_initials_and_nothing_new_is_made(client, world, held):
    event, member, guest, _absent = held
    member_code = _issued(client, world, member)
    guest_code = _issued(client, world, guest)
    after = event.end + dt.timedelta(days=event.retention_days + 1)
    assert services.event_purge_personal_data(event=event, now=after) == 3
    for code in (member_code, guest_code):
        response = client.get(verify_url(code))
        assert response.status_code == 200
        assert response.context["shown"].initials == ""
        assert str(response.context["shown"].certificate.hours) == "3.5"
        assert "A. Ö." not in response.content.decode() and "B. Å." not in response.content.decode()
    client.force_login(world.staff_b)
    assert client.get(certificate_url(member)).status_code == 404
    client.force_login(world.staff_a)
    assert client.get(certificate_url(member)).status_code == 404
    assert client.get(reverse("events:certificates_zip", kwargs={"code": event.code})).status_code == 404
