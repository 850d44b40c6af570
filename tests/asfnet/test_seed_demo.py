"""`manage.py seed_demo` seeds two förbund over one national directory, so the separation can be seen and tried
on `make run`: Södra Norrbotten and Jämtlands län, each with its host, area, coordinator, officer, project,
participants and calendar; Arbetsförmedlingen, Försäkringskassan and the ASF Kompassen Norr shared by both; and
Arbetsförmedlingen's one officer, who on each förbund's host sees only that förbund's participants. A second run
creates nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from directory import reference_data
from directory.access import actor_for
from directory.demo import demo_forbund
from directory.models import Forbund, Membership, Organisation, OrganisationKind
from events.models import Event, Registration
from kernel.identifiers import normalise_orgnr
from kernel.models import User
from matchmaking.models import FundedProject, LabourMarketEvent, Match, Need, Opportunity, Participant

JAMTLANDS_LAN = ["2303", "2305", "2309", "2313", "2321", "2326", "2361", "2380"]
SODRA_NORRBOTTEN = ["2560", "2580", "2581", "2582"]
AF, FK, KOMPASSEN = "2021002114", "2021005521", "7696008098"


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The demo seeded once for the module (it takes seconds), in a transaction rolled back at its end: each
    test's own transaction is a savepoint inside it, so what a test changes is undone after it. The reference
    data goes in first: a transactional test run before this module on the same worker has emptied it, and the
    suite's per-test fixture that restores it runs only after this module-wide one."""
    with django_db_blocker.unblock(), override_settings(DEMO_MODE=True), transaction.atomic():
        reference_data.ensure()
        yield _seed()
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_seeded_once, db, settings) -> str:
    settings.DEMO_MODE = True
    return _seeded_once


def _codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def test_two_forbund_with_their_hosts_and_areas_and_the_portals_are_printed(seeded):
    forbund = {f.slug: f for f in Forbund.objects.all()}
    assert set(forbund) == {"sodra-norrbotten", "jamtland"}
    south, jamtland = forbund["sodra-norrbotten"], forbund["jamtland"]
    assert (south.host, jamtland.host) == ("sodranorrbotten.localhost", "jamtland.localhost")
    assert sorted(south.municipalities.values_list("code", flat=True)) == SODRA_NORRBOTTEN
    assert sorted(jamtland.municipalities.values_list("code", flat=True)) == JAMTLANDS_LAN
    assert set(jamtland.municipalities.values_list("county_code", flat=True)) == {"23"}
    assert (jamtland.name, jamtland.short_name) == ("Samordningsförbundet i Jämtlands län", "Jämtland")
    assert normalise_orgnr(jamtland.orgnr) == "2220001354"
    assert jamtland.contact_email.endswith("example.se") and jamtland.intro_sv and jamtland.intro_en
    portals = seeded.split("Förbund portals", 1)[1]
    assert "Samordningsförbundet Södra Norrbotten  http://sodranorrbotten.localhost:8000/" in portals
    assert "Samordningsförbundet i Jämtlands län   http://jamtland.localhost:8000/" in portals
    assert "National front page                    http://localhost:8000/" in portals


def test_each_demo_coordinator_coordinates_exactly_their_forbund_and_every_officer_has_totp(seeded):
    coordinators = {
        user.email: sorted(user.coordinated_forbund.values_list("slug", flat=True))
        for user in User.objects.filter(coordinated_forbund__isnull=False).distinct()
    }
    assert coordinators == {
        "coordinator@demo.asfnet.se": ["sodra-norrbotten"],
        "coordinator.jamtland@demo.asfnet.se": ["jamtland"],
    }
    assert Membership.objects.get(user__email="coordinator.jamtland@demo.asfnet.se").organisation.orgnr == "2220001354"
    ostersund = Membership.objects.get(user__email="officer.ostersund@demo.asfnet.se").organisation
    assert (ostersund.name, ostersund.kind, ostersund.kommunkod_id) == (
        "Östersunds kommun",
        OrganisationKind.MUNICIPALITY,
        "2380",
    )
    assert Membership.objects.get(user__email="af@demo.asfnet.se").organisation.orgnr == AF
    with_totp = set(Authenticator.objects.filter(type=Authenticator.Type.TOTP).values_list("user__email", flat=True))
    assert with_totp == {
        "coordinator@demo.asfnet.se",
        "officer@demo.asfnet.se",
        "coordinator.jamtland@demo.asfnet.se",
        "officer.ostersund@demo.asfnet.se",
        "af@demo.asfnet.se",
    }
    for line in ("coordinator.jamtland@demo.asfnet.se", "officer.ostersund@demo.asfnet.se", "af@demo.asfnet.se"):
        assert line in seeded.split("Demo logins", 1)[1]


