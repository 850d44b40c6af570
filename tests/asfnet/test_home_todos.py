"""The to-do list on the home page (kernel/todos.py and each app's todos.py): what waits for the person, oldest
first, each with its action link, grouped by source with counts; each source's whole list at /todo/<name>/. Every
role sees exactly its own items: an ASF never another ASF's proposals, an officer only the participants their own
municipality raised. The page costs the same number of queries with 1 or 20 things waiting."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from directory.access import actor_for
from directory.models import Organisation
from events.models import Attendance, Event, RegistrationStatus
from kernel.todos import todo_date, todo_groups, todo_sources
from matchmaking.models import MatchStatus, Need, OutcomeEvent
from matchmaking.partners import services as partner_services
from tests.factories import (
    EventFactory,
    FundedProjectFactory,
    LabourMarketEventFactory,
    MatchFactory,
    NeedFactory,
    OpportunityFactory,
    ParticipantFactory,
    PartnerRequestFactory,
    RegistrationFactory,
    ReportRunFactory,
)

HOME = "/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SV = {"HTTP_ACCEPT_LANGUAGE": "sv"}
TODAY = timezone.localdate()


def todos(user) -> dict[str, list[str]]:
    """{source name: [item texts]} for this person, as the home page lists them."""
    with translation.override("en"):
        groups = todo_groups(actor_for(user), now=timezone.now(), limit=100)
        return {group.source.name: [item.text for item in group.items] for group in groups}


def names(user) -> set[str]:
    return {source.name for source in todo_sources(actor_for(user))}


@pytest.fixture
def project(db):
    return FundedProjectFactory()


def participant(world, project, code: str, organisation=None, **extra):
    return ParticipantFactory(
        project=project,
        code=code,
        raised_by_organisation=organisation or world.muni_x,
        entry_date=TODAY - dt.timedelta(days=400),
        **extra,
    )


def old_need(world, project, code: str, days: int = 20, organisation=None) -> Need:
    need = NeedFactory(participant=participant(world, project, code, organisation))
    Need.objects.filter(pk=need.pk).update(created_at=timezone.now() - dt.timedelta(days=days))
    return need


def _all_fresh_and_verified() -> None:
    """The world's organisations start unverified; most tests are about other things."""
    Organisation.objects.update(verified_at=timezone.now(), confirmed_at=timezone.now())


# --- Who sees which sources ---------------------------------------------------------------------------------
def test_each_role_has_its_own_sources(world):
    assert names(world.staff_a) == {
        "proposals-to-answer",
        "partner-requests",
        "profile-confirmation",
        "attendance",
        "registrations-to-approve",
    }
    assert names(world.business_member) == {"profile-confirmation", "attendance", "registrations-to-approve"}
    assert names(world.officer_x) == {
        "needs-without-proposal",
        "proposals-waiting",
        "placements-ending",
        "results-on-leaving",
        "results-six-months",
    }
    assert names(world.coordinator) == {
        "awaiting-verification",
        "verification-due",
        "stale-profiles",
        "certifications-awaiting",
        "unmatched-needs",
        "failed-reports",
        "retention-overdue",
    }


# --- ASF staff ----------------------------------------------------------------------------------------------
def test_an_asf_sees_proposals_for_its_own_opportunities_only(world, project):
    _all_fresh_and_verified()
    mine = MatchFactory(
        need=NeedFactory(participant=participant(world, project, "P-MINE")),
        opportunity=OpportunityFactory(organisation=world.org_a, title="Återbruket"),
    )
    MatchFactory(
        need=NeedFactory(participant=participant(world, project, "P-THEIRS")),
        opportunity=OpportunityFactory(organisation=world.org_b, title="Caféet"),
    )
    MatchFactory(
        need=NeedFactory(participant=participant(world, project, "P-ACCEPTED")),
        opportunity=OpportunityFactory(organisation=world.org_a),
        status=MatchStatus.ACCEPTED,
    )
    assert set(todos(world.staff_a)) == {"proposals-to-answer"}
    [text] = todos(world.staff_a)["proposals-to-answer"]
    assert "P-MINE" in text and "Återbruket" in text
    [other] = todos(world.staff_b)["proposals-to-answer"]
    assert "P-THEIRS" in other and "P-MINE" not in other
    group = todo_groups(actor_for(world.staff_a), now=timezone.now())[0]
    assert group.items[0].url == reverse("matchmaking:match_detail", kwargs={"code": mine.code})


