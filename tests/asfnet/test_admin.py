"""The Django admin offers coordinators lists of the project's data; a URL must not filter a list by a field
the admin does not offer (a sensitive one above all: `?disability__exact=1` would reveal who has one)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from kernel.admin import OfferedLookupsOnly

PROJECT_APPS = {"asfnet", "directory", "matchmaking", "events", "reports", "notifications", "usersessions"}


def _project_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PROJECT_APPS
    ]


def test_every_admin_of_the_project_filters_only_by_what_it_offers():
    admins = _project_admins()
    assert len(admins) >= 10
    assert [model._meta.label for model, model_admin in admins if not isinstance(model_admin, OfferedLookupsOnly)] == []


@pytest.mark.parametrize(
    ("label", "lookup"),
    [
        ("matchmaking.Participant", "disability__exact"),
        ("matchmaking.Participant", "birth_date__year"),
        ("matchmaking.Participant", "project__owner__name__icontains"),
        ("events.Registration", "dietary_needs__icontains"),
        ("events.Registration", "accessibility_needs__icontains"),
        ("asfnet.User", "email__startswith"),
    ],
)
def test_a_lookup_the_admin_does_not_offer_is_refused(rf, label, lookup):
    from django.apps import apps

    model_admin = admin.site._registry[apps.get_model(label)]
    assert model_admin.lookup_allowed(lookup, "1", rf.get("/")) is False


@pytest.mark.parametrize(
    ("label", "lookup"),
    [
        ("matchmaking.Participant", "project__id__exact"),
        ("events.Registration", "status__exact"),
        ("asfnet.User", "is_active__exact"),
        ("asfnet.AuditLog", "action__exact"),
    ],
)
def test_the_filters_the_admin_offers_still_work(rf, label, lookup):
    from django.apps import apps

    model_admin = admin.site._registry[apps.get_model(label)]
    assert model_admin.lookup_allowed(lookup, "1", rf.get("/")) is True


@pytest.mark.django_db
def test_an_offered_filter_answers_and_an_unoffered_one_is_a_400(client, world):
    client.force_login(world.coordinator)
    url = reverse("admin:matchmaking_participant_changelist")
    assert client.get(url, {"project__id__exact": "1"}).status_code == 200
    assert client.get(url, {"birth_date__year": "1990"}).status_code == 400


# --- Who the admin site admits (asfnet/admin_site.py) --------------------------------------------------------
@pytest.fixture
def two_portals(world, portals):
    """Södra Norrbotten (a.testserver, the world's coordinator's) and Jämtland (b.testserver), each with a
    project."""
    from matchmaking.models import FundedProject

    south, jamtland = portals
    FundedProject.objects.create(forbund=south, diarienummer="23-051-S06", name="Södra", owner=world.forbund)
    FundedProject.objects.create(forbund=jamtland, diarienummer="24-093-S11", name="Jämtland", owner=world.forbund)
    return south, jamtland


@pytest.mark.security("C17")
@pytest.mark.parametrize(("host", "admitted"), [("a.testserver", True), ("b.testserver", False), ("testserver", False)])
def test_a_coordinator_uses_the_admin_only_on_their_own_forbunds_portal(client, world, two_portals, host, admitted):
    client.force_login(world.coordinator)

    index = client.get(reverse("admin:index"), headers={"host": host})
    projects = client.get(reverse("admin:matchmaking_fundedproject_changelist"), headers={"host": host})

    if admitted:
        assert (index.status_code, projects.status_code) == (200, 200)
        assert [p.diarienummer for p in projects.context["cl"].result_list] == ["23-051-S06"]
    else:
        for response in (index, projects):
            assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


@pytest.mark.security("C17")
def test_a_coordinator_removed_from_the_forbund_loses_the_admin_on_the_next_request(client, world):
    from directory.factories import ForbundFactory

    client.force_login(world.coordinator)
    assert client.get(reverse("admin:index")).status_code == 200
    ForbundFactory().coordinators.remove(world.coordinator)
    world.coordinator.refresh_from_db()

    response = client.get(reverse("admin:index"))

    assert world.coordinator.is_staff
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_the_platform_operator_uses_the_admin_on_the_national_host(client, world, two_portals):
    from kernel.factories import UserFactory
    from tests.conftest import give_totp

    operator = UserFactory(email="operator@example.se", is_staff=True, is_superuser=True)
    give_totp(operator)
    client.force_login(operator)

    response = client.get(reverse("admin:index"), headers={"host": "testserver"})

    assert response.status_code == 200
