"""Placements (matchmaking/matches/): hosts see the placement but never a sensitive field, audit, and the
pipeline clicked through the views (propose, accept, decline, start, end).
The URL × role table for every page is in tests/test_access_table.py; shared helpers in
tests/matchmaking/pipeline.py, shared fixtures in tests/matchmaking/conftest.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from directory.access import actor_for
from kernel.models import AuditLog
from matchmaking import services
from matchmaking.models import (
    LabourMarketEvent,
    Match,
    MatchStatus,
    Opportunity,
)
from notifications.models import Notification
from tests.matchmaking.pipeline import (
    EN,
    FREE_TEXT,
    TODAY,
    make_need,
    make_opportunity,
    make_participant,
)

# The e-mail task is counted, never run, on every page here (the `mails` fixture, tests/matchmaking/conftest.py).
pytestmark = pytest.mark.usefixtures("mails")


# --- Hosts see the placement, never a sensitive field --------------------------------------------------------
SENSITIVE_IN_HTML = [
    FREE_TEXT,
    "lugnt och praktiskt",
    "1990",  # the year of birth
    "Date of birth",
    "Gender",
    "Woman",
    "disability",
    "minority",
    "Third-country",
    "Foreign background",
    "Homeless",
    "rural",
    "Consent",
]


@pytest.mark.security("C16")
@pytest.mark.adversarial("C")
def test_asf_staff_see_a_placement_at_their_organisation_but_no_sensitive_field(client, world, placement):
    for host in (world.staff_a, world.admin_a):
        client.force_login(host)
        response = client.get(reverse("matchmaking:match_detail", kwargs={"code": placement.code}), **EN)
        html = response.content.decode()
        assert response.status_code == 200
        assert "P-XLULEA1" in html
        assert "Hours per week" in html and "Calm environment" in html and "Mornings" in html
        assert "Accept the proposal" in html
        for value in SENSITIVE_IN_HTML:
            assert value.lower() not in html.lower(), value
        for page in (
            reverse("matchmaking:index"),
            reverse("matchmaking:opportunity_detail", kwargs={"code": placement.opportunity.code}),
        ):
            html = client.get(page, **EN).content.decode()
            assert "P-XLULEA1" in html, page
            for value in SENSITIVE_IN_HTML:
                assert value.lower() not in html.lower(), (page, value)
    assert not AuditLog.objects.filter(action="participant.read", actor__in=[world.staff_a, world.admin_a]).exists()


def test_the_raising_officer_sees_the_free_text_and_the_flags(client, world, placement):
    """The control for the test above: the same strings are on the officer's pages."""
    client.force_login(world.officer_x)
    match_html = client.get(reverse("matchmaking:match_detail", kwargs={"code": placement.code}), **EN)
    assert FREE_TEXT in match_html.content.decode()
    detail = client.get(reverse("matchmaking:participant_detail", kwargs={"code": "P-XLULEA1"}), **EN)
    html = detail.content.decode()
    assert "Has a disability" in html and "Date of birth" in html and "1990" in html


@pytest.mark.security("C12")
@pytest.mark.adversarial("C")
def test_another_asf_and_another_municipality_get_404_on_the_placement(client, world, placement, project):
    for outsider in (world.staff_b, world.business_member, world.officer_y):
        client.force_login(outsider)
        for name in ("matchmaking:match_detail",):
            assert client.get(reverse(name, kwargs={"code": placement.code})).status_code == 404
        for name in ("matchmaking:match_accept", "matchmaking:match_decline"):
            response = client.post(reverse(name, kwargs={"code": placement.code}), {"reason": "nej"})
            assert response.status_code == 404
    placement.refresh_from_db()
    assert placement.status == MatchStatus.PROPOSED


# --- Audit and caching ---------------------------------------------------------------------------------------
@pytest.mark.security("H38")
@pytest.mark.adversarial("H")
def test_need_and_officer_placement_pages_are_audited_and_host_pages_are_not(client, world, placement):
    client.force_login(world.officer_x)
    client.get(reverse("matchmaking:need_detail", kwargs={"code": placement.need.code}))
    client.get(reverse("matchmaking:match_detail", kwargs={"code": placement.code}))
    purposes = sorted(r.data["purpose"] for r in AuditLog.objects.filter(action="participant.read"))
    assert purposes == ["match", "need"]
    client.force_login(world.staff_a)
    client.get(reverse("matchmaking:match_detail", kwargs={"code": placement.code}))
    assert AuditLog.objects.filter(action="participant.read").count() == 2