def test_an_asf_sees_the_partner_requests_that_suggest_it_until_it_answers(world):
    _all_fresh_and_verified()
    world.org_a.services.add(*world.org_a.services.model.objects.filter(slug="stad"))
    request = PartnerRequestFactory(organisation=world.business, title="Städning av kontoret", municipality="2580")
    PartnerRequestFactory(organisation=world.business, title="Städning i Kiruna", municipality="2584")
    assert set(todos(world.staff_a)) == {"partner-requests"}
    [text] = todos(world.staff_a)["partner-requests"]
    assert "Städning av kontoret" in text
    assert "partner-requests" not in todos(world.staff_b)  # B is in Piteå
    partner_services.partner_response_set(
        actor=actor_for(world.staff_a), request=request, organisation=world.org_a, answer="interested", note=""
    )
    assert "partner-requests" not in todos(world.staff_a)


def test_a_member_is_asked_to_confirm_their_own_stale_profile(world):
    _all_fresh_and_verified()
    Organisation.objects.filter(pk=world.org_a.pk).update(confirmed_at=timezone.now() - relativedelta(months=7))
    [text] = todos(world.staff_a)["profile-confirmation"]
    assert world.org_a.name in text
    assert "profile-confirmation" not in todos(world.staff_b)
    groups = todo_groups(actor_for(world.admin_a), now=timezone.now())
    assert groups[0].items[0].url == reverse("directory:confirm", kwargs={"code": world.org_a.code})


def test_an_organiser_is_asked_to_mark_attendance_of_its_past_events(world):
    _all_fresh_and_verified()
    past = EventFactory(organiser=world.org_a, past=True, title_sv="Förra träffen", title_en="Förra träffen")
    registration = RegistrationFactory(event=past)
    RegistrationFactory(event=past, present=True)
    EventFactory(organiser=world.org_a, title_sv="Kommande träff", registrations=2)  # not yet held
    EventFactory(organiser=world.org_b, past=True, registrations=1)
    [text] = todos(world.staff_a)["attendance"]
    assert "Förra träffen" in text and ": 1 " in text
    assert [len(items) for items in todos(world.staff_b).values()] == [1]
    type(registration).objects.filter(pk=registration.pk).update(attendance=Attendance.ABSENT)
    assert "attendance" not in todos(world.staff_a)


def test_an_organiser_is_asked_to_decide_on_registrations_awaiting_approval(world):
    _all_fresh_and_verified()
    visit = EventFactory(organiser=world.org_a, title_sv="Studiebesök", title_en="Studiebesök", requires_approval=True)
    waiting = RegistrationFactory(event=visit, status=RegistrationStatus.AWAITING_APPROVAL)
    RegistrationFactory(event=visit, status=RegistrationStatus.AWAITING_APPROVAL)
    RegistrationFactory(event=visit)  # already accepted
    other = EventFactory(organiser=world.org_b, requires_approval=True)
    RegistrationFactory(event=other, status=RegistrationStatus.AWAITING_APPROVAL)
    ended = EventFactory(organiser=world.org_a, past=True, requires_approval=True)
    RegistrationFactory(event=ended, status=RegistrationStatus.AWAITING_APPROVAL)  # too late to decide
    [text] = todos(world.staff_a)["registrations-to-approve"]
    assert "Studiebesök" in text and ": 2 " in text
    assert todos(world.admin_a)["registrations-to-approve"] == [text]  # every member of the organiser
    [other_text] = todos(world.staff_b)["registrations-to-approve"]
    assert "Studiebesök" not in other_text
    type(waiting).objects.filter(event=visit).exclude(pk=waiting.pk).update(status=RegistrationStatus.REFUSED)
    [text] = todos(world.staff_a)["registrations-to-approve"]
    assert ": 1 " in text
    waiting.status = RegistrationStatus.CONFIRMED
    waiting.save(update_fields=["status"])
    assert "registrations-to-approve" not in todos(world.staff_a)


