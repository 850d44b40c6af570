"""The matchmaking dashboard (matchmaking/dashboard/): the participant list on it shows only what the user
may see, sensitive parameters change nothing, listing is audited, and its query budget.
The URL × role table for every page is in tests/test_access_table.py; shared helpers in
tests/matchmaking/pipeline.py, shared fixtures in tests/matchmaking/conftest.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kernel.models import AuditLog
from matchmaking.models import Participant
from tests.matchmaking.pipeline import (
    EN,
    _count,
    _grow_placements,
    codes_listed,
    make_need,
    make_participant,
)

# The e-mail task is counted, never run, on every page here (the `mails` fixture, tests/matchmaking/conftest.py).
pytestmark = pytest.mark.usefixtures("mails")


# --- Officer X never sees P_Y --------------------------------------------------------------------------------
@pytest.mark.security("C13")
@pytest.mark.adversarial("C")
def test_the_participant_list_search_count_and_filter_choices_show_only_officer_xs_own(client, world, p_x, p_y):
    client.force_login(world.officer_x)
    response = client.get(reverse("matchmaking:index"), **EN)
    html = response.content.decode()
    assert codes_listed(response) == ["P-XLULEA1"]
    assert "1 participant." in html
    assert "P-YPITEA1" not in html
    assert world.muni_y.name not in html, "no filter choice names another municipality"

    by_search = client.get(reverse("matchmaking:index"), {"q": "P-YPITEA1"}, **EN)
    assert codes_listed(by_search) == []
    assert "0 participants." in by_search.content.decode()
    assert codes_listed(client.get(reverse("matchmaking:index"), {"q": "PITEA"})) == []

    forged = client.get(reverse("matchmaking:index"), {"organisation": str(world.muni_y.code)})
    assert codes_listed(forged) == ["P-XLULEA1"], "an organisation outside the scope is ignored, not applied"
    repeated = client.get(f"{reverse('matchmaking:index')}?organisation={world.muni_y.code}&organisation=x&q=Y&q=LULEA")
    assert codes_listed(repeated) == ["P-XLULEA1"]


@pytest.mark.adversarial("C")
def test_the_coordinator_sees_every_participant_and_can_narrow_by_raising_organisation(client, world, p_x, p_y):
    client.force_login(world.coordinator)
    response = client.get(reverse("matchmaking:index"))
    assert sorted(codes_listed(response)) == ["P-XLULEA1", "P-YPITEA1"]
    assert response.context["counts"].participants == 2
    narrowed = client.get(reverse("matchmaking:index"), {"organisation": str(world.muni_y.code)})
    assert codes_listed(narrowed) == ["P-YPITEA1"]


# --- Sensitive parameters change nothing ---------------------------------------------------------------------
@pytest.fixture
def several(world, project):
    """Participants whose order by code, entry date, disability and birth date all differ."""
    rows = [
        ("P-C3", dt.date(2025, 3, 1), True, dt.date(1970, 1, 1)),
        ("P-A1", dt.date(2025, 1, 1), False, dt.date(2000, 1, 1)),
        ("P-B2", dt.date(2025, 2, 1), True, dt.date(1985, 1, 1)),
        ("P-D4", dt.date(2024, 12, 1), False, dt.date(1960, 1, 1)),
    ]
    for code, entry, disability, born in rows:
        make_participant(world, project, code=code, entry_date=entry, disability=disability, birth_date=born)
    make_need(world.officer_x, Participant.objects.get(code="P-B2"), free_text="xylofon")


@pytest.mark.security("H41")
@pytest.mark.adversarial("H")
@pytest.mark.parametrize(
    "params",
    [
        {"disability": "1"},
        {"disability": "true", "minority": "1"},
        {"ordering": "disability"},
        {"ordering": "-disability"},
        {"ordering": "birth_date"},
        {"ordering": "needs"},
        {"sort": "disability"},
        {"sort": "-birth_date"},
        {"needs__icontains": "x"},
        {"needs__free_text__icontains": "xylofon"},
        {"o": "disability"},
    ],
)
def test_sensitive_parameters_change_nothing_in_the_participant_list(client, world, several, params):
    client.force_login(world.officer_x)
    plain = codes_listed(client.get(reverse("matchmaking:index")))
    assert plain == ["P-C3", "P-B2", "P-A1", "P-D4"], "default: entry date, newest first"
    assert codes_listed(client.get(reverse("matchmaking:index"), params)) == plain


def test_the_participant_list_sorts_by_code_or_entry_date_only(client, world, several):
    client.force_login(world.officer_x)
    by_code = codes_listed(client.get(reverse("matchmaking:index"), {"sort": "code"}))
    assert by_code == ["P-A1", "P-B2", "P-C3", "P-D4"]


# --- Audit and caching ---------------------------------------------------------------------------------------
@pytest.mark.security("H38")
@pytest.mark.adversarial("H")
def test_listing_participants_writes_one_audit_row_per_request(client, world, several):
    client.force_login(world.officer_x)
    client.get(reverse("matchmaking:index"))
    client.get(reverse("matchmaking:index"), {"sort": "code", "page": "2"})
    rows = list(AuditLog.objects.filter(action="participant.list").order_by("id"))
    assert len(rows) == 2
    assert all(r.actor == world.officer_x and r.target_id == "" for r in rows)
    assert "P-A1" not in str([r.data for r in rows]), "no codes or values in the audit row"
    client.force_login(world.staff_a)
    client.get(reverse("matchmaking:index"))
    assert AuditLog.objects.filter(action="participant.list").count() == 2, "no participant list, no row"


# --- Query budgets -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["officer_x", "coordinator", "admin_a"])
def test_the_dashboard_makes_the_same_number_of_queries_for_2_and_20_rows(
    client, world, project, role, django_assert_max_num_queries
):
    client.force_login(getattr(world, role))
    _grow_placements(world, project, 0, 2)
    url = reverse("matchmaking:index")
    client.get(url)  # warm per-process caches (content types, translations)
    small = _count(client, url)
    _grow_placements(world, project, 2, 20)
    with django_assert_max_num_queries(small):
        client.get(url)
    assert small <= 20
