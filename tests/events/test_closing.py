"""The closing report of an event (events/closing/): the attendance figures on a constructed event, drafting
and finalising (figures frozen then), refusals (before the end, personnummer, after finalising) and access."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.factories import MembershipFactory
from directory.models import Organisation
from events.closing.selectors import event_figures
from events.factories import EventFactory, RegistrationFactory
from events.models import Attendance, ClosingReport, Registration
from kernel.models import AuditLog
from tests.personnummer import DATE, LAST_FOUR


@pytest.fixture
def ended(world):
    """A meeting of ASF A that ended a week ago. Present: two people of ASF B (Piteå, 2581), the officer of
    Luleå kommun (2580), the business member (Norrbygg, 2580) and a guest without an organisation. Absent:
    the coordinator. Cancelled (and marked present by mistake): a colleague of the business member."""
    Organisation.objects.filter(pk=world.org_b.pk).update(kommunkod="2581")
    Organisation.objects.filter(pk__in=[world.muni_x.pk, world.business.pk]).update(kommunkod="2580")
    event = EventFactory(organiser=world.org_a, start_in=-dt.timedelta(days=7), hours=3)
    colleague_b = MembershipFactory(organisation=world.org_b).user
    for user in (world.staff_b, colleague_b, world.officer_x, world.business_member):
        RegistrationFactory(event=event, user=user, present=True)
    RegistrationFactory(event=event, guest_name="Gästen Gustavsson", present=True)
    RegistrationFactory(event=event, user=world.coordinator, absent=True)
    RegistrationFactory(
        event=event, user=MembershipFactory(organisation=world.business).user, cancelled=True, present=True
    )
    return event


EXPECTED = {
    "attendees": 5,
    "by_organisation_kind": {"asf": 2, "business": 1, "municipality": 1, "unknown": 1},
    "by_municipality": {"2580": 2, "2581": 2, "unknown": 1},
    "organisations_reached": 3,
    "sectors_present": 3,
}


def closing_url(event) -> str:
    return reverse("events:closing_report", kwargs={"code": event.code})


def test_figures_of_a_constructed_event_are_exact(world, ended):
    figures = event_figures(event=ended)
    assert {key: figures[key] for key in EXPECTED} == EXPECTED
    assert figures["organisations_by_kind"] == {
        "asf": [world.org_b.pk],
        "business": [world.business.pk],
        "municipality": [world.muni_x.pk],
    }


def test_only_social_economy_present_is_one_sector(world):
    event = EventFactory(organiser=world.org_a, start_in=-dt.timedelta(days=7))
    RegistrationFactory(event=event, user=world.staff_b, present=True)
    RegistrationFactory(event=event, user=world.staff_a, present=True)
    figures = event_figures(event=event)
    assert (figures["attendees"], figures["organisations_reached"], figures["sectors_present"]) == (2, 2, 1)


def test_organiser_saves_a_draft_then_finalises_and_the_figures_are_frozen(client, world, ended):
    client.force_login(world.staff_a)
    page = client.get(closing_url(ended))
    assert page.status_code == 200
    assert page.context["figures"]["attendees"] == 5
    response = client.post(closing_url(ended), {"minutes": "Vi talade om praktik.", "follow_ups": "", "save": ""})
    assert response.status_code == 302
    report = ClosingReport.objects.get(event=ended)
    assert (report.minutes, report.is_final, report.figures) == ("Vi talade om praktik.", False, {})
    response = client.post(
        closing_url(ended),
        {"minutes": "Vi talade om praktik.", "follow_ups": "Ny träff i mars.", "finalise": ""},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.is_final and report.finalised_by == world.staff_a
    assert report.follow_ups == "Ny träff i mars."
    assert {key: report.figures[key] for key in EXPECTED} == EXPECTED
    assert list(
        AuditLog.objects.filter(target_id=str(ended.code), action__startswith="event.closing_report")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["event.closing_report_save", "event.closing_report_finalise"]
    # Later changes to the attendance do not change the finalised figures.
    Registration.objects.filter(event=ended, user=world.officer_x).update(attendance=Attendance.ABSENT)
    page = client.get(closing_url(ended))
    assert page.context["final"] and page.context["form"] is None
    assert page.context["figures"]["attendees"] == 5
    assert page.context["figures"]["sectors_present"] == 3
    assert "Ny träff i mars." in page.content.decode()


def test_a_finalised_report_cannot_be_changed(client, world, ended):
    client.force_login(world.coordinator)
    client.post(closing_url(ended), {"minutes": "Slutligt.", "follow_ups": "", "finalise": ""})
    response = client.post(closing_url(ended), {"minutes": "Ändrat i efterhand.", "follow_ups": "", "save": ""})
    assert response.status_code == 200
    report = ClosingReport.objects.get(event=ended)
    assert report.minutes == "Slutligt." and report.finalised_by == world.coordinator


def test_the_report_waits_for_the_end_of_the_event(client, world):
    event = EventFactory(organiser=world.org_a, start_in=-dt.timedelta(hours=1), hours=3)
    client.force_login(world.staff_a)
    response = client.post(closing_url(event), {"minutes": "För tidigt.", "follow_ups": "", "finalise": ""})
    assert response.status_code == 200
    assert "Slutrapporten kan skrivas när evenemanget är slut." in response.context["form"].errors["__all__"]
    assert not ClosingReport.objects.exists()
    assert event.end > timezone.now()


def test_minutes_with_a_personnummer_are_refused(client, world, ended):
    client.force_login(world.staff_a)
    response = client.post(
        closing_url(ended), {"minutes": f"Deltagare {DATE}-{LAST_FOUR} kom.", "follow_ups": "", "finalise": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["minutes"]
    assert not ClosingReport.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("staff_a", 200),
        ("admin_a", 200),
        ("coordinator", 200),
        ("staff_b", 404),  # an attendee
        ("business_member", 404),
        ("officer_x", 404),
    ],
)
def test_closing_report_is_for_the_organiser_and_coordinators(client, world, ended, role, status):
    client.force_login(world.user(role))
    assert client.get(closing_url(ended)).status_code == status
    response = client.post(closing_url(ended), {"minutes": "Försök.", "follow_ups": "", "finalise": ""})
    assert response.status_code == (302 if status == 200 else 404)
    assert ClosingReport.objects.filter(finalised_at__isnull=False).exists() is (status == 200)


def test_anonymous_is_sent_to_log_in(client, ended):
    response = client.get(closing_url(ended))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
