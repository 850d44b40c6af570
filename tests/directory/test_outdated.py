"""Reports of outdated information: anyone reports on a public profile (no account, e-mail optional, never a
personnummer, a honeypot, a limit per client answered with 429); the organisation's members are told, see the
open reports and close them; reports left open go on to the coordinators once; the reporter's e-mail is erased
after the report is closed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.access import actor_for
from directory.factories import CoordinatorFactory
from directory.models import OutdatedReport, ReportStatus
from directory.outdated import services
from directory.tasks import escalate_outdated_reports
from kernel.models import AuditLog
from notifications.models import Notification

PERSONNUMMER = "19811218-9876"


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def report_url(org) -> str:
    return reverse("directory:outdated_report", kwargs={"code": org.code})


def list_url(org) -> str:
    return reverse("directory:outdated_reports", kwargs={"code": org.code})


def close_url(report) -> str:
    return reverse("directory:outdated_report_close", kwargs={"code": report.organisation.code, "report": report.code})


def make_report(org, *, days_old: int = 0, **fields) -> OutdatedReport:
    report = OutdatedReport.objects.create(organisation=org, what_is_wrong=fields.pop("what_is_wrong", "Fel"), **fields)
    if days_old:
        OutdatedReport.objects.filter(pk=report.pk).update(created_at=timezone.now() - dt.timedelta(days=days_old))
        report.refresh_from_db()
    return report


# --- Reporting ------------------------------------------------------------------------------------------


def test_the_public_profile_links_to_the_report_form(client, world):
    response = client.get(reverse("directory:detail", kwargs={"code": world.org_a.code}))
    assert report_url(world.org_a) in response.content.decode()


def test_an_anonymous_visitor_reports_and_exactly_the_members_are_told(client, world):
    response = client.post(report_url(world.org_a), {"what_is_wrong": "The phone number no longer works."})
    assert response.status_code == 302
    report = OutdatedReport.objects.get()
    assert (report.organisation, report.status, report.contact_email) == (world.org_a, ReportStatus.OPEN, "")
    recipients = set(Notification.objects.filter(kind="outdated_report").values_list("recipient_id", flat=True))
    assert recipients == {world.staff_a.pk, world.admin_a.pk}
    assert Notification.objects.get(recipient=world.staff_a).url == list_url(world.org_a)
    audit = AuditLog.objects.get(action="outdated_report.create")
    assert audit.actor is None and "phone" not in str(audit.data)


def test_the_contact_email_is_optional_and_kept_when_given(client, world):
    client.post(report_url(world.org_a), {"what_is_wrong": "Wrong address", "contact_email": "Anna@Example.se"})
    assert OutdatedReport.objects.get().contact_email == "anna@example.se"


@pytest.mark.parametrize("field", ["what_is_wrong", "contact_email"])
def test_a_personnummer_is_refused_and_nothing_is_saved(client, world, field):
    data = {"what_is_wrong": "Wrong address", "contact_email": ""}
    data[field] = f"{PERSONNUMMER}" if field == "what_is_wrong" else f"{PERSONNUMMER}@example.se"
    response = client.post(report_url(world.org_a), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not OutdatedReport.objects.exists()
    assert not Notification.objects.exists()


def test_the_personnummer_message_is_in_the_readers_language(client, world):
    response = client.post(report_url(world.org_a), {"what_is_wrong": f"Ring {PERSONNUMMER}"})
    assert "personal identity number" in str(response.context["form"].errors["what_is_wrong"]).lower()


def test_an_empty_report_is_refused(client, world):
    response = client.post(report_url(world.org_a), {"what_is_wrong": "  "})
    assert response.status_code == 200 and "what_is_wrong" in response.context["form"].errors
    assert not OutdatedReport.objects.exists()


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_stored(client, world):
    response = client.post(report_url(world.org_a), {"what_is_wrong": "Buy now", "homepage": "http://spam.example"})
    assert response.status_code == 302
    assert not OutdatedReport.objects.exists()
    assert not Notification.objects.exists()


@pytest.fixture
def private_cache(settings):
    """The counters in a cache of this process alone: another test process sharing the Redis database clears
    it at the start of each of its tests, which would reset the count in the middle of these."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rate"}}


@pytest.mark.usefixtures("private_cache")
def test_the_rate_limit_answers_429_with_a_translated_page_after_the_limit(client, world, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "directory_outdated_report": "3/h/ip"}
    for n in range(3):
        assert client.post(report_url(world.org_a), {"what_is_wrong": f"Wrong {n}"}).status_code == 302
    response = client.post(report_url(world.org_a), {"what_is_wrong": "Wrong again"})
    assert response.status_code == 429
    assert "Too many reports just now" in response.content.decode()
    assert OutdatedReport.objects.count() == 3
    swedish = client.post(report_url(world.org_a), {"what_is_wrong": "Fel igen"}, HTTP_ACCEPT_LANGUAGE="sv")
    assert swedish.status_code == 429 and "För många rapporter just nu" in swedish.content.decode()