def test_the_agencies_and_the_shared_asf_are_one_organisation_each_in_both_forbund(seeded):
    for orgnr, name in ((AF, "Arbetsförmedlingen"), (FK, "Försäkringskassan"), (KOMPASSEN, "Kompassen Norr")):
        assert Organisation.objects.filter(name__startswith=name).count() == 1
        assert Organisation.objects.get(name__startswith=name).orgnr == orgnr
    # Arbetsförmedlingen raises participants in both förbund's projects …
    assert set(
        Participant.objects.filter(raised_by_organisation__orgnr=AF).values_list("project__forbund__slug", flat=True)
    ) == {"sodra-norrbotten", "jamtland"}
    # … and Kompassen Norr has an opportunity in each förbund's area and an event in each calendar.
    south, jamtland = (Forbund.objects.get(slug=slug) for slug in ("sodra-norrbotten", "jamtland"))
    kompassen = Opportunity.objects.filter(organisation__orgnr=KOMPASSEN)
    assert kompassen.filter(municipality__in=south.municipalities.all()).count() == 1
    assert kompassen.filter(municipality__in=jamtland.municipalities.all()).count() == 1
    assert set(Event.objects.filter(organiser__orgnr=KOMPASSEN).values_list("forbund__slug", flat=True)) == {
        "sodra-norrbotten",
        "jamtland",
    }
    # Each förbund has its own project and calendar.
    assert dict(FundedProject.objects.values_list("diarienummer", "forbund__slug")) == {
        "23-051-S06": "sodra-norrbotten",
        "24-093-S11": "jamtland",
    }
    in_ostersund = Event.objects.filter(forbund=jamtland)
    assert in_ostersund.count() == 3
    assert set(in_ostersund.values_list("kommunkod", flat=True)) == {"2380"}
    assert not Event.objects.filter(forbund__isnull=True).exists()


def test_a_second_run_creates_nothing(seeded):
    models = (Forbund, Organisation, User, Membership, Authenticator, FundedProject, Participant, Need)
    models += (LabourMarketEvent, Opportunity, Match, Event, Registration)
    before = {model.__name__: model.objects.count() for model in models}
    assert all(before.values())
    _seed()
    assert {model.__name__: model.objects.count() for model in models} == before


def test_the_agency_officer_sees_only_the_participants_of_the_forbund_they_act_in(seeded):
    af = User.objects.get(email="af@demo.asfnet.se")
    south, jamtland = demo_forbund("sodra-norrbotten"), demo_forbund("jamtland")
    assert _codes(Participant.objects.visible_to(actor_for(af, south))) == {"AF-SN-0001", "AF-SN-0002"}
    assert _codes(Participant.objects.visible_to(actor_for(af, jamtland))) == {"AF-JL-0001", "AF-JL-0002"}
    assert not Participant.objects.visible_to(actor_for(af, None)).exists()
    ostersund = User.objects.get(email="officer.ostersund@demo.asfnet.se")
    assert _codes(Participant.objects.visible_to(actor_for(ostersund, jamtland))) == {
        "OST-0001",
        "OST-0002",
        "OST-0003",
    }
    assert not Participant.objects.visible_to(actor_for(ostersund, south)).exists()
    jamtland_coordinator = User.objects.get(email="coordinator.jamtland@demo.asfnet.se")
    assert actor_for(jamtland_coordinator, jamtland).is_coordinator
    assert not actor_for(jamtland_coordinator, south).is_coordinator


def test_on_each_forbund_host_the_agency_officer_lists_only_its_participants(seeded, client, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".localhost"]  # the hosts as seeded for `make run`
    client.force_login(User.objects.get(email="af@demo.asfnet.se"))
    pages = {
        host: client.get(reverse("matchmaking:index"), HTTP_HOST=host)
        for host in ("sodranorrbotten.localhost", "jamtland.localhost")
    }
    assert {host: response.status_code for host, response in pages.items()} == {
        "sodranorrbotten.localhost": 200,
        "jamtland.localhost": 200,
    }
    south, jamtland = (pages[host].content.decode() for host in ("sodranorrbotten.localhost", "jamtland.localhost"))
    assert "AF-SN-0001" in south and "AF-SN-0002" in south
    assert "AF-JL-0001" not in south and "AF-JL-0002" not in south
    assert "AF-JL-0001" in jamtland and "AF-JL-0002" in jamtland
    assert "AF-SN-0001" not in jamtland and "AF-SN-0002" not in jamtland
