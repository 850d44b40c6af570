"""Query budgets of the list pages: each makes the same number of queries for 3 and for 30 rows, at most 10 in
all (the per-request queries included), and for anonymous visitors no per-request query at all.

A logged-in person's request also carries the queries every page makes before and after the view (the session,
the user, the Actor's memberships with the MFA check, the header's unread count); they count towards the 10.
They are measured on a page that makes no query of its own (the privacy notice), for the failure message."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directory.access import actor_for
from directory.factories import ForbundFactory
from directory.models import OrganisationKind
from events.factories import EventFactory
from matchmaking import services
from matchmaking.factories import AgreementFactory, PartnerRequestFactory
from matchmaking.models import FundedProject, Need
from notifications.models import Notification
from tests.factories import OrganisationFactory
from tests.matchmaking.pipeline import make_need, make_opportunity, make_participant

BUDGET = 10
SMALL, LARGE = 3, 30

# (role, URL name, URL argument, a pattern each listed row shows once)
PAGES = [
    ("anonymous", "directory:index", None, r"Budgetorg \d+"),
    ("anonymous", "opportunities:list", None, r"Budgetplats \d+"),
    ("anonymous", "events:index", None, r"Budgetträff \d+"),
    ("officer_x", "directory:index", None, r"Budgetorg \d+"),
    ("officer_x", "opportunities:list", None, r"Budgetplats \d+"),
    ("officer_x", "events:index", None, r"Budgetträff \d+"),
    ("officer_x", "matchmaking:index", None, r"P-B\d+"),  # the participants
    ("officer_x", "matchmaking:opportunity_list", None, r"Budgetplats \d+"),
    ("officer_x", "notifications:centre", None, r'id="notification-[0-9a-f-]+"'),
    ("officer_x", "todo_list", "needs-without-proposal", r"P-B\d+"),
    ("officer_x", "todo_list", "proposals-waiting", r"Budgetplats \d+"),
    ("business_member", "matchmaking:partner_request_list", None, r"Budgetförfrågan \d+"),
    ("officer_x", "matchmaking:agreement_list", None, r"Budgetavtal \d+"),
    ("coordinator", "directory:queues", None, r"Budgetorg \d+"),
]


def _grow(world, project, start: int, stop: int) -> None:
    """Rows numbered start … stop-1 on every list: organisations (listed, awaiting verification), participants
    with needs (every other one with a proposal), opportunities, events, notifications, partner requests and
    agreements."""
    for i in range(start, stop):
        OrganisationFactory(name=f"Budgetorg {i}", kind=OrganisationKind.ASF, kommunkod="2580")
        participant = make_participant(world, project, code=f"P-B{i:03d}")
        need = make_need(world.officer_x, participant)
        Need.objects.filter(pk=need.pk).update(created_at=timezone.now() - dt.timedelta(days=60))  # waiting long
        opportunity = make_opportunity(world, title=f"Budgetplats {i}", places_total=3)
        if i % 2:
            services.match_propose(actor=actor_for(world.officer_x), need=need, opportunity=opportunity)
        EventFactory(organiser=world.org_a, title_sv=f"Budgetträff {i}", title_en=f"Budget meeting {i}")
        Notification.objects.create(
            recipient=world.officer_x,
            kind="partner_request",
            url=f"/budget/{i}/",
            params={"organisation": "Norrbygg AB", "municipality": "Luleå", "title": "Städning"},
        )
        PartnerRequestFactory(organisation=world.business, title=f"Budgetförfrågan {i}")
        AgreementFactory(title=f"Budgetavtal {i}", parties=[world.muni_x, world.org_a])


def _get(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response.content.decode()


@pytest.mark.parametrize(("role", "name", "arg", "row"), PAGES, ids=[f"{p[0]}-{p[1]}-{p[2]}" for p in PAGES])
def test_list_page_makes_a_constant_number_of_queries(client, world, role, name, arg, row):
    project = FundedProject.objects.create(
        forbund=ForbundFactory(), diarienummer="23-051-S07", name="Budgetprojektet", owner=world.forbund
    )
    if role != "anonymous":
        client.force_login(world.user(role))
    url = reverse(name, args=[arg] if arg else [])
    baseline_url = reverse("privacy")

    _grow(world, project, 0, SMALL)
    client.get(url)  # warm per-process caches (content types, translations)
    client.get(baseline_url)
    small, html = _get(client, url)
    baseline, _ = _get(client, baseline_url)
    rows_small = len(set(re.findall(row, html)))
    assert rows_small >= 1, "the page lists the rows it is measured with"

    _grow(world, project, SMALL, LARGE)
    large, html = _get(client, url)
    rows_large = len(set(re.findall(row, html)))
    assert rows_large > rows_small, "the page lists more rows than before"
    assert large <= small, f"{url}: {small} queries for {rows_small} rows, {large} for {rows_large}"

    assert small <= BUDGET, f"{url}: {small} queries, {baseline} of them per request"
    if role == "anonymous":
        assert baseline == 0
