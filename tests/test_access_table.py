"""One table of every URL × role × expected status (security-checks C10–C11, C17, D22).

Each row: a name, how to build the URL from the `world` personas, the method (and POST data), and the
expected status per role. `302` means "redirected to the login page" for anonymous users and an ordinary
redirect otherwise. The meta-test at the bottom fails when a URL of ours has no row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import ROLES

pytestmark = pytest.mark.adversarial("C")

# Roles: anonymous, staff_a (member of ASF A), admin_a (admin of A), staff_b (member of ASF B and of the
# unpublished org), business_member, officer_x (Luleå kommun), coordinator.
ALL_200 = dict.fromkeys(ROLES, 200)
LOGGED_IN_200 = {**dict.fromkeys(ROLES, 200), "anonymous": 302}
COORDINATOR_ONLY = {**dict.fromkeys(ROLES, 403), "anonymous": 302, "coordinator": 200}


@dataclass
class Row:
    name: str
    url: Callable[[object], str]
    expected: dict[str, int]
    method: str = "get"
    data: Callable[[object], dict] = field(default=lambda w: {})
    # Where an anonymous 302 must lead (None: any redirect, e.g. set_language back to the page).
    anonymous_to: str | None = "account_login"


def _org_url(name: str, attr: str) -> Callable[[object], str]:
    return lambda w: reverse(name, kwargs={"code": getattr(w, attr).code})


def _member_remove_url(w) -> str:
    membership = w.org_a.memberships.get(user=w.staff_a)
    return reverse("directory:member_remove", kwargs={"code": w.org_a.code, "member": membership.code})


TABLE: list[Row] = [
    Row("home", lambda w: reverse("home"), ALL_200),
    Row("healthz", lambda w: reverse("healthz"), ALL_200),
    Row("readyz", lambda w: reverse("readyz"), ALL_200),
    Row("accessibility", lambda w: reverse("accessibility"), ALL_200),
    Row("privacy", lambda w: reverse("privacy"), ALL_200),
    Row(
        "set_language",
        lambda w: reverse("set_language"),
        dict.fromkeys(ROLES, 302),
        "post",
        lambda w: {"language": "en", "next": "/"},
        anonymous_to=None,
    ),
    Row("directory:index", lambda w: reverse("directory:index"), ALL_200),
    Row("directory:detail", _org_url("directory:detail", "org_a"), ALL_200),
    # An unpublished organisation exists only for its members and coordinators.
    Row(
        "directory:detail",
        _org_url("directory:detail", "hidden_org"),
        {**dict.fromkeys(ROLES, 404), "staff_b": 200, "coordinator": 200},
    ),
    Row(
        "directory:edit",
        _org_url("directory:edit", "org_a"),
        {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 200, "admin_a": 200, "coordinator": 200},
    ),
    Row(
        "directory:edit",
        _org_url("directory:edit", "org_a"),
        # A POST with nothing in it: members get the form back with errors (200); outsiders 404.
        {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 200, "admin_a": 200, "coordinator": 200},
        "post",
    ),
    Row(
        "directory:members",
        _org_url("directory:members", "org_a"),
        {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 200, "admin_a": 200, "coordinator": 200},
    ),
    Row(
        "directory:members",
        _org_url("directory:members", "org_a"),
        # Inviting: a plain member may read the page but not invite (403).
        {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 403, "admin_a": 302, "coordinator": 302},
        "post",
        lambda w: {"email": "new.colleague@example.se", "role": "member", "language": "sv"},
    ),
    Row(
        "directory:member_remove",
        _member_remove_url,
        {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 403, "admin_a": 302, "coordinator": 302},
        "post",
    ),
    Row(
        "directory:invitation_accept",
        lambda w: reverse("directory:invitation_accept", kwargs={"token": "not-a-real-token"}),
        dict.fromkeys(ROLES, 404),
    ),
    Row("matchmaking:index", lambda w: reverse("matchmaking:index"), LOGGED_IN_200),
    Row("events:index", lambda w: reverse("events:index"), ALL_200),
    Row("reports:index", lambda w: reverse("reports:index"), COORDINATOR_ONLY),
    # The Django admin is for coordinators only, and its login is allauth's.
    # Non-staff are sent to the admin login, which (wrapped by allauth) refuses them with 403.
    Row(
        "admin:index",
        lambda w: reverse("admin:index"),
        {**dict.fromkeys(ROLES, 302), "coordinator": 200},
        anonymous_to="admin:login",
    ),
    Row(
        "admin:login",
        lambda w: reverse("admin:login"),
        {**dict.fromkeys(ROLES, 403), "anonymous": 302, "coordinator": 302},
    ),
    Row("account_login", lambda w: reverse("account_login"), {**dict.fromkeys(ROLES, 302), "anonymous": 200}),
    Row("account_signup", lambda w: reverse("account_signup"), {**dict.fromkeys(ROLES, 302), "anonymous": 200}),
    Row("account_email", lambda w: reverse("account_email"), LOGGED_IN_200),
    Row("account_change_password", lambda w: reverse("account_change_password"), LOGGED_IN_200),
    Row("account_reset_password", lambda w: reverse("account_reset_password"), ALL_200),
    Row("mfa_index", lambda w: reverse("mfa_index"), LOGGED_IN_200),
    Row("usersessions_list", lambda w: reverse("usersessions_list"), LOGGED_IN_200),
]


def _cases():
    for index, row in enumerate(TABLE):
        for role in ROLES:
            yield pytest.param(index, role, id=f"{row.method.upper()} {row.name}#{index} as {role}")


@pytest.mark.parametrize(("index", "role"), list(_cases()))
def test_url_answers_role_as_the_table_says(client, world, index, role):
    row = TABLE[index]
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    url = row.url(world)
    response = getattr(client, row.method)(url, row.data(world))
    expected = row.expected[role]
    assert response.status_code == expected, f"{row.method.upper()} {url} as {role}"
    if role == "anonymous" and expected == 302 and row.anonymous_to:
        assert response["Location"].startswith(reverse(row.anonymous_to)), response["Location"]


# --- The meta-test: every URL of ours is in the table --------------------------------------------------
OUR_MODULES = ("asfnet.", "directory.", "matchmaking.", "events.", "reports.")


def _our_url_names(resolver=None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            inner = f"{namespace}{ns}:" if ns else namespace
            names |= _our_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            module = getattr(pattern.callback, "__module__", "")
            if module.startswith(OUR_MODULES):
                names.add(namespace + pattern.name)
    return names


def test_every_url_of_ours_has_a_row_in_the_access_table():
    covered = {row.name for row in TABLE}
    missing = sorted(_our_url_names() - covered)
    assert not missing, f"URLs with no row in the access table: {missing}"


def test_meta_test_sees_our_urls():
    """Guards the meta-test itself: if it found nothing it would pass vacuously."""
    names = _our_url_names()
    assert {"home", "directory:edit", "reports:index"} <= names
