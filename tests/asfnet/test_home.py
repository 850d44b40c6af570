"""The public home page (templates/home.html, asfnet/showcase.py): what an ASF is and what it offers a
municipality, a business and a person looking for a first step; a selection of ASF that changes every day;
upcoming events; open placement opportunities; the network in numbers. Swedish first, English complete, and a
fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from asfnet import showcase
from directory.access import actor_for
from directory.models import Organisation, OrganisationKind, ServiceCategory
from events.factories import EventFactory
from matchmaking.factories import OpportunityFactory
from tests.factories import OrganisationFactory

HOME = "/"
SV = {"HTTP_ACCEPT_LANGUAGE": "sv"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _asf(name: str, *services: str, **extra) -> Organisation:
    organisation = OrganisationFactory(name=name, kind=OrganisationKind.ASF, **extra)
    organisation.services.set(ServiceCategory.objects.filter(slug__in=services))
    return organisation


@pytest.mark.parametrize(
    ("language", "sentences"),
    [
        (
            SV,
            [
                "Ett arbetsintegrerande socialt företag (ASF) är ett företag som finns till för att ge människor",
                "För en kommun eller en myndighet",
                "För ett företag",
                "För den som söker ett första steg",
                "Nätverket i siffror",
                "Kommande evenemang",
                "Nyaste praktikplatserna",
            ],
        ),
        (
            EN,
            [
                "A work-integration social enterprise (ASF) is a business that exists to give people",
                "For a municipality or an agency",
                "For a business",
                "For a person looking for a first step",
                "The network in numbers",
                "Upcoming events",
                "Newest placement opportunities",
            ],
        ),
    ],
)
def test_a_visitor_learns_what_an_asf_is_and_offers_each_reader(client, db, language, sentences):
    page = client.get(HOME, **language).content.decode()
    for sentence in sentences:
        assert sentence in page
    assert reverse("opportunities:list") in page and reverse("directory:index") + "?kind=asf" in page


def test_a_logged_in_member_gets_the_network_without_the_introduction(client, world):
    client.force_login(world.staff_a)
    page = client.get(HOME, **EN).content.decode()
    assert "The network in numbers" in page and "Welcome," in page
    assert "For a person looking for a first step" not in page


def test_the_selection_shows_listed_asf_with_their_services_and_changes_from_day_to_day(db):
    listed = [_asf(f"ASF {i:02d}", "catering", "stad") for i in range(12)]
    hidden = _asf("Dold ASF", "catering", published=False)
    stale = _asf("Gammal ASF", confirmed_at=timezone.now() - dt.timedelta(days=3 * 365))
    business = OrganisationFactory(name="Ett företag", kind=OrganisationKind.BUSINESS)
    days = [dt.date(2026, 12, 1) + dt.timedelta(days=n) for n in range(7)]
    selections = [showcase.asf_of_the_day(today=day) for day in days]
    for selection in selections:
        assert len(selection) == 3 and len({o.pk for o in selection}) == 3
        assert {o.pk for o in selection} <= {o.pk for o in listed}
        assert not {o.pk for o in selection} & {hidden.pk, stale.pk, business.pk}
        assert all({s.slug for s in o.service_list} == {"catering", "stad"} for o in selection)
    assert len({tuple(o.pk for o in selection) for selection in selections}) > 1, "the selection changes"
    assert [o.pk for o in showcase.asf_of_the_day(today=days[0])] == [o.pk for o in selections[0]], "all day long"


def test_the_page_shows_upcoming_public_events_and_open_opportunities(client, world):
    public = EventFactory(organiser=world.org_a, title_sv="Frukostmöte", title_en="Breakfast meeting")
    EventFactory(organiser=world.org_a, network=True, title_sv="Bara för nätverket")
    EventFactory(organiser=world.org_a, past=True, title_sv="Förra månadens träff")
    EventFactory(organiser=world.org_a, draft=True, title_sv="Utkastet")
    opportunity = OpportunityFactory(organisation=world.org_a, title="Sortering och butik")
    OpportunityFactory(organisation=world.org_a, title="Inte publicerad", published=False)
    page = client.get(HOME, **SV).content.decode()
    assert "Frukostmöte" in page and reverse("events:detail", kwargs={"code": public.code}) in page
    assert reverse("opportunities:detail", kwargs={"code": opportunity.code}) in page
    for absent in ("Bara för nätverket", "Förra månadens träff", "Utkastet", "Inte publicerad"):
        assert absent not in page
    client.force_login(world.staff_b)  # a member also sees the network's own events
    assert "Bara för nätverket" in client.get(HOME, **SV).content.decode()


def test_the_numbers_count_the_listed_network(client, world):
    EventFactory(organiser=world.org_a)
    EventFactory(organiser=world.org_a, network=True)
    OpportunityFactory(organisation=world.org_a, places_total=3)
    OpportunityFactory(organisation=world.org_b, places_total=2)
    OpportunityFactory(organisation=world.hidden_org)  # not public: not counted
    numbers = showcase.network_numbers(actor=actor_for(None))
    listed = Organisation.objects.listed()
    assert numbers.asf == listed.filter(kind=OrganisationKind.ASF).count() >= 2
    assert numbers.organisations == listed.count()
    assert numbers.municipalities == len(set(listed.values_list("kommunkod", flat=True)) - {None})
    assert (numbers.opportunities, numbers.places, numbers.events) == (2, 5, 1)
    page = client.get(HOME, **EN).content.decode()
    assert "<dt>Open placement opportunities</dt><dd>2</dd>" in page
    assert "<dt>Places left on them</dt><dd>5</dd>" in page


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(HOME).status_code == 200
    return len(captured)


def _grow(world, count: int) -> None:
    for i in range(count):
        _asf(f"Växande ASF {i}", "catering")
        EventFactory(organiser=world.org_a, title_sv=f"Träff {i}")
        OpportunityFactory(organisation=world.org_b, title=f"Plats {i}")


@pytest.mark.parametrize("role", ["anonymous", "staff_a"])
def test_the_home_page_makes_the_same_number_of_queries_for_2_and_20_of_everything(client, world, role):
    if role != "anonymous":
        client.force_login(world.user(role))
    _grow(world, 2)
    _queries(client)  # the first page after logging in records the session (allauth usersessions): not counted
    small = _queries(client)
    _grow(world, 18)
    assert _queries(client) == small
