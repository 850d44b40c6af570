"""Nudges (matchmaking/nudges.py, tasks matchmaking.tasks.send_nudges and send_nudge): a need with no proposal
for 14 days, a proposal unanswered for 7 days, an opportunity about to expire — each at most once a week, in
each recipient's language, one task per recipient, and on a real worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from directory.access import actor_for
from directory.factories import ForbundFactory
from matchmaking import nudges, services
from matchmaking.models import FundedProject, Match, Need, NeedStatus, Opportunity
from matchmaking.tasks import send_nudge, send_nudges
from notifications.tasks import send_notification_email
from tests.factories import by_code

NOW = timezone.now()


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def send_all(now: dt.datetime) -> dict[str, int]:
    """The daily run at `now` as the worker does it: claim what is due, then each recipient's task body."""
    claimed = nudges.nudges_claim(now=now)
    for nudge in claimed:
        for user_id in nudge.recipient_ids:
            send_nudge(nudge.kind, nudge.pk, user_id, nudge.nudged_at)
    return nudges.summary(claimed)


@pytest.fixture(autouse=True)
def _no_pipeline_mails(monkeypatch):
    """Proposals notify the host, e-mailed on commit; these tests look at nudges only."""
    monkeypatch.setattr(send_notification_email, "delay_on_commit", lambda *args: None)


@pytest.fixture
def project(db):
    return FundedProject.objects.create(
        forbund=ForbundFactory(), diarienummer="23-051-S06", name="Samverkan för ASF i södra Norrbotten 2.0"
    )


def make_need(world, project, *, code="P-NUDGE1", age_days=15) -> Need:
    participant = services.participant_create(
        actor=actor_for(world.officer_x),
        project=project,
        organisation=world.muni_x,
        data={
            "code": code,
            "gender": "woman",
            "birth_date": dt.date(1990, 1, 1),
            "entry_date": dt.date(2025, 1, 1),
            "status_at_entry": "inactive",
            "municipality_id": "2580",
            "disability": True,
        },
    )
    need = services.need_create(
        actor=actor_for(world.officer_x),
        participant=participant,
        data={
            "hours_per_week": 20,
            "municipality_id": "2580",
            "earliest_start": dt.date.today(),
            "free_text": "HEMLIG-BEHOVSTEXT",
        },
    )
    Need.objects.filter(pk=need.pk).update(created_at=days_ago(age_days))
    need.refresh_from_db()
    return need


def make_opportunity(world, *, refreshed_days=0, **data) -> Opportunity:
    fields = {
        "type": "arbetstraning",
        "title": "Sortering och butik",
        "municipality": "2580",
        "starts_on": dt.date.today(),
        "places_total": 2,
    }
    fields.update(data)
    opportunity = services.opportunity_create(
        actor=actor_for(world.admin_a), organisation=world.org_a, data=by_code(fields)
    )
    Opportunity.objects.filter(pk=opportunity.pk).update(refreshed_at=days_ago(refreshed_days))
    opportunity.refresh_from_db()
    return opportunity


def propose(world, need, opportunity, *, days=8) -> Match:
    match = services.match_propose(actor=actor_for(world.officer_x), need=need, opportunity=opportunity)
    Match.objects.filter(pk=match.pk).update(proposed_at=days_ago(days), created_at=days_ago(days))
    match.refresh_from_db()
    return match


def sent_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


# --- A need with no proposal ---------------------------------------------------------------------------
def test_a_need_with_no_proposal_for_14_days_reminds_its_officer(world, project):
    need = make_need(world, project, age_days=15)
    assert send_all(NOW) == {"needs": 1, "proposals": 0, "opportunities": 0}
    assert sent_to() == ["officer.x@example.se"]
    message = mail.outbox[0]
    assert "P-NUDGE1" in message.subject
    assert f"/matchmaking/needs/{need.code}/" in message.body
    assert message.body.count(settings.SITE_URL) == 1
    assert "HEMLIG-BEHOVSTEXT" not in message.body  # never the need's free text


@pytest.mark.parametrize(
    ("age_days", "match_status", "proposed_days", "nudged"),
    [
        (13, None, None, False),  # not 14 days old yet
        (20, None, None, True),
        (20, "proposed", 3, False),  # a proposal in progress
        (20, "accepted", 30, False),  # in progress, even though proposed long ago
        (20, "declined", 3, False),  # proposed within the last 14 days
        (30, "declined", 20, True),  # declined long ago, nothing since
    ],
)
def test_which_needs_count_as_having_no_proposal(world, project, age_days, match_status, proposed_days, nudged):
    need = make_need(world, project, age_days=age_days)
    if match_status:
        match = propose(world, need, make_opportunity(world), days=proposed_days)
        Match.objects.filter(pk=match.pk).update(status=match_status)
    assert send_all(NOW)["needs"] == int(nudged)