# --- The pipeline through the views ----------------------------------------------------------------------------
def test_propose_accept_start_end_with_an_outcome_through_the_views(client, world, need_x, opp_a, mails):
    client.force_login(world.officer_x)
    propose = reverse("matchmaking:match_propose", kwargs={"code": need_x.code, "opportunity": opp_a.code})
    assert client.post(propose).status_code == 302
    match = Match.objects.get()
    assert match.status == MatchStatus.PROPOSED and match.proposed_by == world.officer_x
    assert (
        client.get(reverse("matchmaking:need_detail", kwargs={"code": need_x.code}), **EN)
        .content.decode()
        .count("Already proposed")
        == 1
    )
    assert client.post(reverse("matchmaking:match_accept", kwargs={"code": match.code})).status_code == 403

    client.force_login(world.staff_a)
    waiting = client.get(reverse("matchmaking:index")).context["host_waiting"]
    assert waiting == [match]
    assert client.post(reverse("matchmaking:match_accept", kwargs={"code": match.code})).status_code == 302
    match.refresh_from_db()
    opp_a.refresh_from_db()
    assert match.status == MatchStatus.ACCEPTED and opp_a.places_available == 1

    client.force_login(world.officer_x)
    assert client.get(reverse("matchmaking:index")).context["officer_waiting"] == [match]
    start = client.post(reverse("matchmaking:match_start", kwargs={"code": match.code}), {"started_on": "bad"})
    assert start.status_code == 200 and "started_on" in start.context["start_form"].errors
    client.post(reverse("matchmaking:match_start", kwargs={"code": match.code}), {"started_on": TODAY.isoformat()})
    match.refresh_from_db()
    assert match.status == MatchStatus.STARTED and match.started_on == TODAY
    assert client.get(reverse("matchmaking:index")).context["officer_waiting"] == []

    end = reverse("matchmaking:match_end", kwargs={"code": match.code})
    response = client.post(end, {"ended_on": TODAY.isoformat(), "outcome": "employed", "note": "Fick jobb"})
    assert response.status_code == 302
    match.refresh_from_db()
    opp_a.refresh_from_db()
    assert match.status == MatchStatus.ENDED and match.end_note == "Fick jobb"
    assert opp_a.places_available == 2
    assert LabourMarketEvent.objects.get(participant=need_x.participant).event == "employed"
    assert client.get(reverse("matchmaking:index")).context["officer_waiting"] == [], "outcome recorded"
    host = sorted([world.staff_a.email, world.admin_a.email])
    assert notified("placement_proposed") == host
    assert notified("placement_accepted") == [world.officer_x.email]
    assert notified("placement_started") == host  # the officer started it: the host hears
    assert notified("placement_ended") == host
    # E-mailed at once by default: the proposal and the answer; the start and the end wait for the daily summary.
    assert mails == ["placement_proposed", "placement_proposed", "placement_accepted"]


