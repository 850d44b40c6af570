"""Fixtures for the whole suite: the personas of docs/security-checks.md.

ASF organisations A and B with staff; municipalities X (Luleå) and Y (Piteå) with officers; a business
member; a coordinator. Officers and coordinators have TOTP set up (the app requires it)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache import cache

from directory import facet_cache
from directory.factories import CoordinatorFactory
from directory.forbund import registry as forbund_registry
from directory.models import MembershipRole, Organisation, OrganisationKind
from tests.factories import MembershipFactory, OrganisationFactory

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def pytest_itemcollected(item):
    """The ids of `@pytest.mark.security("B9", ...)` go into the JUnit XML as properties of the test case
    (`security` = "B9"), where scripts/security_table.py counts tried / held / not run per category."""
    for marker in item.iter_markers("security"):
        item.user_properties.extend(("security", check_id) for check_id in marker.args)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters and used-TOTP marks live in the Redis cache: every test starts empty, and so does
    this process's copy of the förbund registry (a rolled-back test's förbund are gone) and its cache of
    rendered profile facts."""
    cache.clear()
    forbund_registry.forget_local()
    facet_cache.LOCAL.clear()


_DB_FIXTURES = {"db", "transactional_db", "live_server", "world", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Municipalities and the service taxonomy come from a data migration; transactional tests (browser,
    Celery) empty every table afterwards, so tests that use the database get them back first."""
    if _DB_FIXTURES & set(request.fixturenames) or request.node.get_closest_marker("django_db"):
        marker = request.node.get_closest_marker("django_db")
        transactional = (
            "transactional_db" in request.fixturenames
            or "live_server" in request.fixturenames
            or (marker is not None and marker.kwargs.get("transaction"))
        )
        request.getfixturevalue("transactional_db" if transactional else "db")
        from directory.reference_data import ensure

        ensure()


def give_totp(user) -> None:
    TOTP.activate(user, TOTP_SECRET)


@dataclass
class World:
    org_a: Organisation
    org_b: Organisation
    hidden_org: Organisation
    muni_x: Organisation
    muni_y: Organisation
    business: Organisation
    forbund: Organisation
    staff_a: object
    admin_a: object
    staff_b: object
    officer_x: object
    officer_y: object
    business_member: object
    coordinator: object

    def user(self, role: str):
        return None if role == "anonymous" else getattr(self, role)


@pytest.fixture
def world(db) -> World:
    org_a = OrganisationFactory(name="Returen Återbruk", kind=OrganisationKind.ASF, kommunkod="2580")
    org_b = OrganisationFactory(name="Café Kvarnen", kind=OrganisationKind.ASF, kommunkod="2581")
    hidden_org = OrganisationFactory(name="Dolda Snickeriet", kind=OrganisationKind.ASF, published=False)
    muni_x = OrganisationFactory(name="Luleå kommun", kind=OrganisationKind.MUNICIPALITY, orgnr="2120002742")
    muni_y = OrganisationFactory(name="Piteå kommun", kind=OrganisationKind.MUNICIPALITY, kommunkod="2581")
    business = OrganisationFactory(name="Norrbygg AB", kind=OrganisationKind.BUSINESS)
    forbund = OrganisationFactory(
        name="Samordningsförbundet Södra Norrbotten",
        kind=OrganisationKind.LOCAL_GOVERNMENT_ASSOCIATION,
        orgnr="2220002204",
    )
    staff_a = MembershipFactory(organisation=org_a, user__email="staff.a@example.se").user
    admin_a = MembershipFactory(organisation=org_a, role=MembershipRole.ADMIN, user__email="admin.a@example.se").user
    staff_b = MembershipFactory(organisation=org_b, user__email="staff.b@example.se").user
    MembershipFactory(organisation=hidden_org, user=staff_b)
    officer_x = MembershipFactory(organisation=muni_x, user__email="officer.x@example.se").user
    officer_y = MembershipFactory(organisation=muni_y, user__email="officer.y@example.se").user
    business_member = MembershipFactory(organisation=business, user__email="buyer@example.se").user
    coordinator = MembershipFactory(
        organisation=forbund,
        role=MembershipRole.ADMIN,
        user=CoordinatorFactory(email="coordinator@example.se"),
    ).user
    for user in (officer_x, officer_y, coordinator):
        give_totp(user)
    return World(
        org_a=org_a,
        org_b=org_b,
        hidden_org=hidden_org,
        muni_x=muni_x,
        muni_y=muni_y,
        business=business,
        forbund=forbund,
        staff_a=staff_a,
        admin_a=admin_a,
        staff_b=staff_b,
        officer_x=officer_x,
        officer_y=officer_y,
        business_member=business_member,
        coordinator=coordinator,
    )


@pytest.fixture
def portals(db):
    """An installation with two portals: Södra Norrbotten on a.testserver (the `world`'s förbund, when the test
    has a world) and Jämtland on b.testserver. Requests choose one by host: `headers={"host": "b.testserver"}`;
    the test client's own host (testserver) is the national one."""
    from directory.factories import ForbundFactory

    south = ForbundFactory()
    south.host = "a.testserver"
    south.save()
    return south, ForbundFactory(second=True)


ROLES = ["anonymous", "staff_a", "admin_a", "staff_b", "business_member", "officer_x", "coordinator"]


@pytest.fixture
def tasks_inline(monkeypatch):
    """Tasks handed to the broker (kernel.queue.publish, delay_on_commit once the commit runs) run here and
    now, as a worker would run their bodies, and an error propagates: for tests of what a fan-out sends.
    The broker path itself is tested with real workers (tests marked celery_worker)."""
    from kernel.queue import SafeTask

    def run_now(task, args=None, kwargs=None, **options):
        return task(*(args or ()), **(kwargs or {}))

    monkeypatch.setattr(SafeTask, "apply_async", run_now)
