"""Public placement opportunities (matchmaking/public_opportunities/): the list, the page to share, the JSON
list, the organisation profile's panel and the map layer show what is offered to everyone – and never anything
about the participants proposed for or placed at an opportunity. The URL × role table is in
tests/test_access_table.py; shared fixtures in tests/matchmaking/conftest.py."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directory.access import actor_for
from directory.models import Organisation, ServiceCategory
from matchmaking import services
from matchmaking.models import Adaptation, Opportunity, OpportunityType, Weekday
from tests.matchmaking.pipeline import EN, FREE_TEXT, TODAY, make_need, make_opportunity, make_participant

pytestmark = pytest.mark.usefixtures("mails")

LIST = "/opportunities/"
JSON = "/opportunities/opportunities.json"
SV = {"HTTP_ACCEPT_LANGUAGE": "sv"}

# What a page about an opportunity must never carry: the participant placed there and anything about them.
PARTICIPANT_TRACES = [
    "P-XLULEA1",
    FREE_TEXT,
    "lugnt och praktiskt",
    "1990",
    "Vägrade ta plats",  # a decline reason
    "Fick jobb",  # an end note
    "participant",
    "Participant",
    "deltagare",
    "Deltagare",
    "Woman",
    "Kvinna",
]


def detail_url(opportunity: Opportunity) -> str:
    return reverse("opportunities:detail", kwargs={"code": opportunity.code})


def _located(org: Organisation, lat: str = "65.584400", lng: str = "22.154700") -> None:
    Organisation.objects.filter(pk=org.pk).update(latitude=Decimal(lat), longitude=Decimal(lng))


def _layer_rows(html: str) -> dict[str, tuple[str, list[tuple[str, str, str, float, float]]]]:
    """Each map layer's section as the map's script reads it: its label and its rows (link text, link, the
    "where and who" cell, data-lat, data-lng)."""
    layers = {}
    sections = re.findall(
        r'<section class="map-layer" aria-labelledby="layer-([\w-]+)-heading" data-layer-label="([^"]*)">'
        r"(.*?)</section>",
        html,
        flags=re.S,
    )
    for name, label, body in sections:
        rows = re.findall(
            r'<tr data-lat="([^"]+)" data-lng="([^"]+)">\s*<th scope="row"><a href="([^"]+)">([^<]+)</a></th>\s*'
            r"<td>([^<]*)</td>",
            body,
        )
        layers[name] = (
            unescape(label),
            [(unescape(title), url, unescape(detail), float(lat), float(lng)) for lat, lng, url, title, detail in rows],
        )
    return layers


@pytest.fixture
def with_placements(world, project, opp_a):
    """Opportunity A with one person placed (started, with a note) and one declined with a reason."""
    placed = make_need(world.officer_x, make_participant(world, project, code="P-XLULEA1"))
    match = services.match_propose(actor=actor_for(world.officer_x), need=placed, opportunity=opp_a)
    services.match_accept(actor=actor_for(world.staff_a), match=match)
    services.match_start(actor=actor_for(world.staff_a), match=match, started_on=TODAY)
    declined = make_need(world.officer_x, make_participant(world, project, code="P-XLULEA2"))
    other = services.match_propose(actor=actor_for(world.officer_x), need=declined, opportunity=opp_a)
    services.match_decline(actor=actor_for(world.staff_a), match=other, reason="Vägrade ta plats")
    opp_a.refresh_from_db()
    return opp_a


# --- What everyone sees ------------------------------------------------------------------------------------
def test_anyone_sees_the_open_opportunity_in_the_list_and_on_its_page(client, world, opp_a):
    listed = client.get(LIST, **EN)
    assert listed.status_code == 200
    html = listed.content.decode()
    assert opp_a.title in html and world.org_a.name in html and "Work training" in html and "Luleå" in html
    assert detail_url(opp_a) in html
    page = client.get(detail_url(opp_a), **EN).content.decode()
    for fact in ("Work training", "Returen Återbruk", "Luleå", "10–30", "Mornings", "Calm environment"):
        assert fact in page


@pytest.mark.security("C16")
@pytest.mark.adversarial("C")
def test_no_page_json_or_map_data_carries_anything_about_participants(client, world, with_placements):
    _located(world.org_a)
    opportunity = with_placements
    for url in (
        LIST,
        detail_url(opportunity),
        JSON,
        reverse("directory:map") + "?layer=opportunities",
        reverse("directory:detail", kwargs={"code": world.org_a.code}),
    ):
        for language in (EN, SV):
            body = client.get(url, **language).content.decode()
            assert opportunity.title in body, url
            for trace in PARTICIPANT_TRACES:
                assert trace not in body, f"{trace!r} on {url}"
    data = client.get(JSON).json()
    (row,) = data["opportunities"]
    assert set(row) == {
        "code",
        "url",
        "title",
        "type",
        "description",
        "organisation",
        "municipality",
        "kind_of_work",
        "occupational_field",
        "hours_per_week",
        "times",
        "adaptations",
        "supervisor_on_site",
        "places_left",
        "available_from",
        "available_until",
        "last_confirmed",
    }
    # The map layer's row (the markers' source) holds the title, its link, "where and who" and the coordinates.
    layer_page = client.get(reverse("directory:map") + "?layer=opportunities", **EN).content.decode()
    (_label, rows) = _layer_rows(layer_page)["opportunities"]
    assert [row[2] for row in rows] == ["Returen Återbruk · Work training · Luleå"]


@pytest.mark.parametrize(
    "closed",
    [
        pytest.param(lambda o: {"published": False}, id="unpublished"),
        pytest.param(lambda o: {"places_available": 0}, id="no-places-left"),
        pytest.param(lambda o: {"refreshed_at": timezone.now() - dt.timedelta(weeks=52)}, id="expired"),
        pytest.param(lambda o: {"ends_on": TODAY - dt.timedelta(days=1)}, id="ended"),
    ],
)
def test_an_opportunity_that_is_not_open_is_nowhere_public(client, world, opp_a, closed):
    _located(world.org_a)
    Opportunity.objects.filter(pk=opp_a.pk).update(**closed(opp_a))
    assert client.get(detail_url(opp_a)).status_code == 404
    for url in (LIST, JSON, reverse("directory:map") + "?layer=opportunities"):
        assert opp_a.title not in client.get(url).content.decode(), url


def test_the_opportunities_of_an_unlisted_organisation_are_not_public(client, world):
    hidden = make_opportunity(world, org=world.hidden_org, title="Dold verkstad")
    assert client.get(detail_url(hidden)).status_code == 404
    assert "Dold verkstad" not in client.get(LIST).content.decode()
    client.force_login(world.staff_b)  # its own member: the public page is still the public page
    assert client.get(detail_url(hidden)).status_code == 404


# --- Filters and pages --------------------------------------------------------------------------------------
def _titles(client, params) -> set[str]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return {o.title for o in response.context["page"].object_list}


def test_filters_narrow_the_list_and_unknown_values_are_ignored(client, world):
    catering = ServiceCategory.objects.get(slug="catering")
    kitchen = make_opportunity(
        world,
        title="Köket",
        type=OpportunityType.INTERNSHIP,
        service=catering,
        municipality="2581",
        hours_per_week_min=20,
        adaptations=[Adaptation.CALM, Adaptation.PHYSICAL],
        description="Vi lagar lunch till skolor",
    )
    shop = make_opportunity(world, title="Butiken", hours_per_week_min=10, adaptations=[Adaptation.CALM])
    garden = make_opportunity(
        world, org=world.org_b, title="Trädgården", hours_per_week_min=30, hours_per_week_max=40, adaptations=[]
    )
    everything = {kitchen.title, shop.title, garden.title}
    assert _titles(client, {}) == everything
    assert _titles(client, {"type": "praktik"}) == {"Köket"}
    assert _titles(client, {"municipality": "2581"}) == {"Köket"}
    assert _titles(client, {"service": "catering"}) == {"Köket"}
    assert _titles(client, {"adaptation": ["calm", "physical"]}) == {"Köket"}  # offers all that are asked for
    assert _titles(client, {"adaptation": "calm"}) == {"Köket", "Butiken"}
    assert _titles(client, {"hours": "20"}) == {"Köket", "Butiken"}
    assert _titles(client, {"hours": "10"}) == {"Butiken"}
    assert _titles(client, {"q": "lunch skolor"}) == {"Köket"}
    assert _titles(client, {"q": "kvarnen"}) == {"Trädgården"}  # the organisation's name
    assert _titles(client, {"hours": "7", "type": "nope", "adaptation": "x", "municipality": "9999'--"}) == everything
    assert _titles(client, {"q": "x" * 500}) == everything  # too long: the form refuses it, the list stays whole


def test_the_adaptation_filter_gives_the_same_answer_without_json_containment(client, world, monkeypatch):
    """The embedded SQLite of `make run` cannot ask the database whether a JSON list contains a value."""
    make_opportunity(world, title="Köket", adaptations=[Adaptation.CALM, Adaptation.PHYSICAL])
    make_opportunity(world, title="Butiken", adaptations=[Adaptation.CALM])
    make_opportunity(world, title="Trädgården", adaptations=[])
    asked = {"adaptation": ["calm", "physical"]}
    in_database = (_titles(client, asked), _titles(client, {"adaptation": "calm"}))
    monkeypatch.setattr(connection.features, "supports_json_field_contains", False)
    assert (_titles(client, asked), _titles(client, {"adaptation": "calm"})) == in_database
    assert in_database == ({"Köket"}, {"Köket", "Butiken"})


def test_the_list_has_pages_that_keep_the_filters(client, world):
    for i in range(23):
        make_opportunity(world, title=f"Plats {i:02d}", type=OpportunityType.INTERNSHIP)
    first = client.get(LIST, {"type": "praktik"})
    assert len(first.context["page"].object_list) == 20
    assert 'href="?type=praktik&amp;page=2"' in first.content.decode()
    second = client.get(LIST, {"type": "praktik", "page": "2"})
    assert len(second.context["page"].object_list) == 3
    assert client.get(LIST, {"page": "abc"}).status_code == 200
    assert client.get(LIST, {"page": "99999999999999999999"}).status_code == 200


def test_the_json_list_takes_the_same_filters_in_the_readers_language(client, world, opp_a):
    make_opportunity(world, title="Köket", type=OpportunityType.INTERNSHIP)
    response = client.get(JSON, {"type": "arbetstraning"}, **SV)
    assert response["Content-Type"] == "application/json"
    (row,) = response.json()["opportunities"]
    assert row["title"] == opp_a.title and row["type"] == {"code": "arbetstraning", "label": "Arbetsträning"}
    assert row["url"] == settings.SITE_URL + detail_url(opp_a)
    assert row["times"] == [{"code": Weekday.MORNINGS, "label": "Förmiddagar"}]
    assert client.get(JSON, {"type": "praktik"}, **EN).json()["opportunities"][0]["type"]["label"] == "Internship"


# --- Sharing ----------------------------------------------------------------------------------------------
def test_the_page_gives_a_link_to_share_and_an_email_with_it(client, world, opp_a):
    page = client.get(detail_url(opp_a), **SV).content.decode()
    link = settings.SITE_URL + detail_url(opp_a)
    assert f'<input id="share-link" type="text" value="{link}" readonly>' in page
    mailto = re.search(r'href="(mailto:\?[^"]+)"', page).group(1)
    assert "subject=Praktikplats%3A%20Sortering%20och%20butik" in mailto
    assert quote(link, safe="") in mailto


def test_members_get_a_link_to_the_working_page_and_visitors_do_not(client, world, opp_a):
    working = reverse("matchmaking:opportunity_detail", kwargs={"code": opp_a.code})
    assert working not in client.get(detail_url(opp_a)).content.decode()
    client.force_login(world.officer_x)
    assert working in client.get(detail_url(opp_a)).content.decode()


# --- The organisation's profile and the map ---------------------------------------------------------------------
def test_the_profile_lists_the_organisations_open_opportunities_for_everyone(client, world, opp_a):
    profile = reverse("directory:detail", kwargs={"code": world.org_a.code})
    html = client.get(profile, **EN).content.decode()
    assert "Open placement opportunities" in html and detail_url(opp_a) in html
    # An organisation without any says nothing to a visitor, and tells its members how to publish one.
    other = reverse("directory:detail", kwargs={"code": world.org_b.code})
    assert "Open placement opportunities" not in client.get(other, **EN).content.decode()
    client.force_login(world.staff_b)
    member_view = client.get(other, **EN).content.decode()
    assert "No open placement opportunities right now." in member_view
    assert reverse("matchmaking:opportunity_create") in member_view


def test_the_map_shows_opportunities_as_a_layer_at_their_organisation(client, world, opp_a):
    _located(world.org_a, "65.584400", "22.154700")
    without = client.get(reverse("directory:map"), **EN)
    assert _layer_rows(without.content.decode()) == {}
    assert 'name="layer" value="opportunities"' in without.content.decode()
    response = client.get(reverse("directory:map"), {"layer": "opportunities", "kind": "asf"}, **EN)
    html = response.content.decode()
    (label, rows) = _layer_rows(html)["opportunities"]
    assert label == "Open placement opportunities"
    assert rows == [(opp_a.title, detail_url(opp_a), "Returen Återbruk · Work training · Luleå", 65.5844, 22.1547)]
    assert 'name="layer" value="opportunities" checked' in html
    assert '<input type="hidden" name="kind" value="asf">' in html  # the search is kept when the layer changes
    # The layer applies the filters it knows (the type here) to its own points; the organisations stay.
    narrowed = client.get(reverse("directory:map"), {"layer": "opportunities", "type": "praktik"}).content.decode()
    assert _layer_rows(narrowed)["opportunities"][1] == []
    assert '<tr data-lat="65.5844" data-lng="22.1547">' in narrowed  # the organisation's own row and marker
    # An organisation without coordinates has no marker.
    Organisation.objects.filter(pk=world.org_a.pk).update(latitude=None, longitude=None)
    assert (
        "map-data"
        not in client.get(reverse("directory:map"), {"layer": "opportunities", "kind": "asf"}).content.decode()
    )


# --- Query budgets ------------------------------------------------------------------------------------------
def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _grow(world, start: int, stop: int) -> None:
    services_ = [ServiceCategory.objects.get(slug="catering"), None]
    for i in range(start, stop):
        make_opportunity(world, title=f"Plats {i:02d}", service=services_[i % 2], adaptations=[Adaptation.CALM])


def test_every_public_view_makes_the_same_number_of_queries_for_2_and_20_opportunities(client, world):
    _located(world.org_a)
    urls = [
        LIST,
        JSON,
        reverse("directory:map") + "?layer=opportunities",
        reverse("directory:detail", kwargs={"code": world.org_a.code}),
    ]
    _grow(world, 0, 2)
    small = [_queries(client, url) for url in urls]
    _grow(world, 2, 20)
    assert [_queries(client, url) for url in urls] == small
    opportunity = Opportunity.objects.first()
    assert _queries(client, detail_url(opportunity)) <= 6
