"""Placement opportunities (matchmaking/opportunities/): the list (sensitive parameters change nothing,
filters, query budget), reverse matching, publishing, editing and refreshing, and mass assignment.
The URL × role table for every page is in tests/test_access_table.py; shared helpers in
tests/matchmaking/pipeline.py, shared fixtures in tests/matchmaking/conftest.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from directory.access import actor_for
from directory.models import ServiceCategory
from kernel.models import AuditLog
from matchmaking import services
from matchmaking.models import (
    Opportunity,
    OpportunityType,
    Weekday,
)
from tests.matchmaking.pipeline import (
    EN,
    TODAY,
    _count,
    make_need,
    make_opportunity,
    make_participant,
)
from tests.personnummer import SWEDISH_MESSAGE, WRITINGS

# The e-mail task is counted, never run, on every page here (the `mails` fixture, tests/matchmaking/conftest.py).
pytestmark = pytest.mark.usefixtures("mails")


# --- Officer X never sees P_Y --------------------------------------------------------------------------------
@pytest.mark.security("C13")
@pytest.mark.adversarial("C")
def test_reverse_matching_lists_only_the_officers_own_needs(client, world, p_x, p_y, opp_a):
    make_need(world.officer_x, p_x)
    make_need(world.officer_y, p_y, municipality="2580")  # P_Y's need fits A's opportunity just as well
    client.force_login(world.officer_x)
    response = client.get(reverse("matchmaking:opportunity_needs", kwargs={"code": opp_a.code}), **EN)
    html = response.content.decode()
    assert [row.need.participant.code for row in response.context["rows"]] == ["P-XLULEA1"]
    assert "P-YPITEA1" not in html
    assert "same municipality" in html
    assert AuditLog.objects.filter(action="participant.list", actor=world.officer_x).count() == 1


def test_reverse_matching_ranks_by_score_and_leaves_out_needs_that_cannot_reach(client, world, project, opp_a):
    best = make_need(world.officer_x, make_participant(world, project, code="P-BEST"))
    weaker = make_need(world.officer_x, make_participant(world, project, code="P-WEAK"), times=[Weekday.AFTERNOONS])
    make_need(world.officer_x, make_participant(world, project, code="P-FAR"), municipality="2581", travel_km=10)
    client.force_login(world.officer_x)
    rows = client.get(reverse("matchmaking:opportunity_needs", kwargs={"code": opp_a.code})).context["rows"]
    assert [row.need for row in rows] == [best, weaker]
    assert rows[0].scored.score > rows[1].scored.score


# --- Sensitive parameters change nothing ---------------------------------------------------------------------
@pytest.mark.security("H41")
@pytest.mark.adversarial("H")
def test_sensitive_parameters_change_nothing_in_the_opportunity_list(client, world, opp_a, p_x):
    make_opportunity(world, world.org_b, title="Café", municipality="2581")
    make_need(world.officer_x, p_x)
    client.force_login(world.officer_x)
    url = reverse("matchmaking:opportunity_list")
    plain = [o.code for o in client.get(url).context["page"].object_list]
    assert len(plain) == 2
    for params in ({"disability": "1"}, {"ordering": "title"}, {"needs__icontains": "x"}, {"participant": "P-X"}):
        assert [o.code for o in client.get(url, params).context["page"].object_list] == plain, params


def test_the_opportunity_list_filters_on_type_municipality_and_kind_of_work(client, world):
    cafe = ServiceCategory.objects.get(slug="cafe-restaurang")
    a = make_opportunity(world, title="Sortering")
    b = make_opportunity(world, world.org_b, title="Café", municipality="2581", service=cafe)
    c = make_opportunity(world, world.org_b, title="Praktik", type=OpportunityType.INTERNSHIP, municipality="2581")
    client.force_login(world.staff_a)
    url = reverse("matchmaking:opportunity_list")

    def titles(params):
        return {o.title for o in client.get(url, params).context["page"].object_list}

    assert titles({}) == {a.title, b.title, c.title}
    assert titles({"municipality": "2581"}) == {b.title, c.title}
    assert titles({"service": "cafe-restaurang"}) == {b.title}
    assert titles({"type": "praktik"}) == {c.title}
    assert titles({"type": ["praktik", "lonestod"], "municipality": "2581"}) == {c.title}
    assert titles({"type": ["praktik", "arbetstraning"], "municipality": "2581"}) == {b.title, c.title}
    assert titles({"type": "'; DROP TABLE x; --", "municipality": "9999"}) == {a.title, b.title, c.title}
    form_fields = set(client.get(url).context["filter"].form.fields)
    assert form_fields == {"type", "municipality", "service"}, "nothing about participants is a filter"


def test_the_opportunity_list_shows_only_open_opportunities(client, world, settings):
    open_one = make_opportunity(world, title="Öppen")
    make_opportunity(world, title="Opublicerad", published=False)
    stale = make_opportunity(world, title="Gammal")
    Opportunity.objects.filter(pk=stale.pk).update(
        refreshed_at=timezone.now() - dt.timedelta(weeks=settings.OPPORTUNITY_REFRESH_WEEKS + 1)
    )
    client.force_login(world.staff_b)
    listed = list(client.get(reverse("matchmaking:opportunity_list")).context["page"].object_list)
    assert listed == [open_one]


# --- Query budgets -------------------------------------------------------------------------------------------
def test_the_opportunity_list_makes_the_same_number_of_queries_for_2_and_20_rows(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.staff_b)
    for i in range(2):
        make_opportunity(world, title=f"Plats {i}", service=ServiceCategory.objects.first())
    url = reverse("matchmaking:opportunity_list")
    client.get(url)
    small = _count(client, url)
    for i in range(2, 20):
        make_opportunity(world, world.org_b, title=f"Plats {i}", service=ServiceCategory.objects.last())
    with django_assert_max_num_queries(small):
        client.get(url)
    assert small <= 14


# --- Opportunities: create, edit, refresh ----------------------------------------------------------------------
OPPORTUNITY_POST = {
    "type": "arbetstraning",
    "title": "Reparation av möbler",
    "description": "Lugn verkstad med handledare.",
    "municipality": "2580",
    "hours_per_week_min": "10",
    "hours_per_week_max": "30",
    "times": ["mornings"],
    "places_total": "3",
    "adaptations": ["calm", "short_days"],
    "supervisor_available": "on",
    "starts_on": "2026-12-01",
    "published": "on",
}


def test_an_asf_publishes_an_opportunity_which_shows_on_its_profile_for_every_visitor(client, world):
    client.force_login(world.staff_a)
    response = client.post(
        reverse("matchmaking:opportunity_create"), {**OPPORTUNITY_POST, "organisation": world.org_a.code}
    )
    opportunity = Opportunity.objects.get()
    assert response["Location"] == reverse("matchmaking:opportunity_detail", kwargs={"code": opportunity.code})
    assert opportunity.organisation == world.org_a and opportunity.places_available == 3
    assert opportunity.times == ["mornings"] and opportunity.adaptations == ["calm", "short_days"]

    profile = reverse("directory:detail", kwargs={"code": world.org_a.code})
    client.force_login(world.business_member)
    html = client.get(profile, **EN).content.decode()
    assert "Open placement opportunities" in html and "Reparation av möbler" in html
    client.logout()  # placement opportunities are public (issue 11): a visitor without an account sees it too
    html = client.get(profile, **EN).content.decode()
    assert "Reparation av möbler" in html and reverse("opportunities:detail", kwargs={"code": opportunity.code}) in html


@pytest.mark.security("C15")
@pytest.mark.adversarial("C")
def test_extra_fields_in_an_opportunity_post_are_ignored(client, world):
    client.force_login(world.staff_a)
    forged = {**OPPORTUNITY_POST, "places_available": "99", "refreshed_at": "2000-01-01T00:00", "code": "x"}
    refused = client.post(reverse("matchmaking:opportunity_create"), {**forged, "organisation": world.org_b.code})
    assert refused.status_code == 200 and "organisation" in refused.context["form"].errors
    assert not Opportunity.objects.exists()
    client.post(reverse("matchmaking:opportunity_create"), {**forged, "organisation": world.org_a.code})
    opportunity = Opportunity.objects.get()
    assert opportunity.organisation == world.org_a
    assert opportunity.places_available == 3 and opportunity.refreshed_at.year == TODAY.year

    edit = reverse("matchmaking:opportunity_edit", kwargs={"code": opportunity.code})
    client.post(edit, {**forged, "organisation": world.org_b.code, "title": "Ny titel"})
    opportunity.refresh_from_db()
    assert opportunity.title == "Ny titel"
    assert opportunity.organisation == world.org_a and opportunity.places_available == 3


def test_lowering_the_places_keeps_the_taken_ones_taken(client, world, placement):
    services.match_accept(actor=actor_for(world.staff_a), match=placement)
    opportunity = placement.opportunity
    client.force_login(world.staff_a)
    edit = reverse("matchmaking:opportunity_edit", kwargs={"code": opportunity.code})
    post = {**OPPORTUNITY_POST, "title": opportunity.title, "starts_on": TODAY.isoformat()}
    refused = client.post(edit, {**post, "places_total": "0"}, **EN)
    assert refused.status_code == 200
    client.post(edit, {**post, "places_total": "1"})
    opportunity.refresh_from_db()
    assert (opportunity.places_total, opportunity.places_available) == (1, 0)
    client.post(edit, {**post, "places_total": "4"})
    opportunity.refresh_from_db()
    assert (opportunity.places_total, opportunity.places_available) == (4, 3)


def test_the_service_refuses_fewer_places_than_are_taken(world, opp_a):
    from django.utils import translation

    from matchmaking.opportunities.services import opportunity_update

    Opportunity.objects.filter(pk=opp_a.pk).update(places_total=3, places_available=1)  # two taken
    with translation.override("en"), pytest.raises(ValidationError) as error:
        opportunity_update(actor=actor_for(world.staff_a), opportunity=opp_a, data={"places_total": 1})
    assert "2 places are taken by current placements" in str(error.value)
    assert Opportunity.objects.get(pk=opp_a.pk).places_total == 3
    updated = opportunity_update(actor=actor_for(world.staff_a), opportunity=opp_a, data={"places_total": 2})
    assert (updated.places_total, updated.places_available) == (2, 0)


def test_bad_opportunity_data_gets_a_clear_message(client, world):
    client.force_login(world.staff_a)
    url = reverse("matchmaking:opportunity_create")
    for change in (
        {"hours_per_week_min": "30", "hours_per_week_max": "10"},
        {"starts_on": "2026-12-01", "ends_on": "2026-11-01"},
        {"title": "Kontakta 19900101-0017"},
        {"places_total": "-1"},
        {"title": "x" * 10_000},
        {"times": ["midnight"]},
    ):
        response = client.post(url, {**OPPORTUNITY_POST, "organisation": world.org_a.code, **change}, **EN)
        assert response.status_code == 200, change
        assert "Please correct the following" in response.content.decode(), change
    assert not Opportunity.objects.exists()


def test_the_dashboard_warns_before_an_opportunity_expires_and_still_offered_renews_it(client, world, settings):
    settings.OPPORTUNITY_REFRESH_WEEKS = 6
    opportunity = make_opportunity(world)
    Opportunity.objects.filter(pk=opportunity.pk).update(refreshed_at=timezone.now() - dt.timedelta(weeks=5, days=3))
    client.force_login(world.staff_a)
    response = client.get(reverse("matchmaking:index"), **EN)
    [row] = response.context["own_opportunities"]
    assert row.expiring_soon and not row.expired
    assert "Expires" in response.content.decode()

    before = Opportunity.objects.get(pk=opportunity.pk).refreshed_at
    refreshed = client.post(
        reverse("matchmaking:opportunity_refresh", kwargs={"code": opportunity.code}), {"back": "dashboard"}
    )
    assert refreshed["Location"] == reverse("matchmaking:index")
    assert Opportunity.objects.get(pk=opportunity.pk).refreshed_at > before
    [row] = client.get(reverse("matchmaking:index")).context["own_opportunities"]
    assert not row.expiring_soon


@pytest.mark.security("C11")
@pytest.mark.adversarial("C")
def test_another_organisation_cannot_edit_or_refresh_an_opportunity(client, world, opp_a):
    before = Opportunity.objects.get(pk=opp_a.pk)
    client.force_login(world.staff_b)
    assert client.get(reverse("matchmaking:opportunity_detail", kwargs={"code": opp_a.code})).status_code == 200
    edit = reverse("matchmaking:opportunity_edit", kwargs={"code": opp_a.code})
    assert client.get(edit).status_code == 404
    assert client.post(edit, {**OPPORTUNITY_POST, "title": "Kapad"}).status_code == 404
    refresh = reverse("matchmaking:opportunity_refresh", kwargs={"code": opp_a.code})
    assert client.post(refresh).status_code == 404
    after = Opportunity.objects.get(pk=opp_a.pk)
    assert (after.title, after.refreshed_at) == (before.title, before.refreshed_at)


# --- Admin -----------------------------------------------------------------------------------------------------
@pytest.mark.security("K56")
@pytest.mark.adversarial("K")
@pytest.mark.parametrize("writing", list(WRITINGS))
@pytest.mark.parametrize("field", ["title", "description"])
def test_any_writing_of_a_personnummer_in_an_opportunity_is_refused_in_swedish(client, world, field, writing):
    client.force_login(world.staff_a)
    post = {**OPPORTUNITY_POST, "organisation": world.org_a.code, field: f"Kontakt {WRITINGS[writing]}"}
    response = client.post(reverse("matchmaking:opportunity_create"), post, HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200
    assert SWEDISH_MESSAGE in " ".join(response.context["form"].errors[field])
    assert not Opportunity.objects.exists()
