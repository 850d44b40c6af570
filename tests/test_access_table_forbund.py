"""The access table with a second förbund (docs/security-checks.md C10, C12): every row of
`tests/test_access_table.py`, every role, asked on two portals of one installation.

- **Own förbund**: the `world` lives in Södra Norrbotten (host a.testserver). On its host every row answers
  exactly as the one-förbund table says: tenancy takes nothing away from a förbund's own people.
- **Other förbund**: the same people on Jämtland's portal (host b.testserver), where the world's coordinator
  is now Jämtland's coordinator and no longer Södra Norrbotten's. A row whose URL names a per-förbund object
  of Södra Norrbotten (project, participant, need, placement, outcome, agreement, report run, support record,
  event of its calendar) is 404 for everyone signed in, the coordinator too; a national row (organisations,
  profiles, opportunities, partner requests, accounts, the API, Jämtland's own lists) answers as the table
  says.

One test per row: each role's request runs in a savepoint rolled back after it (what the URL builder made and
what the request changed are undone), so every role starts from the same world without building it again."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from directory import access
from directory.factories import ForbundFactory
from directory.forbund import registry as forbund_registry
from tests.conftest import ROLES
from tests.test_access_table import TABLE, Row

pytestmark = pytest.mark.adversarial("C")

OWN_HOST, OTHER_HOST = "a.testserver", "b.testserver"

# Event rows whose URL names no event: the calendar's lists and feeds, the creation and import forms, the
# retention page, and a certificate's public verification (by its unguessable code, for any reader).
EVENT_ROWS_WITHOUT_AN_EVENT = frozenset(
    {
        "events:index",
        "events:month",
        "events:create",
        "events:feed",
        "events:organiser_feed",
        "events:my_calendar",
        "events:ics_import",
        "events:retention",
        "events:certificate_verify",
    }
)

# Rows whose URL names an object that belongs to Södra Norrbotten: on Jämtland's portal it does not exist.
FORBUND_OBJECT_ROWS = frozenset(
    {
        "matchmaking:participant_detail",
        "matchmaking:participant_edit",
        "matchmaking:need_create",
        "matchmaking:need_detail",
        "matchmaking:match_detail",
        "matchmaking:match_propose",
        "matchmaking:match_accept",
        "matchmaking:match_decline",
        "matchmaking:match_start",
        "matchmaking:match_end",
        "matchmaking:outcome_create",
        "matchmaking:project_edit",
        "matchmaking:agreement_detail",
        "matchmaking:agreement_document",
        "reports:run_detail",
        "reports:download",
        "reports:run_deliver",
        # Every event row names an event of Södra Norrbotten's calendar (the factories' förbund).
        *(row.name for row in TABLE if row.name.startswith("events:") and row.name not in EVENT_ROWS_WITHOUT_AN_EVENT),
    }
)
# Coordinators' pages that refuse other roles before they look the object up: those roles keep their 403.
ROLE_FIRST_ROWS = frozenset(
    {"matchmaking:project_edit", "reports:run_detail", "reports:download", "reports:run_deliver"}
)
# A download asks a freshly logged-in coordinator to re-authenticate before it looks at the run (a redirect that
# names nothing); tests/reports/test_forbund_reports.py shows the other förbund's run is 404 after it.
REAUTHENTICATION_FIRST_ROWS = frozenset({"reports:download"})
# The admin site answers an object outside the coordinator's förbund the way Django's admin answers a missing
# one: back to the admin's index with a message.
ADMIN_OBJECT_ROWS = frozenset({"admin:matchmaking_participant_change"})


def expected_on_own_portal(row: Row) -> dict[str, int]:
    return dict(row.expected)


def expected_on_other_portal(row: Row) -> dict[str, int]:
    expected = expected_on_own_portal(row)
    if row.name in ADMIN_OBJECT_ROWS:
        return {**expected, "coordinator": 302}
    if row.name not in FORBUND_OBJECT_ROWS:
        return expected
    for role in ROLES:
        if role == "anonymous":
            # The login page first where the table says so; a public page of the other calendar is 404 too.
            expected[role] = 302 if expected[role] == 302 else 404
        elif not (row.name in ROLE_FIRST_ROWS and expected[role] == 403):
            expected[role] = 404
    if row.name in REAUTHENTICATION_FIRST_ROWS:
        expected["coordinator"] = 302
    return expected


@pytest.fixture
def two_forbund(world, portals):
    """Södra Norrbotten (the world's förbund, on a.testserver) and Jämtland (b.testserver)."""
    return portals


def _answers(world, row: Row, host: str, coordinator_moves_to=None) -> tuple[dict[str, int], list[str]]:
    """Each role's status for `row` on `host`, and where each anonymous redirect led."""
    own = ForbundFactory()
    statuses: dict[str, int] = {}
    problems: list[str] = []
    for role in ROLES:
        # The registry is rebuilt inside each savepoint: one cached while the fixtures ran may predate a change
        # whose "forget" waits for a commit that never comes in a test.
        cache.clear()
        forbund_registry.forget_local()
        with transaction.atomic():
            if coordinator_moves_to is not None:
                own.coordinators.remove(world.coordinator)
                coordinator_moves_to.coordinators.add(world.coordinator)
            # The URL builders act as the world's people in their own förbund (Södra Norrbotten), the way the
            # one-förbund table builds them; requests find their förbund by host alone.
            as_own = forbund_registry.registry().get(own.pk)
            with mock.patch.object(access, "default_forbund", return_value=as_own):
                url = row.url(world)
                data = row.data(world)
            client = Client()
            user = world.user(role)
            if user is not None:
                client.force_login(user)
            response = getattr(client, row.method)(url, data, headers={"host": host})
            statuses[role] = response.status_code
            location = response.get("Location", "")
            login_first = role == "anonymous" and response.status_code == 302 and row.anonymous_to
            if login_first and not location.startswith(reverse(row.anonymous_to)):
                problems.append(f"anonymous sent to {location}")
            admin_refusal = row.name in ADMIN_OBJECT_ROWS and role == "coordinator" and host == OTHER_HOST
            if admin_refusal and location != reverse("admin:index"):
                problems.append(f"the coordinator sent to {location!r}, not the admin's index")
            transaction.set_rollback(True)
    cache.clear()
    forbund_registry.forget_local()
    return statuses, problems


def _rows():
    for index, row in enumerate(TABLE):
        yield pytest.param(index, id=f"{row.method.upper()} {row.name}#{index}")


def _differences(expected: dict[str, int], got: dict[str, int]) -> list[str]:
    return [f"{role}: expected {expected[role]}, got {got[role]}" for role in ROLES if expected[role] != got[role]]


@pytest.mark.security("C10", "C12")
@pytest.mark.parametrize("index", list(_rows()))
def test_row_answers_as_the_table_says_on_its_own_forbunds_portal(world, two_forbund, index):
    row = TABLE[index]
    got, problems = _answers(world, row, OWN_HOST)
    assert not _differences(expected_on_own_portal(row), got) + problems, (
        f"{row.method.upper()} {row.name} on {OWN_HOST}"
    )


@pytest.mark.security("C10", "C12")
@pytest.mark.parametrize("index", list(_rows()))
def test_row_on_the_other_forbunds_portal_hides_the_first_forbunds_objects(world, two_forbund, index):
    row = TABLE[index]
    _own, other = two_forbund
    got, problems = _answers(world, row, OTHER_HOST, coordinator_moves_to=other)
    expected = expected_on_other_portal(row)
    assert not _differences(expected, got) + problems, f"{row.method.upper()} {row.name} on {OTHER_HOST}"


NATIONAL_HOST = "testserver"


def _national_rows():
    for index, row in enumerate(TABLE):
        if row.name in FORBUND_OBJECT_ROWS and not row.name.startswith("events:"):
            yield pytest.param(index, id=f"{row.method.upper()} {row.name}#{index}")


def expected_on_the_national_host(row: Row) -> dict[str, int]:
    """Nobody is a coordinator on the national host: a coordinator's page refuses them (403) before it looks
    the object up; anything else of a förbund is 404."""
    expected = expected_on_other_portal(row)
    expected["coordinator"] = 403 if row.name in ROLE_FIRST_ROWS else 404
    return expected


@pytest.mark.security("C10", "C12")
@pytest.mark.parametrize("index", list(_national_rows()))
def test_on_the_national_host_no_forbunds_participants_placements_agreements_or_reports_are_reachable(
    world, two_forbund, index
):
    """The national front page's host offers the directory and the calendar; a förbund's participant data is
    only ever on that förbund's portal. (Public calendar events are listed nationally: not asked here.)"""
    row = TABLE[index]
    got, problems = _answers(world, row, NATIONAL_HOST)
    assert not _differences(expected_on_the_national_host(row), got) + problems, (
        f"{row.method.upper()} {row.name} on {NATIONAL_HOST}"
    )


def test_every_row_named_as_a_forbund_object_is_in_the_table():
    """Guards the list above: a renamed URL would otherwise quietly become 'national'."""
    named = FORBUND_OBJECT_ROWS | ROLE_FIRST_ROWS | ADMIN_OBJECT_ROWS
    assert {row.name for row in TABLE} >= named | EVENT_ROWS_WITHOUT_AN_EVENT
