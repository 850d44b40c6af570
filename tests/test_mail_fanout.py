"""Notification fan-out on a real Celery worker: every fan-out (a placement step to the host's members, the
matchmaking nudges, the directory's freshness nudge, event reminders, saved-search digests, a notification
e-mailed at once, the daily summary of notifications) sends one task per recipient, so when the mail server
refuses one recipient once, that recipient's task is retried alone and every recipient gets exactly one
e-mail — none twice, none lost."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from asfnet.celery import app as celery_app
from directory.models import Organisation, OrganisationKind, SavedSearch
from directory.tasks import nudge_stale_organisations, send_saved_search_digests
from events.tasks import send_event_reminders
from kernel.tasks import ping
from matchmaking.tasks import send_nudges
from notifications.services import notify, preferences_set
from notifications.tasks import send_daily_digests
from tests.factories import (
    EventFactory,
    MatchFactory,
    MembershipFactory,
    NeedFactory,
    OpportunityFactory,
    OrganisationFactory,
    RegistrationFactory,
    UserFactory,
)
from tests.faults import FlakyEmailBackend, wait_for

# Three recipients; the last in every fan-out's order is refused once, so with one task for all of them the
# retry would repeat the first two.
ADDRESSES = ["anna@example.se", "bertil@example.se", "cecilia@example.se"]


def _members(organisation) -> None:
    for address in ADDRESSES:
        MembershipFactory(organisation=organisation, user__email=address)


def placement_proposed():
    """The officer proposes through the service: the host's members are notified, one e-mail task each."""
    need, opportunity = NeedFactory(), OpportunityFactory()
    _members(opportunity.organisation)
    officer = MembershipFactory(organisation=need.participant.raised_by_organisation).user
    return lambda: MatchFactory(need=need, opportunity=opportunity, actor=officer)


def matchmaking_nudge():
    organisation = OrganisationFactory(kind=OrganisationKind.ASF)
    _members(organisation)
    OpportunityFactory(organisation=organisation, stale=True)
    return send_nudges.delay


def directory_nudge():
    organisation = OrganisationFactory()
    _members(organisation)
    Organisation.objects.filter(pk=organisation.pk).update(confirmed_at=timezone.now() - dt.timedelta(days=400))
    return nudge_stale_organisations.delay


def event_reminder():
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(12)))
    event = EventFactory(start=start, end=start + dt.timedelta(hours=2))
    for address in ADDRESSES:
        RegistrationFactory(event=event, guest_email=address)
    return send_event_reminders.delay


def saved_search_digest():
    for address in ADDRESSES:
        SavedSearch.objects.create(
            user=UserFactory(email=address),
            name="ASF",
            query_string="kind=asf",
            last_notified_at=timezone.now() - dt.timedelta(days=7),
        )
    OrganisationFactory(name="Veckans ASF", kind=OrganisationKind.ASF)
    return send_saved_search_digests.delay


def notification_at_once():
    users = [UserFactory(email=address) for address in ADDRESSES]
    return lambda: notify(kind="outdated_report", recipients=users, url="/directory/", params={"organisation": "A"})


def notification_summary():
    for address in ADDRESSES:
        user = UserFactory(email=address)
        preferences_set(user=user, choices={"outdated_report": "daily"})
        notify(kind="outdated_report", recipients=[user], url="/directory/", params={"organisation": "A"})
    return send_daily_digests.delay


FANOUTS = [
    placement_proposed,
    matchmaking_nudge,
    directory_nudge,
    event_reminder,
    saved_search_digest,
    notification_at_once,
    notification_summary,
]


@pytest.fixture
def celery_worker(transactional_db):
    assert not celery_app.conf.task_always_eager, "these tests need the real broker"
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING") as worker:
        yield worker


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = "tests.faults.FlakyEmailBackend"
    settings.EMAIL_RETRY_BASE_SECONDS = 1  # the retried task runs a second later
    FlakyEmailBackend.reset(fail_once={ADDRESSES[-1]})
    yield FlakyEmailBackend
    FlakyEmailBackend.reset(fail_once=set())


def _sent() -> Counter[str]:
    return Counter(address for message in mail.outbox for address in message.to)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)  # committed rows, so the worker thread sees them
@pytest.mark.parametrize("fanout", FANOUTS, ids=lambda f: f.__name__)
def test_a_retry_after_a_partial_failure_sends_each_recipient_exactly_once(celery_worker, flaky_mail, fanout):
    start = fanout()
    start()
    assert wait_for(lambda: set(_sent()) == set(ADDRESSES), timeout=45), (_sent(), flaky_mail.refused)
    # Anything still queued behind the retry (a repeat of the first recipients) runs before the canary answers.
    time.sleep(1.5)
    assert ping.delay().get(timeout=20) == "pong"
    assert flaky_mail.refused == [ADDRESSES[-1]], "the planted failure happened"
    assert _sent() == Counter(ADDRESSES), "each recipient exactly once"