def notified(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


def test_an_ended_placement_without_an_outcome_waits_for_the_officer(client, world, placement):
    services.match_accept(actor=actor_for(world.staff_a), match=placement)
    services.match_start(actor=actor_for(world.staff_a), match=placement, started_on=TODAY)
    client.force_login(world.staff_a)
    end = reverse("matchmaking:match_end", kwargs={"code": placement.code})
    # The host's form has no outcome: a forged one is ignored (only the raising officer records outcomes).
    assert (
        "outcome"
        not in client.get(reverse("matchmaking:match_detail", kwargs={"code": placement.code}))
        .context["end_form"]
        .fields
    )
    client.post(end, {"ended_on": TODAY.isoformat(), "outcome": "employed"})
    placement.refresh_from_db()
    assert placement.status == MatchStatus.ENDED
    assert not LabourMarketEvent.objects.exists()
    client.force_login(world.officer_x)
    response = client.get(reverse("matchmaking:index"), **EN)
    assert response.context["officer_waiting"] == [placement]
    assert "Record the outcome for P-XLULEA1" in response.content.decode()


def test_the_officer_cannot_end_a_placement_without_the_persons_situation(client, world, placement):
    services.match_accept(actor=actor_for(world.staff_a), match=placement)
    services.match_start(actor=actor_for(world.staff_a), match=placement, started_on=TODAY)
    client.force_login(world.officer_x)
    end = reverse("matchmaking:match_end", kwargs={"code": placement.code})
    response = client.post(end, {"ended_on": TODAY.isoformat(), "outcome": ""}, **EN)
    assert response.status_code == 200
    assert response.context["end_form"].errors["outcome"]
    placement.refresh_from_db()
    assert placement.status == MatchStatus.STARTED
    with pytest.raises(ValidationError) as refused:
        services.match_end(actor=actor_for(world.officer_x), match=placement, ended_on=TODAY)
    assert "outcome" in refused.value.message_dict
    placement.refresh_from_db()
    assert placement.status == MatchStatus.STARTED and not LabourMarketEvent.objects.exists()
    assert client.post(end, {"ended_on": TODAY.isoformat(), "outcome": "job_seeking"}).status_code == 302
    placement.refresh_from_db()
    assert placement.status == MatchStatus.ENDED
    assert LabourMarketEvent.objects.get().event == "job_seeking"


def test_a_start_before_the_earliest_start_date_is_warned_about_and_needs_a_confirmation(client, world, p_x, opp_a):
    need = make_need(world.officer_x, p_x, earliest_start=TODAY + dt.timedelta(days=14))
    match = services.match_propose(actor=actor_for(world.officer_x), need=need, opportunity=opp_a)
    services.match_accept(actor=actor_for(world.staff_a), match=match)
    client.force_login(world.staff_a)
    detail = reverse("matchmaking:match_detail", kwargs={"code": match.code})
    start = reverse("matchmaking:match_start", kwargs={"code": match.code})
    # The date the person can start is next to the field before anything is typed.
    page = client.get(detail, **EN).content.decode()
    assert "The person can start on" in page
    assert '<section aria-labelledby="start-heading">\n  <h2 id="start-heading">Record the start</h2>' in page
    assert f'<form method="post" action="{start}"' in page

    warned = client.post(start, {"started_on": TODAY.isoformat()}, **EN)
    assert warned.status_code == 200
    assert "can start on" in " ".join(warned.context["start_form"].errors["started_on"])
    assert "start_early" in warned.context["start_form"].fields
    match.refresh_from_db()
    assert match.status == MatchStatus.ACCEPTED

    unticked = client.post(start, {"started_on": TODAY.isoformat()}, **EN)  # the box left empty: asked again
    assert unticked.status_code == 200
    match.refresh_from_db()
    assert match.status == MatchStatus.ACCEPTED

    assert client.post(start, {"started_on": TODAY.isoformat(), "start_early": "on"}).status_code == 302
    match.refresh_from_db()
    assert (match.status, match.started_on) == (MatchStatus.STARTED, TODAY)
    assert AuditLog.objects.get(action="match.start").data == {"before_earliest_start": True}


def test_a_start_on_or_after_the_earliest_start_date_needs_no_confirmation(client, world, placement):
    services.match_accept(actor=actor_for(world.staff_a), match=placement)
    client.force_login(world.staff_a)
    start = reverse("matchmaking:match_start", kwargs={"code": placement.code})
    assert client.post(start, {"started_on": TODAY.isoformat()}).status_code == 302
    placement.refresh_from_db()
    assert placement.status == MatchStatus.STARTED


def test_the_end_of_a_placement_offers_no_improved_situation_and_a_forged_one_is_refused(client, world, placement):
    """An improved situation needs what improved: it is recorded on the participant's page, not here."""
    services.match_accept(actor=actor_for(world.staff_a), match=placement)
    services.match_start(actor=actor_for(world.staff_a), match=placement, started_on=TODAY)
    client.force_login(world.officer_x)
    detail = client.get(reverse("matchmaking:match_detail", kwargs={"code": placement.code}))
    choices = [value for value, _label in detail.context["end_form"].fields["outcome"].choices]
    assert "improved" not in choices and "employed" in choices
    end = reverse("matchmaking:match_end", kwargs={"code": placement.code})
    response = client.post(end, {"ended_on": TODAY.isoformat(), "outcome": "improved"}, **EN)
    assert response.status_code == 200 and "outcome" in response.context["end_form"].errors
    placement.refresh_from_db()
    assert placement.status == MatchStatus.STARTED
    assert not LabourMarketEvent.objects.exists()


def test_declining_needs_a_reason_and_the_officer_sees_it(client, world, placement):
    client.force_login(world.admin_a)
    url = reverse("matchmaking:match_decline", kwargs={"code": placement.code})
    empty = client.post(url, {"reason": "   "}, **EN)
    assert empty.status_code == 200 and "reason" in empty.context["decline_form"].errors
    pnr = client.post(url, {"reason": "Inte för 900101-0017"}, **EN)
    assert "looks like a Swedish personal identity number" in pnr.content.decode()
    placement.refresh_from_db()
    assert placement.status == MatchStatus.PROPOSED
    client.post(url, {"reason": "Inga förmiddagsplatser just nu"})
    placement.refresh_from_db()
    assert placement.status == MatchStatus.DECLINED
    client.force_login(world.officer_x)
    html = client.get(reverse("matchmaking:match_detail", kwargs={"code": placement.code})).content.decode()
    assert "Inga förmiddagsplatser just nu" in html


def test_the_host_gets_a_clear_message_when_the_last_place_is_gone(client, world, project):
    opportunity = make_opportunity(world, places_total=1)
    first, second = (
        services.match_propose(
            actor=actor_for(world.officer_x),
            need=make_need(world.officer_x, make_participant(world, project, code=code)),
            opportunity=opportunity,
        )
        for code in ("P-FIRST", "P-SECOND")
    )
    client.force_login(world.staff_a)
    client.post(reverse("matchmaking:match_accept", kwargs={"code": first.code}))
    response = client.post(reverse("matchmaking:match_accept", kwargs={"code": second.code}), follow=True, **EN)
    html = response.content.decode()
    assert "The last place on “Sortering och butik” has just been taken" in html
    assert "All places on this opportunity are taken." in html
    second.refresh_from_db()
    assert second.status == MatchStatus.PROPOSED
    assert Opportunity.objects.get(pk=opportunity.pk).places_available == 0


def test_proposing_a_closed_opportunity_or_twice_gives_a_message_not_an_error(client, world, need_x, opp_a):
    client.force_login(world.officer_x)
    url = reverse("matchmaking:match_propose", kwargs={"code": need_x.code, "opportunity": opp_a.code})
    client.post(url)
    again = client.post(url, follow=True, **EN)
    assert "has already been proposed for this opportunity" in again.content.decode()
    Opportunity.objects.filter(pk=opp_a.pk).update(published=False)
    other_need = make_need(world.officer_x, need_x.participant)
    closed = client.post(
        reverse("matchmaking:match_propose", kwargs={"code": other_need.code, "opportunity": opp_a.code}),
        follow=True,
        **EN,
    )
    assert closed.status_code in (200, 404)
    assert Match.objects.count() == 1


def test_proposing_from_the_reverse_matching_page_returns_there(client, world, need_x, opp_a):
    client.force_login(world.officer_x)
    url = reverse("matchmaking:match_propose", kwargs={"code": need_x.code, "opportunity": opp_a.code})
    response = client.post(url, {"back": "opportunity"})
    assert response["Location"] == reverse("matchmaking:opportunity_needs", kwargs={"code": opp_a.code})


def test_get_never_moves_a_placement(client, world, placement):
    client.force_login(world.staff_a)
    for name in ("matchmaking:match_accept", "matchmaking:match_decline"):
        assert client.get(reverse(name, kwargs={"code": placement.code})).status_code == 405
    assert (
        client.get(reverse("matchmaking:opportunity_refresh", kwargs={"code": placement.opportunity.code})).status_code
        == 405
    )
    placement.refresh_from_db()
    assert placement.status == MatchStatus.PROPOSED
