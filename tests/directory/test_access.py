"""Who the person is, read once: directory.access.Actor for every persona, a deactivated account, the one
query that builds it, `request.actor` once per request, and the role labels in Swedish."""

from __future__ import annotations

import re
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import login, logout
from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from asfnet.middleware import install_actor
from directory.access import (
    ANONYMOUS,
    Actor,
    Role,
    actor_for,
    can_edit_organisation,
    can_manage_members,
    organisation_for_user,
)
from directory.forbund.registry import registry
from directory.models import Organisation
from events.models import Event
from tests.conftest import ROLES
from tests.factories import EventFactory

ROOT = Path(__file__).resolve().parents[2]

# persona → (role, coordinator, member of, administrator of, officer for) as World attribute names
PERSONAS = {
    "anonymous": (Role.PUBLIC, False, (), (), ()),
    "staff_a": (Role.ASF_STAFF, False, ("org_a",), (), ()),
    "admin_a": (Role.ASF_STAFF, False, ("org_a",), ("org_a",), ()),
    "staff_b": (Role.ASF_STAFF, False, ("org_b", "hidden_org"), (), ()),
    "officer_x": (Role.OFFICER, False, ("muni_x",), (), ("muni_x",)),
    "officer_y": (Role.OFFICER, False, ("muni_y",), (), ("muni_y",)),
    "business_member": (Role.ORG_MEMBER, False, ("business",), (), ()),
    "coordinator": (Role.COORDINATOR, True, ("forbund",), ("forbund",), ()),
}


def _ids(world, names) -> frozenset[int]:
    return frozenset(getattr(world, name).pk for name in names)


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_the_actor_of_each_persona(world, persona):
    role, coordinator, member, admin, officer = PERSONAS[persona]
    actor = actor_for(world.user(persona))
    assert actor.user == world.user(persona)
    assert actor.is_authenticated is (persona != "anonymous")
    assert actor.role is role
    assert actor.is_coordinator is coordinator
    assert actor.organisation_ids == _ids(world, member)
    assert actor.admin_organisation_ids == _ids(world, admin)
    assert actor.officer_organisation_ids == _ids(world, officer)
    assert actor.officer_municipalities == frozenset(getattr(world, name).kommunkod_id for name in officer)
    assert {m.organisation_id for m in actor.memberships} == actor.organisation_ids
    assert actor.is_officer is bool(officer)
    assert actor.requires_mfa is (coordinator or bool(officer))


def test_an_officers_scope_covers_the_municipality_and_the_agency_they_work_for(world):
    from tests.factories import MembershipFactory, OrganisationFactory

    agency = OrganisationFactory(name="Arbetsförmedlingen Luleå", kind="agency", kommunkod="2580")
    MembershipFactory(organisation=agency, user=world.officer_x)
    actor = actor_for(world.officer_x)
    assert actor.officer_organisation_ids == {world.muni_x.pk, agency.pk}
    assert actor.officer_municipalities == {world.muni_x.kommunkod_id}  # the agency is no municipality
    assert {o.pk for o in actor.officer_organisations} == {world.muni_x.pk, agency.pk}


def test_the_actor_is_frozen(world):
    actor = actor_for(world.staff_a)
    with pytest.raises(AttributeError):
        actor.is_coordinator = True


def test_building_an_actor_reads_memberships_and_organisations_in_one_query(world, django_assert_num_queries):
    # The förbund (host routing and coordinators) come from a cached registry: one query when it is cold.
    with django_assert_num_queries(1):
        registry()
    with django_assert_num_queries(1):
        actor = actor_for(world.staff_b)
    with django_assert_num_queries(0):
        assert sorted(o.name for o in actor.organisations) == ["Café Kvarnen", "Dolda Snickeriet"]
        assert actor.role is Role.ASF_STAFF
    forbund = world.coordinator.coordinated_forbund.get()
    with django_assert_num_queries(0):
        assert actor_for(None, None) == ANONYMOUS
        assert actor_for(None) == Actor(user=None, forbund_id=forbund.pk)  # the installation's only förbund


# --- A deactivated account: nothing beyond what a visitor has ------------------------------------------
def _what_is_seen(actor: Actor, world) -> dict[str, object]:
    def found(**kwargs) -> bool:
        try:
            organisation_for_user(actor=actor, **kwargs)
        except Http404:
            return False
        return True

    return {
        "organisations": set(Organisation.objects.visible_to(actor).values_list("pk", flat=True)),
        "searchable": set(Organisation.objects.searchable_by(actor).values_list("pk", flat=True)),
        "editable": set(Organisation.objects.editable_by(actor).values_list("pk", flat=True)),
        "events": set(Event.objects.visible_to(actor).values_list("pk", flat=True)),
        "events_editable": set(Event.objects.editable_by(actor).values_list("pk", flat=True)),
        "edit_hidden_org": can_edit_organisation(actor, world.hidden_org),
        "manage_org_a": can_manage_members(actor, world.org_a),
        "reach_hidden_org": found(code=world.hidden_org.code),
        "reach_org_a_internal": found(code=world.org_a.code, write=True),
    }


@pytest.fixture
def events(world):
    """One event of each kind a visitor must not see, and one public event they may."""
    return [
        EventFactory(organiser=world.org_b, title_sv="Öppen träff"),
        EventFactory(organiser=world.org_b, title_sv="Utkast", draft=True),
        EventFactory(organiser=world.org_b, title_sv="Nätverksmöte", network=True),
        EventFactory(organiser=world.org_b, title_sv="Inbjudna", invited_only=True, invited=[world.org_a]),
        EventFactory(organiser=world.hidden_org, title_sv="Dolt utkast", draft=True),
    ]