@pytest.mark.usefixtures("private_cache")
def test_another_client_is_not_limited_by_the_first(client, world, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "directory_outdated_report": "1/h/ip"}
    assert client.post(report_url(world.org_a), {"what_is_wrong": "A"}).status_code == 302
    assert client.post(report_url(world.org_a), {"what_is_wrong": "B"}).status_code == 429
    other = client.post(report_url(world.org_a), {"what_is_wrong": "C"}, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302


def test_an_unpublished_organisation_cannot_be_reported_on_even_by_its_member(client, world):
    assert client.get(report_url(world.hidden_org)).status_code == 404
    client.force_login(world.staff_b)
    assert client.post(report_url(world.hidden_org), {"what_is_wrong": "x"}).status_code == 404
    assert not OutdatedReport.objects.exists()


# --- The members' list, closing --------------------------------------------------------------------------


def test_members_see_the_open_reports_of_their_organisation_only(client, world):
    mine = make_report(world.org_a, what_is_wrong="Our old address", contact_email="anna@example.se")
    make_report(world.org_b, what_is_wrong="Kvarnen menu")
    client.force_login(world.staff_a)
    html = client.get(list_url(world.org_a)).content.decode()
    assert "Our old address" in html and "anna@example.se" in html and "Kvarnen menu" not in html
    assert close_url(mine) in html


def test_a_member_closes_a_report_with_a_note(client, world):
    report = make_report(world.org_a)
    client.force_login(world.admin_a)
    response = client.post(close_url(report), {"note": "New address saved."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.close_note, report.closed_by) == (
        ReportStatus.CLOSED,
        "New address saved.",
        world.admin_a,
    )
    assert AuditLog.objects.filter(action="outdated_report.close", target_id=str(report.code)).count() == 1


def test_closing_twice_changes_nothing_the_second_time(client, world):
    report = make_report(world.org_a)
    client.force_login(world.admin_a)
    client.post(close_url(report), {"note": "Done."})
    client.force_login(world.staff_a)
    client.post(close_url(report), {"note": "Me too."})
    report.refresh_from_db()
    assert (report.close_note, report.closed_by) == ("Done.", world.admin_a)


def test_a_personnummer_in_the_note_is_refused(client, world):
    report = make_report(world.org_a)
    client.force_login(world.staff_a)
    client.post(close_url(report), {"note": PERSONNUMMER})
    report.refresh_from_db()
    assert report.status == ReportStatus.OPEN and report.close_note == ""


@pytest.mark.parametrize("role", ["staff_b", "business_member", "officer_x"])
def test_members_of_other_organisations_can_neither_see_nor_close(client, world, role):
    report = make_report(world.org_a)
    client.force_login(getattr(world, role))
    assert client.get(list_url(world.org_a)).status_code == 404
    assert client.post(close_url(report), {"note": "x"}).status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.OPEN


def test_a_report_of_another_organisation_cannot_be_closed_through_ones_own(client, world):
    theirs = make_report(world.org_b)
    client.force_login(world.staff_a)
    url = reverse("directory:outdated_report_close", kwargs={"code": world.org_a.code, "report": theirs.code})
    assert client.post(url, {"note": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ReportStatus.OPEN


# --- Escalation ------------------------------------------------------------------------------------------


def test_a_report_left_open_past_the_limit_goes_to_exactly_the_coordinators_once(world, settings):
    settings.OUTDATED_REPORT_ESCALATE_DAYS = 14
    second = CoordinatorFactory()
    due = make_report(world.org_a, days_old=15)
    make_report(world.org_a, days_old=13)  # not yet
    make_report(world.org_b, days_old=30, status=ReportStatus.CLOSED, closed_at=timezone.now())  # answered

    assert escalate_outdated_reports() == 1
    assert escalate_outdated_reports() == 0  # a second run (or a retry) sends nothing again
    assert services.outdated_report_escalate(report_id=due.pk) is False

    notified = Notification.objects.filter(kind="outdated_report_escalated")
    assert sorted(notified.values_list("recipient_id", flat=True)) == sorted([world.coordinator.pk, second.pk])
    due.refresh_from_db()
    assert due.escalated_at is not None
    assert AuditLog.objects.filter(action="outdated_report.escalate").count() == 1


def test_escalation_uses_the_setting(world, settings):
    settings.OUTDATED_REPORT_ESCALATE_DAYS = 3
    make_report(world.org_a, days_old=4)
    assert escalate_outdated_reports() == 1


def test_the_daily_beat_entry_runs_the_escalation(settings):
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "directory.tasks.escalate_outdated_reports"
    ]
    assert len(entries) == 1


# --- Retention -------------------------------------------------------------------------------------------


def test_the_contact_email_of_a_closed_report_is_erased_after_the_retention(world, settings):
    from asfnet.processing import purge_personal_data

    settings.OUTDATED_REPORT_CONTACT_KEEP_DAYS = 30
    long_closed = make_report(
        world.org_a,
        contact_email="old@example.se",
        status=ReportStatus.CLOSED,
        closed_at=timezone.now() - dt.timedelta(days=31),
    )
    recent = make_report(
        world.org_a,
        contact_email="new@example.se",
        status=ReportStatus.CLOSED,
        closed_at=timezone.now() - dt.timedelta(days=29),
    )
    still_open = make_report(world.org_a, days_old=400, contact_email="open@example.se")

    result = purge_personal_data()

    assert [e.target_id for e in result["outdated_reports"]] == [str(long_closed.code)]
    for report, email in ((long_closed, ""), (recent, "new@example.se"), (still_open, "open@example.se")):
        report.refresh_from_db()
        assert report.contact_email == email
    assert purge_personal_data()["outdated_reports"] == []


def test_the_service_refuses_an_outsider_closing(world):
    from django.core.exceptions import PermissionDenied

    report = make_report(world.org_a)
    with pytest.raises(PermissionDenied):
        services.outdated_report_close(actor=actor_for(world.staff_b), report=report, note="")