# --- Officers -----------------------------------------------------------------------------------------------
def test_an_officer_sees_needs_without_a_proposal_of_their_own_municipality_only(world, project, settings):
    settings.NEED_WITHOUT_PROPOSAL_DAYS = 14
    old_need(world, project, "P-OLD", days=20)
    old_need(world, project, "P-NEW", days=3)
    old_need(world, project, "P-PITEA", days=20, organisation=world.muni_y)
    proposed = old_need(world, project, "P-PROPOSED", days=30)
    MatchFactory(need=proposed, opportunity=OpportunityFactory(organisation=world.org_a))
    texts = todos(world.officer_x)["needs-without-proposal"]
    assert len(texts) == 1 and "P-OLD" in texts[0]
    [pitea] = todos(world.officer_y)["needs-without-proposal"]
    assert "P-PITEA" in pitea
    settings.NEED_WITHOUT_PROPOSAL_DAYS = 2
    assert len(todos(world.officer_x)["needs-without-proposal"]) == 2


def test_an_officer_sees_their_proposals_waiting_and_placements_ending(world, project):
    waiting = MatchFactory(
        need=NeedFactory(participant=participant(world, project, "P-WAIT")),
        opportunity=OpportunityFactory(organisation=world.org_a),
    )
    MatchFactory(
        need=NeedFactory(participant=participant(world, project, "P-ELSEWHERE", world.muni_y)),
        opportunity=OpportunityFactory(organisation=world.org_a),
    )
    ending = MatchFactory(
        need=NeedFactory(participant=participant(world, project, "P-ENDING")),
        opportunity=OpportunityFactory(organisation=world.org_b, ends_on=TODAY + dt.timedelta(days=10)),
        status=MatchStatus.STARTED,
    )
    MatchFactory(
        need=NeedFactory(participant=participant(world, project, "P-LATER")),
        opportunity=OpportunityFactory(organisation=world.org_b, ends_on=TODAY + dt.timedelta(days=40)),
        status=MatchStatus.STARTED,
    )
    mine = todos(world.officer_x)
    assert len(mine["proposals-waiting"]) == 1 and "P-WAIT" in mine["proposals-waiting"][0]
    assert len(mine["placements-ending"]) == 1 and "P-ENDING" in mine["placements-ending"][0]
    assert "placements-ending" not in todos(world.officer_y)
    assert [len(t) for t in todos(world.officer_y).values()] == [1]  # P-ELSEWHERE's proposal
    groups = {g.source.name: g for g in todo_groups(actor_for(world.officer_x), now=timezone.now())}
    waiting_url = reverse("matchmaking:match_detail", kwargs={"code": waiting.code})
    assert groups["proposals-waiting"].items[0].url == waiting_url
    assert groups["placements-ending"].items[0].since == ending.opportunity.ends_on