@pytest.mark.parametrize("persona", [r for r in ROLES if r != "anonymous"] + ["officer_y"])
def test_a_deactivated_account_sees_and_changes_nothing_a_visitor_cannot(world, events, persona):
    """The coordinator check in Event.visible_to/editable_by used to read `user.is_coordinator` without
    `is_active`; now every rule reads the Actor, and only building the Actor looks at `is_active`."""
    user = world.user(persona)
    active = _what_is_seen(actor_for(user), world)
    user.is_active = False
    user.save(update_fields=["is_active"])
    actor = actor_for(user)
    assert actor == actor_for(None)
    assert _what_is_seen(actor, world) == _what_is_seen(actor_for(None), world)
    assert active != _what_is_seen(actor_for(None), world)  # the persona did see more while active


def test_a_deactivated_coordinator_sees_only_public_events(world, events):
    world.coordinator.is_active = False
    world.coordinator.save(update_fields=["is_active"])
    seen = Event.objects.visible_to(actor_for(world.coordinator))
    assert sorted(e.title_sv for e in seen) == ["Öppen träff"]
    assert not Event.objects.editable_by(actor_for(world.coordinator)).exists()


# --- Once per request ------------------------------------------------------------------------------------
def _actor_queries(queries) -> list[str]:
    """The query that builds an Actor: the user's memberships joined with their organisations."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT "directory_membership"."id"')
        and 'INNER JOIN "directory_organisation"' in q["sql"]
        and re.search(r'WHERE "directory_membership"\."user_id" = \d+', q["sql"])
    ]


@pytest.mark.parametrize("persona", ["staff_b", "officer_x", "coordinator"])
@pytest.mark.parametrize(
    "url",
    [
        lambda w: reverse("home"),  # the view lists the memberships, base.html's context asks for the role
        lambda w: reverse("directory:detail", kwargs={"code": w.org_a.code}),  # the view, the panels, the page
        lambda w: reverse("events:index"),
        lambda w: reverse("matchmaking:index"),  # matchmaking still asks with request.user
    ],
    ids=["home", "directory-detail", "events", "matchmaking"],
)
def test_the_actor_is_built_once_per_request(client, world, persona, url):
    client.force_login(world.user(persona))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(world))
    assert response.status_code == 200
    assert len(_actor_queries(queries.captured_queries)) == 1
    assert response.wsgi_request.actor.user == world.user(persona)


def test_an_anonymous_request_builds_its_actor_without_a_query(client, world):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert _actor_queries(queries.captured_queries) == []
    assert response.wsgi_request.actor == actor_for(None)


def test_a_membership_change_takes_effect_on_the_next_request(client, world):
    from tests.factories import MembershipFactory

    client.force_login(world.business_member)
    assert client.get(reverse("directory:edit", kwargs={"code": world.org_b.code})).status_code == 404
    MembershipFactory(organisation=world.org_b, user=world.business_member)
    assert client.get(reverse("directory:edit", kwargs={"code": world.org_b.code})).status_code == 200


def _request_with_session():
    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    install_actor(request)
    return request


def test_logging_in_or_out_during_a_request_changes_its_actor(world):
    request = _request_with_session()
    assert request.actor == actor_for(None)  # read before the login
    login(request, world.officer_x, backend="django.contrib.auth.backends.ModelBackend")
    assert request.actor.user == world.officer_x
    assert request.actor.role is Role.OFFICER
    logout(request)
    assert request.actor == actor_for(None)


# --- Role labels -----------------------------------------------------------------------------------------
def test_role_labels_are_translated_to_swedish():
    with translation.override("sv"):
        labels = {role: str(role.label) for role in Role}
    assert labels == {
        Role.PUBLIC: "Besökare",
        Role.ORG_MEMBER: "Medlem i organisation",
        Role.ASF_STAFF: "Medarbetare på ASF",
        Role.OFFICER: "Handläggare på kommun eller myndighet",
        Role.COORDINATOR: "Samordnare",
    }


def test_the_home_page_names_the_role_in_swedish(client, world):
    client.force_login(world.officer_x)
    body = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "<strong>Handläggare på kommun eller myndighet</strong>" in body


# --- One place decides -----------------------------------------------------------------------------------
_OWNED = ("kernel", "notifications", "directory", "events", "reports", "asfnet")


def _sources():
    for package in _OWNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, path.read_text(encoding="utf-8")


def test_no_rule_outside_the_actor_asks_whether_a_user_is_authenticated_or_active():
    """`getattr(user, "is_authenticated", False)` and `user.is_active` were spread over the apps (and had
    drifted); the Actor is now the only reader of `is_active` (matchmaking converts later)."""
    offenders = []
    for path, text in _sources():
        name = str(path.relative_to(ROOT))
        if re.search(r'getattr\([^)]*"is_authenticated"', text):
            offenders.append(f"{name}: getattr(…, 'is_authenticated')")
        if re.search(r"\.is_active\b", text) and name != "directory/access.py":
            offenders.append(f"{name}: .is_active")
    assert offenders == []


def test_no_user_any_in_kernel_access_services_or_selectors():
    checked = [
        p for p, _ in _sources() if p.parts[-2] == "kernel" or re.search(r"(access|services\w*|selectors)\.py$", p.name)
    ]
    assert checked
    offenders = [str(p.relative_to(ROOT)) for p in checked if re.search(r"\b(user|actor): Any\b", p.read_text())]
    assert offenders == []
