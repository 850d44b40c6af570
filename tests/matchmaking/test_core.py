"""Matchmaking core: participant scope and audit, ESF+ data rules, scoring with reasons, the pipeline and
the race for the last place."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from directory.access import actor_for
from directory.factories import ForbundFactory
from directory.models import ServiceCategory
from kernel.models import AuditLog
from matchmaking import scoring, services
from matchmaking.access import match_for_user, participant_for_user
from matchmaking.models import (
    Adaptation,
    FundedProject,
    LabourMarketEvent,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Opportunity,
    OpportunityType,
    Participant,
    Weekday,
)
from notifications.models import Notification
from notifications.tasks import send_notification_email
from tests.factories import by_code

TODAY = dt.date.today()


@pytest.fixture(autouse=True)
def _english():
    """Reason texts are compared in English (the source language); e-mail tests set their own language."""
    with translation.override("en"):
        yield


@pytest.fixture
def project(db):
    return FundedProject.objects.create(
        forbund=ForbundFactory(), diarienummer="23-051-S06", name="Samverkan för ASF i södra Norrbotten 2.0"
    )


@pytest.fixture
def mails(monkeypatch):
    """The kinds of the notifications whose e-mail task was enqueued (one per recipient); no task runs."""
    sent: list[str] = []
    monkeypatch.setattr(
        send_notification_email, "delay_on_commit", lambda pk: sent.append(Notification.objects.get(pk=pk).kind)
    )
    return sent


def notified(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


def participant(world, project, *, organisation=None, actor=None, **data) -> Participant:
    fields = {
        "gender": "woman",
        "birth_date": dt.date(1997, 6, 15),
        "entry_date": dt.date(2024, 6, 15),
        "status_at_entry": "unemployed",
        "unemployed_months": 14,
        "isced": "3-4",
        "municipality": "2580",
        "disability": True,
    }
    fields.update(data)
    return services.participant_create(
        actor=actor_for(actor or world.officer_x),
        project=project,
        organisation=organisation or world.muni_x,
        data=by_code(fields),
    )


def need(world, p, **data) -> Need:
    fields = {
        "hours_per_week": 20,
        "times": [Weekday.MORNINGS],
        "municipality": "2581",
        "travel_km": 10,
        "adaptations": [Adaptation.CALM],
        "supervisor_needed": True,
        "earliest_start": TODAY,
        "free_text": "Vill ha lugnt och praktiskt arbete nära hemmet.",
    }
    fields.update(data)
    services_ = fields.pop("services", [])
    return services.need_create(
        actor=actor_for(world.officer_x), participant=p, data=by_code(fields), services=services_
    )


def opportunity(world, org=None, **data) -> Opportunity:
    fields = {
        "type": OpportunityType.WORK_TRAINING,
        "title": "Arbetsträning i caféet",
        "municipality": "2581",
        "hours_per_week_min": 10,
        "hours_per_week_max": 30,
        "times": [Weekday.MORNINGS],
        "places_total": 2,
        "adaptations": [Adaptation.CALM],
        "supervisor_available": True,
        "starts_on": TODAY,
    }
    fields.update(data)
    return services.opportunity_create(
        actor=actor_for(world.coordinator), organisation=org or world.org_a, data=by_code(fields)
    )


# --- Scope and audit ---------------------------------------------------------------------------------------
@pytest.mark.security("C12")
@pytest.mark.adversarial("C")
def test_officer_sees_only_their_own_municipalitys_participants(world, project):
    p_x = participant(world, project)
    p_y = participant(world, project, organisation=world.muni_y, actor=world.officer_y)
    assert list(Participant.objects.visible_to(actor_for(world.officer_x))) == [p_x]
    with pytest.raises(Http404):
        participant_for_user(actor=actor_for(world.officer_x), code=p_y.code)
    for outsider in (world.staff_a, world.admin_a, world.business_member, world.staff_b):
        assert not Participant.objects.visible_to(actor_for(outsider)).exists()
        with pytest.raises(Http404):
            participant_for_user(actor=actor_for(outsider), code=p_x.code)
    assert set(Participant.objects.visible_to(actor_for(world.coordinator))) == {p_x, p_y}


@pytest.mark.security("H38")
@pytest.mark.adversarial("H")
def test_every_read_of_a_participant_is_audited_without_values(world, project):
    p = participant(world, project)
    participant_for_user(actor=actor_for(world.officer_x), code=p.code)
    row = AuditLog.objects.get(action="participant.read")
    assert row.actor == world.officer_x
    assert row.target_id == p.audit_target_id == f"{p.project_id}:{p.code}"  # the pseudonym, never personal data
    assert "disability" not in str(row.data) and "1997" not in str(row.data)


@pytest.mark.security("C14")
@pytest.mark.adversarial("C")
def test_an_officer_cannot_raise_participants_for_another_municipality(world, project):
    with pytest.raises(PermissionDenied):
        participant(world, project, organisation=world.muni_y)
    with pytest.raises(PermissionDenied):
        participant(world, project, organisation=world.org_a, actor=world.admin_a)


# --- ESF+ data rules ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"exit_date": dt.date(2024, 6, 1)}, "exit_date"),
        ({"status_at_entry": "inactive", "unemployed_months": 3}, "unemployed_months"),
        ({"unemployed_months": None}, "unemployed_months"),
        ({"birth_date": dt.date(2025, 1, 1)}, "birth_date"),
        ({"code": "19900101-0017"}, "code"),
        ({"gender": "other"}, "gender"),
        ({"isced": "9"}, "isced"),
    ],
)
def test_participant_data_is_validated_and_nothing_saved(world, project, data, field):
    with pytest.raises(ValidationError) as error:
        participant(world, project, **data)
    assert field in error.value.message_dict
    assert not Participant.objects.exists()


def test_improved_is_only_for_people_employed_at_entry_and_events_not_before_entry(world, project):
    unemployed = participant(world, project)
    with pytest.raises(ValidationError):
        services.outcome_record(
            actor=actor_for(world.officer_x), participant=unemployed, date=dt.date(2024, 12, 1), event="improved"
        )
    with pytest.raises(ValidationError):
        services.outcome_record(
            actor=actor_for(world.officer_x), participant=unemployed, date=dt.date(2024, 1, 1), event="employed"
        )
    employed = participant(world, project, status_at_entry="employed", unemployed_months=None, code="EMP-1")
    services.outcome_record(
        actor=actor_for(world.officer_x),
        participant=employed,
        date=dt.date(2025, 1, 1),
        event="improved",
        criterion="more_hours",
    )
    assert LabourMarketEvent.objects.filter(event="improved", criterion="more_hours").count() == 1


@pytest.mark.parametrize(
    ("event", "criterion", "field"),
    [
        ("improved", "", "criterion"),  # what improved is required
        ("improved", "pay_rise", "criterion"),  # one of the Commission's four, a pay rise is none
        ("employed", "promotion", "criterion"),  # a criterion only on `improved`
    ],
)
def test_improved_needs_one_of_the_four_criteria_and_no_other_event_has_one(world, project, event, criterion, field):
    employed = participant(world, project, status_at_entry="employed", unemployed_months=None, code="EMP-1")
    with pytest.raises(ValidationError) as error:
        services.outcome_record(
            actor=actor_for(world.officer_x),
            participant=employed,
            date=dt.date(2025, 1, 1),
            event=event,
            criterion=criterion,
        )
    assert list(error.value.message_dict) == [field]
    assert not LabourMarketEvent.objects.exists()


def test_an_event_dated_after_today_is_refused(world, project):
    person = participant(world, project)
    tomorrow = dt.date.today() + dt.timedelta(days=2)  # two days: today is the same in Stockholm and in UTC
    with pytest.raises(ValidationError) as error:
        services.outcome_record(actor=actor_for(world.officer_x), participant=person, date=tomorrow, event="employed")
    assert error.value.message_dict == {
        "date": ["A labour-market event cannot be dated in the future: record it when it has happened."]
    }
    services.outcome_record(
        actor=actor_for(world.officer_x), participant=person, date=dt.date.today(), event="employed"
    )
    assert LabourMarketEvent.objects.count() == 1


def test_the_database_refuses_a_criterion_on_another_event(world, project):
    from django.db import IntegrityError, transaction

    person = participant(world, project)
    with pytest.raises(IntegrityError), transaction.atomic():
        LabourMarketEvent.objects.create(
            participant=person, date=dt.date(2025, 1, 1), event="employed", criterion="promotion"
        )


def test_an_improved_event_recorded_without_criterion_stays_and_is_completed_not_repeated(world, project):
    """Events recorded before the criterion was required keep their place; recording the same improvement
    with its criterion completes the event instead of adding a second one."""
    employed = participant(world, project, status_at_entry="employed", unemployed_months=None, code="EMP-1")
    legacy = LabourMarketEvent.objects.create(participant=employed, date=dt.date(2025, 1, 1), event="improved")
    legacy.full_clean()  # a stored event is not refused for the criterion it was recorded without
    assert legacy.criterion_missing
    assert list(LabourMarketEvent.objects.criterion_missing()) == [legacy]
    completed = services.outcome_record(
        actor=actor_for(world.officer_x),
        participant=employed,
        date=dt.date(2025, 1, 1),
        event="improved",
        criterion="promotion",
    )
    assert completed.pk == legacy.pk and completed.criterion == "promotion"
    assert LabourMarketEvent.objects.count() == 1
    assert not LabourMarketEvent.objects.criterion_missing().exists()
    assert AuditLog.objects.filter(action="participant.outcome_complete", target_id=employed.audit_target_id).exists()


def test_age_is_completed_years_on_the_entry_date(world, project):
    p = participant(world, project, birth_date=dt.date(1997, 6, 15), entry_date=dt.date(2024, 6, 15))
    assert p.age_on(p.entry_date) == 27
    assert p.age_on(dt.date(2024, 6, 14)) == 26


@pytest.mark.security("H40")
@pytest.mark.adversarial("H")
def test_personnummer_in_a_need_is_refused(world, project):
    p = participant(world, project)
    with pytest.raises(ValidationError):
        need(world, p, free_text="Personen har pnr 900101-0017")
    assert not Need.objects.exists()


# --- Scoring ----------------------------------------------------------------------------------------------
def test_scoring_ranks_the_best_fit_first_with_reasons_in_plain_words(world, project):
    catering = ServiceCategory.objects.get(slug="catering")
    p = participant(world, project)
    n = need(world, p, services=[catering], occupation_codes=["5120"])
    best = opportunity(world, title="Kök, förmiddagar", service=catering, occupation_code="5120")
    far = opportunity(world, title="Lager i Boden", municipality="2582")
    afternoons = opportunity(
        world, title="Café eftermiddag", service=catering, times=[Weekday.AFTERNOONS], supervisor_available=False
    )

    ranked = scoring.suggestions(n)
    assert [s.opportunity for s in ranked] == [best, afternoons], "Boden is beyond the 10 km the person travels"
    top = ranked[0]
    fits = [r.text for r in top.fits]
    assert "same municipality" in fits
    assert "kind of work matches" in fits
    assert "field matches" in fits
    assert "offers mornings" in fits
    assert "supervisor on site" in fits
    assert "starts in time" in fits
    assert top.score == 25 + 20 + 15 + 10 + 10 + 10 + 5 + 5
    misfits = [r.text for r in ranked[1].misfits]
    assert "other times of day than wanted" in misfits
    assert "no supervisor on site" in misfits
    assert far not in [s.opportunity for s in ranked]


def test_a_person_who_travels_further_sees_the_neighbouring_town_with_fewer_points(world, project):
    p = participant(world, project)
    n = need(world, p, travel_km=60, municipality="2581")
    here = opportunity(world, title="Här")
    there = opportunity(world, title="Älvsbyn", municipality="2560")
    ranked = scoring.suggestions(n)
    assert [s.opportunity for s in ranked] == [here, there]
    assert "within travelling distance (50 km)" in [r.text for r in ranked[1].fits]


def test_points_and_score_agree_for_every_candidate(world, project):
    catering = ServiceCategory.objects.get(slug="catering")
    p = participant(world, project)
    n = need(world, p, services=[catering], occupation_codes=["5120"], travel_km=80, adaptations=["calm", "physical"])
    opportunity(world, title="A", service=catering, occupation_code="5120")
    opportunity(world, title="B", municipality="2560", times=[Weekday.AFTERNOONS], adaptations=["physical", "calm"])
    opportunity(
        world, title="C", hours_per_week_min=25, supervisor_available=False, starts_on=TODAY + dt.timedelta(days=9)
    )
    service_ids = {catering.pk}
    for candidate in scoring.candidates(n):
        assert scoring.points(n, candidate, service_ids) == scoring.score(n, candidate).score, candidate.title


def test_scoring_is_deterministic_on_ties(world, project):
    p = participant(world, project)
    n = need(world, p)
    first = opportunity(world, title="A")
    second = opportunity(world, title="B")
    assert [s.opportunity for s in scoring.suggestions(n)] == [first, second]
    assert [s.opportunity for s in scoring.suggestions(n)] == [first, second]


def test_expired_full_and_unpublished_opportunities_are_not_suggested(world, project, settings):
    p = participant(world, project)
    n = need(world, p)
    full = opportunity(world, title="Full", places_total=1)
    Opportunity.objects.filter(pk=full.pk).update(places_available=0)
    stale = opportunity(world, title="Gammal")
    Opportunity.objects.filter(pk=stale.pk).update(
        refreshed_at=stale.refreshed_at - dt.timedelta(weeks=settings.OPPORTUNITY_REFRESH_WEEKS + 1)
    )
    hidden = opportunity(world, title="Dold", published=False)
    ended = opportunity(
        world, title="Slut", ends_on=TODAY - dt.timedelta(days=1), starts_on=TODAY - dt.timedelta(days=30)
    )
    assert not {full, stale, hidden, ended} & {s.opportunity for s in scoring.suggestions(n)}


# --- Pipeline ---------------------------------------------------------------------------------------------
def test_the_whole_pipeline_with_e_mails_and_an_outcome(world, project, mails):
    p = participant(world, project)
    n = need(world, p)
    o = opportunity(world)
    m = services.match_propose(actor=actor_for(world.officer_x), need=n, opportunity=o)
    assert m.status == MatchStatus.PROPOSED and m.score > 0
    with pytest.raises(PermissionDenied):
        services.match_accept(actor=actor_for(world.staff_b), match=m)
    services.match_accept(actor=actor_for(world.staff_a), match=m)
    o.refresh_from_db()
    assert o.places_available == 1
    services.match_start(actor=actor_for(world.staff_a), match=m, started_on=TODAY)
    n.refresh_from_db()
    assert n.status == NeedStatus.PLACED
    services.match_end(actor=actor_for(world.officer_x), match=m, ended_on=TODAY, outcome="employed")
    o.refresh_from_db()
    assert o.places_available == 2, "the place returns when the placement ends"
    host = sorted([world.staff_a.email, world.admin_a.email])
    assert notified("placement_proposed") == host  # the officer proposed: the host's members hear
    assert notified("placement_accepted") == [world.officer_x.email]
    assert notified("placement_started") == [world.officer_x.email]  # the host started it: the officer hears
    assert notified("placement_ended") == host  # the officer ended it: the host hears
    assert mails == ["placement_proposed", "placement_proposed", "placement_accepted"]  # the rest: daily summary
    assert LabourMarketEvent.objects.get(participant=p).event == "employed"
    assert set(AuditLog.objects.filter(action__startswith="match.").values_list("action", flat=True)) == {
        "match.propose",
        "match.accept",
        "match.start",
        "match.end",
    }


def test_declining_needs_a_reason_and_a_second_decision_is_refused(world, project, mails):
    m = services.match_propose(
        actor=actor_for(world.officer_x), need=need(world, participant(world, project)), opportunity=opportunity(world)
    )
    with pytest.raises(ValidationError):
        services.match_decline(actor=actor_for(world.admin_a), match=m, reason="  ")
    services.match_decline(actor=actor_for(world.admin_a), match=m, reason="Inga platser på förmiddagar just nu")
    with pytest.raises(ValidationError):
        services.match_accept(actor=actor_for(world.admin_a), match=m)
    m.refresh_from_db()
    assert m.status == MatchStatus.DECLINED
    assert Opportunity.objects.get(pk=m.opportunity_id).places_available == 2


@pytest.mark.security("C14")
@pytest.mark.adversarial("C")
def test_an_officer_cannot_propose_another_municipalitys_participant(world, project, mails):
    p_y = participant(world, project, organisation=world.muni_y, actor=world.officer_y)
    n_y = services.need_create(
        actor=actor_for(world.officer_y),
        participant=p_y,
        data={"hours_per_week": 20, "municipality_id": "2581", "earliest_start": TODAY},
    )
    with pytest.raises(PermissionDenied):
        services.match_propose(actor=actor_for(world.officer_x), need=n_y, opportunity=opportunity(world))
    assert not Match.objects.exists()


@pytest.mark.security("C12")
@pytest.mark.adversarial("C")
def test_hosts_see_the_match_but_others_get_404(world, project, mails):
    m = services.match_propose(
        actor=actor_for(world.officer_x), need=need(world, participant(world, project)), opportunity=opportunity(world)
    )
    assert match_for_user(actor=actor_for(world.staff_a), code=m.code) == m
    assert match_for_user(actor=actor_for(world.officer_x), code=m.code) == m
    for outsider in (world.staff_b, world.officer_y, world.business_member):
        with pytest.raises(Http404):
            match_for_user(actor=actor_for(outsider), code=m.code)


def test_proposal_e_mail_goes_to_the_host_in_their_language_without_sensitive_fields(
    world, project, tasks_inline, django_capture_on_commit_callbacks
):
    world.staff_a.preferred_language = "en"
    world.staff_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        m = services.match_propose(
            actor=actor_for(world.officer_x),
            need=need(world, participant(world, project)),
            opportunity=opportunity(world),
        )
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {world.staff_a.email, world.admin_a.email}  # one e-mail per member of the host
    assert by_address[world.staff_a.email].subject == "A participant is proposed"
    assert by_address[world.admin_a.email].subject == "En deltagare har föreslagits"
    assert "Arbetsträning i caféet" in by_address[world.admin_a.email].body
    for message in mail.outbox:
        assert "lugnt och praktiskt" not in message.body  # the need's free text never leaves the officer scope
        assert m.need.participant.code in message.body


def test_a_coordinator_acting_on_a_placement_tells_both_sides(world, project, mails):
    m = services.match_propose(
        actor=actor_for(world.officer_x), need=need(world, participant(world, project)), opportunity=opportunity(world)
    )
    both_sides = sorted([world.staff_a.email, world.admin_a.email, world.officer_x.email])
    services.match_accept(actor=actor_for(world.coordinator), match=m)
    assert notified("placement_accepted") == both_sides  # the host hears that someone accepted for it
    services.match_start(actor=actor_for(world.coordinator), match=m, started_on=TODAY)
    assert notified("placement_started") == both_sides
    assert world.coordinator.email not in notified("placement_started")


@pytest.mark.django_db(transaction=True)
def test_two_accepts_for_the_last_place_give_one_placement(world, project, mails):
    o = opportunity(world, places_total=1)
    matches = [
        services.match_propose(
            actor=actor_for(world.officer_x),
            need=need(world, participant(world, project, code=f"R-{i}")),
            opportunity=o,
        )
        for i in range(2)
    ]
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def accept(i: int) -> None:
        from django.db import connections

        try:
            barrier.wait()
            results[i] = services.match_accept(actor=actor_for(world.admin_a), match=matches[i]).status
        except Exception as error:
            results[i] = type(error).__name__
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(map(str, results)) == ["ValidationError", "accepted"], results
    o.refresh_from_db()
    assert o.places_available == 0
    assert Match.objects.filter(status=MatchStatus.ACCEPTED).count() == 1


def test_outside_norrbotten_a_person_who_travels_reaches_the_neighbouring_municipality(world, project):
    """No municipality list in the code: in Jämtland, Krokom is within reach of someone in Östersund who can
    travel 80 km (the estimate between the municipalities' centres), and not of someone who travels 10."""
    p = participant(world, project)
    far_enough = need(world, p, travel_km=80, municipality="2380")
    too_short = need(world, p, travel_km=10, municipality="2380")
    krokom = opportunity(world, title="Krokom", municipality="2309")

    ranked = scoring.suggestions(far_enough)

    assert [s.opportunity for s in ranked] == [krokom]
    assert "within travelling distance (70 km)" in [r.text for r in ranked[0].fits]
    assert scoring.suggestions(too_short) == []