def test_results_to_record_follow_the_esf_windows(world, project):
    # Left ten days ago, nothing recorded: the situation upon leaving is due (W = exit … exit + 28 days).
    recent = participant(world, project, "P-LEFT", exit_date=TODAY - dt.timedelta(days=10))
    # Left almost six months ago: F = S − 28 … S + 28 has opened (S is ten days ahead).
    six = participant(world, project, "P-SIX", exit_date=TODAY - relativedelta(months=6) + dt.timedelta(days=10))
    # Still taking part, or left with the situation recorded during participation (it counts: a job begun before).
    participant(world, project, "P-ONGOING")
    done = participant(world, project, "P-DONE", exit_date=TODAY - dt.timedelta(days=5))
    LabourMarketEventFactory(participant=done, date=TODAY - dt.timedelta(days=30), event=OutcomeEvent.EMPLOYED)
    # Another municipality's leaver.
    participant(world, project, "P-PITEA", world.muni_y, exit_date=TODAY - dt.timedelta(days=3))

    mine = todos(world.officer_x)
    leaving = mine["results-on-leaving"]
    assert [t.split(" ")[1] for t in leaving] == ["P-SIX", "P-LEFT"]  # oldest exit first
    assert ["P-SIX" in t for t in mine["results-six-months"]] == [True]
    assert all("P-PITEA" not in t for texts in mine.values() for t in texts)

    # Education is no labour-market situation: it does not settle the situation upon leaving.
    LabourMarketEventFactory(participant=recent, date=TODAY - dt.timedelta(days=2), event=OutcomeEvent.EDUCATION)
    assert len(todos(world.officer_x)["results-on-leaving"]) == 2
    LabourMarketEventFactory(participant=recent, date=TODAY - dt.timedelta(days=2), event=OutcomeEvent.JOB_SEEKING)
    # A job at exit settles the situation upon leaving, not the six-month follow-up (it must be observed in F).
    assert six.exit_date is not None
    LabourMarketEventFactory(participant=six, date=six.exit_date + dt.timedelta(days=3), event=OutcomeEvent.EMPLOYED)
    after = todos(world.officer_x)
    assert "results-on-leaving" not in after
    assert len(after["results-six-months"]) == 1
    LabourMarketEventFactory(participant=six, date=TODAY, event=OutcomeEvent.EMPLOYED)
    assert todos(world.officer_x) == {}


def test_the_six_month_follow_up_waits_until_its_window_opens(world, project):
    participant(world, project, "P-EARLY", exit_date=TODAY - relativedelta(months=4))
    mine = todos(world.officer_x)
    assert "results-six-months" not in mine and len(mine["results-on-leaving"]) == 1


# --- Coordinators -------------------------------------------------------------------------------------------
def test_a_coordinator_sees_the_network_work(world, project, settings):
    settings.VERIFICATION_VALID_MONTHS = 12
    _all_fresh_and_verified()
    now = timezone.now()
    Organisation.objects.filter(pk=world.org_a.pk).update(verified_at=None)
    expiring_soon = now - relativedelta(months=12) + dt.timedelta(days=10)
    Organisation.objects.filter(pk=world.org_b.pk).update(verified_at=expiring_soon)
    Organisation.objects.filter(pk=world.business.pk).update(verified_at=now - relativedelta(months=13))
    Organisation.objects.filter(pk=world.hidden_org.pk).update(confirmed_at=now - relativedelta(months=7))
    NeedFactory(participant=participant(world, project, "P-ALONE"))
    failed = ReportRunFactory(failed=True, project=project)
    ReportRunFactory(failed=True, project=project, period_from=dt.date(2025, 4, 1), period_to=dt.date(2025, 6, 30))
    ReportRunFactory(succeeded=True, project=project, period_from=dt.date(2025, 4, 1), period_to=dt.date(2025, 6, 30))
    overdue = EventFactory(
        organiser=world.org_a, past=True, retention_days=1, title_sv="Gammal träff", title_en="Gammal träff"
    )
    RegistrationFactory(event=overdue)
    kept = EventFactory(organiser=world.org_a, past=True, retention_days=60)
    RegistrationFactory(event=kept)

    mine = todos(world.coordinator)
    assert [world.org_a.name in t for t in mine["awaiting-verification"]] == [True]
    due = mine["verification-due"]
    assert [world.business.name in due[0], world.org_b.name in due[1]] == [True, True]  # expired first
    assert "expired" in due[0] and "expires" in due[1]
    assert len(mine["stale-profiles"]) == 1 and world.hidden_org.name in mine["stale-profiles"][0]
    assert len(mine["unmatched-needs"]) == 1 and "P-ALONE" in mine["unmatched-needs"][0]
    assert len(mine["failed-reports"]) == 1
    assert len(mine["retention-overdue"]) == 1 and "Gammal träff" in mine["retention-overdue"][0]
    assert "certifications-awaiting" not in mine  # nothing has been sent for approval
    groups = {g.source.name: g for g in todo_groups(actor_for(world.coordinator), now=now)}
    assert groups["failed-reports"].items[0].url == reverse("reports:run_detail", kwargs={"code": failed.code})
    org_b = Organisation.objects.get(pk=world.org_b.pk)
    assert groups["verification-due"].items[1].since == org_b.verification_expires_at
    # The events' own purge reads the same selector: what the to-do lists is what the purge would erase.
    from events.services import events_purge_due

    assert [e.target_id for e in events_purge_due(now=now, dry_run=True)] == [str(overdue.code)]
    assert Event.objects.past_retention(now).count() == 1

    for other in (world.staff_a, world.officer_x, world.business_member):
        assert not set(todos(other)) & set(mine)


