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