@pytest.mark.parametrize("status", [NeedStatus.PLACED, NeedStatus.CLOSED])
def test_placed_or_closed_needs_are_left_alone(world, project, status):
    need = make_need(world, project, age_days=40)
    Need.objects.filter(pk=need.pk).update(status=status)
    assert send_all(NOW)["needs"] == 0


def test_an_inactive_officer_is_not_written_to(world, project):
    make_need(world, project, age_days=40)
    type(world.officer_x).objects.filter(pk=world.officer_x.pk).update(is_active=False)
    assert send_all(NOW)["needs"] == 0
    assert mail.outbox == []


# --- An unanswered proposal ----------------------------------------------------------------------------
def test_a_proposal_unanswered_for_7_days_reminds_every_member_of_the_host_in_their_language(world, project):
    type(world.staff_a).objects.filter(pk=world.staff_a.pk).update(preferred_language="en")
    need = make_need(world, project, age_days=1)
    match = propose(world, need, make_opportunity(world), days=8)
    Match.objects.filter(pk=match.pk).update(proposed_at=timezone.make_aware(dt.datetime(2026, 12, 1, 12)))
    assert send_all(timezone.make_aware(dt.datetime(2026, 12, 9, 8)))["proposals"] == 1
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"staff.a@example.se", "admin.a@example.se"}
    english, swedish = by_recipient["staff.a@example.se"], by_recipient["admin.a@example.se"]
    assert "Dec. 1, 2026" in english.body  # each recipient's own language
    assert "1 december 2026" in swedish.body
    assert f"/matchmaking/placements/{match.code}/" in english.body
    assert "P-NUDGE1" in english.body and "Sortering och butik" in english.subject
    assert "HEMLIG-BEHOVSTEXT" not in english.body + swedish.body


@pytest.mark.parametrize(
    ("days", "status", "nudged"), [(6, "proposed", False), (7.1, "proposed", True), (9, "accepted", False)]
)
def test_only_proposals_waiting_7_days_or_more_are_nudged(world, project, days, status, nudged):
    need = make_need(world, project, age_days=1)
    match = propose(world, need, make_opportunity(world), days=days)
    Match.objects.filter(pk=match.pk).update(status=status)
    assert send_all(NOW)["proposals"] == int(nudged)


# --- An opportunity about to expire --------------------------------------------------------------------
def test_an_opportunity_not_refreshed_for_one_week_less_than_its_lifetime_reminds_its_organisation(world, settings):
    settings.OPPORTUNITY_REFRESH_WEEKS = 6
    opportunity = make_opportunity(world, refreshed_days=5 * 7 + 1)
    assert send_all(NOW)["opportunities"] == 1
    assert sent_to() == ["admin.a@example.se", "staff.a@example.se"]
    assert f"/matchmaking/opportunities/{opportunity.code}/" in mail.outbox[0].body
    assert "Sortering och butik" in mail.outbox[0].subject


@pytest.mark.parametrize(
    ("refreshed_days", "data", "nudged"),
    [
        (5 * 7 - 1, {}, False),  # refreshed less than five weeks ago
        (8 * 7, {}, True),  # already expired: still reminded (weekly) until refreshed
        (5 * 7 + 1, {"published": False}, False),
        (5 * 7 + 1, {"ends_on": dt.date.today() - dt.timedelta(days=1), "starts_on": dt.date(2024, 1, 1)}, False),
    ],
)
def test_which_opportunities_are_reminded(world, settings, refreshed_days, data, nudged):
    settings.OPPORTUNITY_REFRESH_WEEKS = 6
    make_opportunity(world, refreshed_days=refreshed_days, **data)
    assert send_all(NOW)["opportunities"] == int(nudged)


def test_the_lifetime_comes_from_the_setting(world, settings):
    settings.OPPORTUNITY_REFRESH_WEEKS = 3
    make_opportunity(world, refreshed_days=15)
    assert send_all(NOW)["opportunities"] == 1


# --- At most once a week -------------------------------------------------------------------------------
def test_each_thing_is_nudged_at_most_once_every_7_days(world, project, settings):
    settings.OPPORTUNITY_REFRESH_WEEKS = 6
    need = make_need(world, project, age_days=40)
    other_need = make_need(world, project, code="P-NUDGE2", age_days=1)
    propose(world, other_need, make_opportunity(world, refreshed_days=40), days=10)
    assert send_all(NOW) == {"needs": 1, "proposals": 1, "opportunities": 1}
    count = len(mail.outbox)
    assert count == 1 + 2 + 2
    assert send_all(NOW) == {"needs": 0, "proposals": 0, "opportunities": 0}
    assert send_all(NOW + dt.timedelta(days=6, hours=23)) == {"needs": 0, "proposals": 0, "opportunities": 0}
    assert len(mail.outbox) == count
    assert send_all(NOW + dt.timedelta(days=7)) == {"needs": 1, "proposals": 1, "opportunities": 1}
    assert Need.objects.get(pk=need.pk).nudged_at == NOW + dt.timedelta(days=7)