# --- The pages ----------------------------------------------------------------------------------------------
def test_the_home_page_groups_the_items_with_counts_and_action_links(client, world, project):
    _all_fresh_and_verified()
    for n in range(7):
        MatchFactory(
            need=NeedFactory(participant=participant(world, project, f"P-{n:03d}")),
            opportunity=OpportunityFactory(organisation=world.org_a),
            proposed_at=timezone.now() - dt.timedelta(days=10 - n),
        )
    client.force_login(world.staff_a)
    page = client.get(HOME, **EN).content.decode()
    assert "What waits for you" in page and "Placement proposals to answer" in page
    assert page.index("P-000") < page.index("P-004")  # oldest first
    assert "P-005" not in page and "See all 7" in page
    assert reverse("todo_list", kwargs={"name": "proposals-to-answer"}) in page
    assert "Answer the proposal" in page
    sv = client.get(HOME, **SV).content.decode()
    assert "Det här väntar på dig" in sv and "Platsförslag att besvara" in sv


def test_nothing_waiting_says_so(client, world):
    _all_fresh_and_verified()
    client.force_login(world.staff_b)
    assert "Nothing waits for you right now." in client.get(HOME, **EN).content.decode()


def test_the_whole_list_of_a_source_pages_and_is_only_for_its_role(client, world, project):
    _all_fresh_and_verified()
    for n in range(30):
        MatchFactory(
            need=NeedFactory(participant=participant(world, project, f"P-{n:03d}")),
            opportunity=OpportunityFactory(organisation=world.org_a),
            proposed_at=timezone.now() - dt.timedelta(days=40 - n),
        )
    url = reverse("todo_list", kwargs={"name": "proposals-to-answer"})
    client.force_login(world.staff_a)
    first = client.get(url, **EN).content.decode()
    assert "30 things wait for you" in first and "P-000" in first and "P-025" not in first
    second = client.get(url + "?page=2", **EN).content.decode()
    assert "P-025" in second and "P-000" not in second
    client.force_login(world.officer_x)
    assert client.get(url).status_code == 404
    assert client.get(reverse("todo_list", kwargs={"name": "no-such-list"})).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def _queries(client, user) -> int:
    client.force_login(user)
    client.get(HOME)  # the first request of a session also stores things once (the session, caches)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    return len(queries)


def _asf_items(world, project, n: int) -> None:
    opportunity = OpportunityFactory(organisation=world.org_a)
    past = EventFactory(organiser=world.org_a, past=True)
    for i in range(n):
        MatchFactory(need=NeedFactory(participant=participant(world, project, f"P-A{n}-{i}")), opportunity=opportunity)
        RegistrationFactory(event=past)
        EventFactory(organiser=world.org_a, past=True, registrations=1)


