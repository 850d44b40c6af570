"""Retention (GDPR art. 5.1 e, 17) and the record of processing (art. 30): asfnet/processing.py declares each
policy, the privacy page shows it, the daily purge applies it and journals every erasure."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape

from asfnet import processing
from asfnet.processing import purge_personal_data
from directory.factories import ForbundFactory
from directory.models import Membership
from events.factories import EventFactory, RegistrationFactory
from events.models import Registration
from kernel.factories import UserFactory
from kernel.models import AuditLog, ErasureRecord, SentEmail, User
from matchmaking.models import FundedProject, LabourMarketEvent, Match, Need, Participant
from reports.factories import ReportFileFactory, ReportRunFactory
from reports.indicators import esf_report
from reports.models import ReportFile
from tests.matchmaking.pipeline import make_need, make_participant

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2032, 6, 15, 12, 0))
TODAY = NOW.date()


@pytest.fixture
def ended_project(world):
    return FundedProject.objects.create(
        forbund=ForbundFactory(),
        diarienummer="23-051-S06",
        name="Samverkan för ASF",
        owner=world.forbund,
        ends_on=dt.date(2026, 12, 31),
    )


def _erased(result, policy) -> list[str]:
    return [item.target_id for item in result[policy]]


# --- The record of processing ---------------------------------------------------------------------------------


def test_the_privacy_page_states_every_policy_with_the_period_the_purge_applies(client, settings):
    settings.PARTICIPANT_RETENTION_MONTHS = 61
    settings.ACCOUNT_INACTIVE_MONTHS = 13
    settings.EVENTS_RETENTION_DAYS = 9
    settings.REPORT_FILES_KEEP_DAYS = 200
    html = client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for item in processing.PROCESSING:
        assert escape(str(item.name)) in html
        assert escape(str(item.legal_ground)) in html
    assert "61 months after both the participant" in html
    assert "deleted after 200 days" in html
    assert "logged in to for 13 months" in html
    assert "removed 9 days after the event" in html
    swedish = client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "61 månader efter både deltagarens" in swedish and "Allmänt intresse" in swedish


def test_every_policy_with_an_end_has_a_purge_and_every_setting_it_names_exists():
    purged = {item.key for item in processing.PROCESSING if item.purge}
    assert purged == {"accounts", "participants", "event_answers", "report_files", "outdated_reports"}
    for name in (
        "PARTICIPANT_RETENTION_MONTHS",
        "ACCOUNT_INACTIVE_MONTHS",
        "EVENTS_RETENTION_DAYS",
        "OUTDATED_REPORT_CONTACT_KEEP_DAYS",
    ):
        assert isinstance(getattr(django_settings, name), int)


# --- Participants ---------------------------------------------------------------------------------------------


@pytest.mark.security("H42")
def test_a_participant_is_erased_the_day_after_the_retention_period_and_not_before(world, ended_project, settings):
    settings.PARTICIPANT_RETENTION_MONTHS = 60
    cutoff = dt.date(2027, 6, 15)  # TODAY - 60 months
    due = make_participant(world, ended_project, code="P-DUE", exit_date=cutoff - dt.timedelta(days=1))
    make_need(world.officer_x, due)
    keep_edge = make_participant(world, ended_project, code="P-EDGE", exit_date=cutoff)
    keep_active = make_participant(world, ended_project, code="P-ACTIVE")  # never exited

    result = purge_personal_data(now=NOW)

    assert _erased(result, "participants") == [due.audit_target_id]
    assert set(Participant.objects.values_list("code", flat=True)) == {keep_edge.code, keep_active.code}
    assert not Need.objects.filter(participant_id=due.pk).exists()
    record = ErasureRecord.objects.get(policy="participants")
    assert (record.target_type, record.target_id, record.action) == (
        "matchmaking.participant",
        due.audit_target_id,
        "deleted",
    )
    assert record.rows == 2  # the participant and the need


def test_a_participant_of_a_project_still_running_is_kept(world, settings):
    running = FundedProject.objects.create(
        forbund=ForbundFactory(),
        diarienummer="24-100-S01",
        name="Pågår",
        owner=world.forbund,
        ends_on=dt.date(2031, 12, 31),
    )
    make_participant(world, running, code="P-OLD", exit_date=dt.date(2025, 6, 1))
    assert purge_personal_data(now=NOW)["participants"] == []
    assert Participant.objects.filter(code="P-OLD").exists()


@pytest.mark.security("H42")
def test_the_purge_twice_changes_nothing_the_second_time(world, ended_project):
    make_participant(world, ended_project, code="P-DUE", exit_date=dt.date(2025, 6, 1))
    EventFactory(past=True, retention_days=0)
    purge_personal_data(now=NOW)
    journal, audit = ErasureRecord.objects.count(), AuditLog.objects.count()

    again = purge_personal_data(now=NOW)

    assert all(erased == [] for erased in again.values())
    assert (ErasureRecord.objects.count(), AuditLog.objects.count()) == (journal, audit)


@pytest.mark.security("H42")
def test_a_dry_run_erases_and_journals_nothing_but_names_what_is_due(world, ended_project):
    participant = make_participant(world, ended_project, code="P-DUE", exit_date=dt.date(2025, 6, 1))
    result = purge_personal_data(now=NOW, dry_run=True)
    assert _erased(result, "participants") == [participant.audit_target_id]
    assert Participant.objects.filter(pk=participant.pk).exists()
    assert not ErasureRecord.objects.exists()


@pytest.mark.security("H42")
def test_a_delivered_esf_report_keeps_its_figures_after_its_participants_are_erased(world, ended_project):
    participant = make_participant(
        world, ended_project, code="P-DUE", entry_date=dt.date(2025, 1, 15), exit_date=dt.date(2025, 3, 1)
    )
    LabourMarketEvent.objects.create(participant=participant, date=dt.date(2025, 3, 1), event="employed")
    delivered = esf_report(ended_project, dt.date(2025, 1, 1), dt.date(2025, 3, 31)).as_json()
    assert delivered["indicators"]["EECO01"]["total"] == 1
    run = ReportRunFactory(
        succeeded=True, project=ended_project, result=delivered, delivered_at=timezone.now(), files=("csv",)
    )

    purge_personal_data(now=NOW)

    assert not Participant.objects.filter(pk=participant.pk).exists()
    again = esf_report(ended_project, dt.date(2025, 1, 1), dt.date(2025, 3, 31)).as_json()
    assert again["indicators"]["EECO01"]["total"] == 0  # computed again, the erased participant is gone …
    run.refresh_from_db()
    assert run.result == delivered  # … but the delivered figures are the stored ones, unchanged
    assert run.files.count() == 1  # and a delivered run keeps its file


# --- Event answers, accounts, report files ------------------------------------------------------------------


@pytest.mark.security("H42")
def test_event_answers_are_purged_through_the_same_journal(world):
    event = EventFactory(past=True, retention_days=3)
    RegistrationFactory(event=event, user=None, guest_name="Gäst Gästsson", guest_email="gast@example.se")
    result = purge_personal_data(now=timezone.now())
    assert _erased(result, "event_answers") == [str(event.code)]
    assert Registration.objects.get(event=event).guest_email == ""
    assert ErasureRecord.objects.get(policy="event_answers").action == "anonymised"


def _inactive_world(world):
    """staff_b and a never-logged-in account are past ACCOUNT_INACTIVE_MONTHS (24); the coordinator too (kept:
    ended by the förbund, not by time); staff_a logged in a month ago; everyone else at NOW."""
    User.objects.filter(pk=world.staff_b.pk).update(
        last_login=NOW - dt.timedelta(days=24 * 31), preferred_language="en"
    )
    User.objects.filter(pk=world.coordinator.pk).update(last_login=NOW - dt.timedelta(days=24 * 31))
    User.objects.filter(pk=world.staff_a.pk).update(last_login=NOW - dt.timedelta(days=30))
    never = UserFactory(email="aldrig@example.se", date_joined=NOW - dt.timedelta(days=25 * 31))
    User.objects.exclude(pk__in=[world.staff_b.pk, world.coordinator.pk, world.staff_a.pk, never.pk]).update(
        last_login=NOW
    )
    return never


def _warnings_sent_at(when: dt.datetime) -> None:
    """The send-once keys are stamped with the real clock; the purge runs on a made-up one."""
    SentEmail.objects.filter(key__startswith="directory.inactive_account:").update(created_at=when)


def test_an_inactive_account_is_warned_first_and_erased_only_after_the_notice(world, settings):
    settings.ACCOUNT_INACTIVE_MONTHS = 24
    settings.ACCOUNT_INACTIVE_WARNING_DAYS = 30
    never = _inactive_world(world)
    staff_b_code = str(world.staff_b.code)

    result = purge_personal_data(now=NOW)
    assert _erased(result, "accounts") == []
    assert sorted(m.to[0] for m in mail.outbox) == ["aldrig@example.se", "staff.b@example.se"]
    english = next(m for m in mail.outbox if m.to[0] == "staff.b@example.se")
    swedish = next(m for m in mail.outbox if m.to[0] == "aldrig@example.se")
    notice_ends = NOW + dt.timedelta(days=30)
    with translation.override("en"):
        assert english.subject == f"Your asfnet account will be deleted on {date_format(notice_ends.date())}"
    assert swedish.subject.startswith("Ditt konto i asfnet tas bort den ")
    assert f"{settings.SITE_URL}/accounts/login/" in english.body
    _warnings_sent_at(NOW)

    assert _erased(purge_personal_data(now=NOW + dt.timedelta(days=29)), "accounts") == []
    assert len(mail.outbox) == 2  # warned once per period of inactivity

    result = purge_personal_data(now=notice_ends)
    assert sorted(_erased(result, "accounts")) == sorted([staff_b_code, str(never.code)])
    assert not User.objects.filter(email__in=["staff.b@example.se", "aldrig@example.se"]).exists()
    assert not Membership.objects.filter(user_id=world.staff_b.pk).exists()
    assert User.objects.filter(pk__in=[world.coordinator.pk, world.staff_a.pk]).count() == 2
    assert AuditLog.objects.filter(action="account.erase", target_id=staff_b_code).count() == 1


def test_logging_in_after_the_warning_keeps_the_account(world, settings):
    settings.ACCOUNT_INACTIVE_MONTHS = 24
    settings.ACCOUNT_INACTIVE_WARNING_DAYS = 30
    _inactive_world(world)
    purge_personal_data(now=NOW)
    _warnings_sent_at(NOW)
    User.objects.filter(pk=world.staff_b.pk).update(last_login=NOW + dt.timedelta(days=3))

    result = purge_personal_data(now=NOW + dt.timedelta(days=30))

    assert User.objects.filter(pk=world.staff_b.pk).exists()
    assert str(world.staff_b.code) not in _erased(result, "accounts")


def test_a_deactivated_inactive_account_is_erased_without_a_warning(world, settings):
    """It cannot log in to keep itself, so nobody is waited for (and nothing is mailed to it)."""
    settings.ACCOUNT_INACTIVE_MONTHS = 24
    User.objects.exclude(pk=world.staff_b.pk).update(last_login=NOW)
    User.objects.filter(pk=world.staff_b.pk).update(last_login=NOW - dt.timedelta(days=24 * 31), is_active=False)

    result = purge_personal_data(now=NOW)

    assert _erased(result, "accounts") == [str(world.staff_b.code)]
    assert mail.outbox == []


def test_the_dry_run_warns_nobody(world, settings):
    settings.ACCOUNT_INACTIVE_MONTHS = 24
    _inactive_world(world)
    purge_personal_data(now=NOW, dry_run=True)
    assert mail.outbox == []
    assert not SentEmail.objects.exists()


def test_old_report_files_are_deleted_unless_the_report_was_delivered(
    world, settings, django_capture_on_commit_callbacks
):
    settings.REPORT_FILES_KEEP_DAYS = 30
    old = ReportFileFactory()
    delivered = ReportFileFactory(run=ReportRunFactory(succeeded=True, delivered_at=timezone.now()))
    recent = ReportFileFactory()
    ReportFile.objects.filter(pk__in=[old.pk, delivered.pk]).update(created_at=timezone.now() - dt.timedelta(days=31))
    old_name = old.file.name
    assert default_storage.exists(old_name)

    with django_capture_on_commit_callbacks(execute=True):
        result = purge_personal_data()

    assert _erased(result, "report_files") == [str(old.run.code)]
    assert set(ReportFile.objects.values_list("pk", flat=True)) == {delivered.pk, recent.pk}
    assert not default_storage.exists(old_name)


# --- The command and the beat task ----------------------------------------------------------------------------


def test_the_command_dry_run_prints_each_policy_and_erases_nothing(world, ended_project, settings):
    settings.PARTICIPANT_RETENTION_MONTHS = 1  # the command runs now: exit and project end more than a month ago
    FundedProject.objects.filter(pk=ended_project.pk).update(ends_on=dt.date(2025, 12, 31))
    make_participant(world, ended_project, code="P-DUE", exit_date=dt.date(2025, 6, 1))
    out = io.StringIO()
    call_command("purge_personal_data", dry_run=True, language="en", stdout=out)
    text = out.getvalue()
    assert text.splitlines()[0] == "Dry run: nothing is erased."
    assert "Participants in placements: 1 erased (1 row)" in text
    assert Participant.objects.filter(code="P-DUE").exists()
    call_command("purge_personal_data", language="en", stdout=out)
    assert not Participant.objects.filter(code="P-DUE").exists()
    assert not Match.objects.exists()


def test_the_beat_runs_the_purge_daily():
    entry = django_settings.CELERY_BEAT_SCHEDULE["asfnet-purge-personal-data"]
    assert entry["task"] == "asfnet.tasks.purge_personal_data"
    from asfnet.tasks import purge_personal_data as task

    assert task.name == "asfnet.tasks.purge_personal_data"