def test_a_failed_send_keeps_the_claim_and_the_retried_task_sends_once(world, project, monkeypatch):
    """The claim is not given back when a send fails: that recipient's task is retried (on a worker: by
    Celery) and sends once; a duplicate of a task that has sent sends nothing."""
    from django.core.mail.backends.locmem import EmailBackend

    need = make_need(world, project, age_days=40)
    [nudge] = nudges.nudges_claim(now=NOW)
    assert (nudge.kind, nudge.pk, nudge.recipient_ids) == ("need", need.pk, [world.officer_x.pk])
    arguments = {"kind": "need", "pk": need.pk, "user_id": world.officer_x.pk, "nudged_at": nudge.nudged_at}

    def broken(self, messages):
        raise ConnectionRefusedError("smtp down")

    with monkeypatch.context() as down:
        down.setattr(EmailBackend, "send_messages", broken)
        with pytest.raises(ConnectionRefusedError):
            nudges.nudge_send(**arguments)
    assert Need.objects.get(pk=need.pk).nudged_at == NOW
    assert nudges.nudge_send(**arguments) == 1  # the retry
    assert nudges.nudge_send(**arguments) == 0  # a redelivery
    assert sent_to() == ["officer.x@example.se"]
    assert send_all(NOW) == {"needs": 0, "proposals": 0, "opportunities": 0}


def test_someone_who_left_the_host_since_the_claim_is_not_written_to(world, project, settings):
    settings.OPPORTUNITY_REFRESH_WEEKS = 6
    opportunity = make_opportunity(world, refreshed_days=40)
    [nudge] = nudges.nudges_claim(now=NOW)
    assert sorted(nudge.recipient_ids) == sorted([world.staff_a.pk, world.admin_a.pk])
    world.staff_a.memberships.all().delete()
    for user_id in nudge.recipient_ids:
        nudges.nudge_send(kind="opportunity", pk=opportunity.pk, user_id=user_id, nudged_at=nudge.nudged_at)
    assert sent_to() == ["admin.a@example.se"]


def test_the_task_runs_daily_from_the_beat_schedule():
    from asfnet.celery import app

    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "matchmaking.tasks.send_nudges"]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert schedule.day_of_week == set(range(7)) and len(schedule.hour) == 1 and len(schedule.minute) == 1
    app.loader.import_default_modules()
    assert "matchmaking.tasks.send_nudges" in app.tasks


# --- On the real worker --------------------------------------------------------------------------------
@pytest.fixture
def celery_worker(transactional_db):
    from celery.contrib.testing.worker import start_worker

    from asfnet.celery import app as celery_app

    assert not celery_app.conf.task_always_eager, "these tests need the real broker"
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING") as worker:
        yield worker


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)  # committed rows, so the worker thread sees them
@override_settings(SITE_URL="https://asfnet.example.se", OPPORTUNITY_REFRESH_WEEKS=6)
def test_nudges_on_a_real_worker_go_out_once_even_when_enqueued_twice(celery_worker):
    from directory.models import OrganisationKind
    from kernel.tasks import ping
    from tests.factories import MembershipFactory, OrganisationFactory

    asf = OrganisationFactory(kind=OrganisationKind.ASF)
    MembershipFactory(organisation=asf, user__email="host.one@example.se", user__preferred_language="en")
    MembershipFactory(organisation=asf, user__email="host.two@example.se")
    opportunity = Opportunity.objects.create(
        organisation=asf,
        type="praktik",
        title="Praktik i snickeriet",
        municipality_id="2580",
        starts_on=dt.date.today(),
        refreshed_at=days_ago(40),
    )
    first = send_nudges.delay()
    second = send_nudges.delay()
    # The solo worker runs tasks in order: once the canary answers, both runs are done, and a second canary
    # answers after the per-recipient tasks the first run enqueued.
    assert ping.delay().get(timeout=20) == "pong"
    assert ping.delay().get(timeout=20) == "pong"
    assert first.id != second.id
    assert sent_to() == ["host.one@example.se", "host.two@example.se"]
    assert all("https://asfnet.example.se/matchmaking/opportunities/" in m.body for m in mail.outbox)
    assert Opportunity.objects.get(pk=opportunity.pk).nudged_at is not None