def _officer_items(world, project, n: int) -> None:
    opportunity = OpportunityFactory(organisation=world.org_a, ends_on=TODAY + dt.timedelta(days=5))
    for i in range(n):
        old_need(world, project, f"P-N{n}-{i}", days=30)
        MatchFactory(need=NeedFactory(participant=participant(world, project, f"P-W{n}-{i}")), opportunity=opportunity)
        MatchFactory(
            need=NeedFactory(participant=participant(world, project, f"P-S{n}-{i}")),
            opportunity=OpportunityFactory(organisation=world.org_b, ends_on=TODAY + dt.timedelta(days=5)),
            status=MatchStatus.STARTED,
        )
        participant(world, project, f"P-X{n}-{i}", exit_date=TODAY - relativedelta(months=6) + dt.timedelta(days=3))


def _coordinator_items(world, project, n: int) -> None:
    for i in range(n):
        organisation = Organisation.objects.create(
            name=f"Ny organisation {n}-{i}", kind="asf", orgnr=f"55{n:02d}{i:02d}0000"[:10], kommunkod_id="2580"
        )
        Organisation.objects.filter(pk=organisation.pk).update(confirmed_at=timezone.now() - relativedelta(months=8))
        NeedFactory(participant=participant(world, project, f"P-C{n}-{i}"))
        start = dt.date(2020, 1, 1) + dt.timedelta(days=n * 100 + i)
        ReportRunFactory(failed=True, project=project, period_from=start, period_to=start)
        event = EventFactory(organiser=world.org_a, past=True, retention_days=1)
        RegistrationFactory(event=event)


@pytest.mark.parametrize(
    ("role", "make"),
    [("staff_a", _asf_items), ("officer_x", _officer_items), ("coordinator", _coordinator_items)],
)
def test_the_home_page_costs_the_same_queries_with_1_or_20_things_waiting(
    client, world, project, role, make, django_assert_max_num_queries
):
    user = getattr(world, role)
    make(world, project, 1)
    with_one = _queries(client, user)
    groups_one = todo_groups(actor_for(user), now=timezone.now())
    make(world, project, 20)
    with_twenty = _queries(client, user)
    groups_twenty = todo_groups(actor_for(user), now=timezone.now())
    assert groups_one and [g.total for g in groups_twenty] > [g.total for g in groups_one]
    assert with_twenty == with_one
    client.force_login(user)
    with django_assert_max_num_queries(40):
        client.get(HOME)


def test_a_certification_whose_evidence_was_sent_waits_for_the_coordinators_only(world):
    from directory.factories import CertificationFactory

    sent = CertificationFactory(
        organisation=world.org_b, pending=True, evidence="certifications/intyg.pdf", evidence_uploaded_at=timezone.now()
    )
    CertificationFactory(organisation=world.org_a, pending=True)  # nothing sent yet: not for review
    CertificationFactory(organisation=world.org_a, lou_reserved=True)  # approved

    mine = todos(world.coordinator)
    assert len(mine["certifications-awaiting"]) == 1 and world.org_b.name in mine["certifications-awaiting"][0]
    group = {g.source.name: g for g in todo_groups(actor_for(world.coordinator), now=timezone.now())}
    assert group["certifications-awaiting"].items[0].url == reverse(
        "directory:certification_decide", kwargs={"code": world.org_b.code, "certification": sent.code}
    )
    for role in ("staff_a", "admin_a", "staff_b", "officer_x", "business_member"):
        assert "certifications-awaiting" not in todos(getattr(world, role)), role


def test_an_item_names_a_moment_by_the_day_it_is_where_the_reader_lives():
    """kernel.todos.todo_date: a date as it is; a moment as its day in Stockholm (23:30 UTC on 31 December
    is already 1 January there), in the date format of the reader's language."""
    late = dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)
    with translation.override("en"):
        assert todo_date(dt.date(2025, 12, 31)) == todo_date(dt.datetime(2025, 12, 31, 12, tzinfo=dt.UTC))
        assert todo_date(late) == todo_date(dt.date(2026, 1, 1)) != todo_date(dt.date(2025, 12, 31))
        assert "2026" in todo_date(late)
