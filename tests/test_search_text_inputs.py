"""Every endpoint that takes a search text answers below 500 for any text: punctuation with no word in it
(`!!!`, `[]`, `&|!`, `:*`), only stop words, invalid UTF-8 percent-encoding, NUL and other control
characters, very long strings, arbitrary Unicode. Anonymous and logged-in people alike. A search text with
nothing to search for is ignored, and the page says so (never a 500: the search used to order by a
constant rank for such text, which PostgreSQL refuses)."""

from __future__ import annotations

import string
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from directory.models import Organisation
from directory.search import reindex
from tests.factories import UserFactory

# Texts as they go into the query string, already percent-encoded: invalid UTF-8 and NUL must reach the
# server as bytes a browser (or anyone) can send.
NASTY_RAW = [
    "!!!",
    "%5B%5D",  # []
    "%26%7C!",  # &|!
    ":*",
    "%22",  # "
    "'",
    "%22%22%22",
    "och",
    "och%20att%20i",
    "%ff%fe",
    "%00",
    "a%00b",
    "%c3",
    "%e2%80%8b",  # zero-width space
    "%0a%0d%09",
    "%7F%1B",
    "a%20%26%20b%20%7C%20!c%3A*%20%3C-%3E%20(d",
    "'%3B%20DROP%20TABLE%20directory_organisation%3B%20--",
    "x" * 10_000,
    "a%20" * 3_000,
    "%C3%A5" * 500,
]

# Text the hypothesis strategy mixes: any Unicode (st.text's default alphabet includes control characters
# and NUL), and strings made only of punctuation, whitespace and control characters.
PUNCTUATION = string.punctuation + " \t\n\r\x00\x01\x1b\x7f\u00a0\u200b\u2028«»–—…§½"
TEXTS = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=PUNCTUATION, max_size=60),
    st.lists(st.sampled_from(["och", "att", "i", " ", "!", ":*", "&", "|", "(", ")"]), max_size=12).map("".join),
)

ROLES = ["anonymous", "staff_a", "officer_x", "coordinator"]


def _get_endpoints() -> list[tuple[str, str, dict[str, str]]]:
    """(name, path, extra headers) of every GET that reads a search text (or a free-text filter)."""
    return [
        ("directory search", reverse("directory:index"), {}),
        ("directory search, HTMX partial", reverse("directory:index"), {"HTTP_HX_REQUEST": "true"}),
        ("directory map", reverse("directory:map"), {}),
        ("directory export CSV", reverse("directory:export", kwargs={"fmt": "csv"}), {}),
        ("directory export XLSX", reverse("directory:export", kwargs={"fmt": "xlsx"}), {}),
        ("open data API", reverse("api:organization_list"), {}),
        ("saved searches", reverse("directory:saved_searches"), {}),
        ("matchmaking participants", reverse("matchmaking:index"), {}),
        ("opportunities", reverse("matchmaking:opportunity_list"), {}),
        ("calendar", reverse("events:index"), {}),
    ]


@pytest.fixture
def clients(world) -> dict[str, Client]:
    """One client per role, each answering a 500 as a response (not an exception) so the test sees it."""
    Organisation.objects.filter(pk=world.org_a.pk).update(latitude=Decimal("65.58"), longitude=Decimal("22.15"))
    result = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        user = world.user(role)
        if user is not None:
            client.force_login(user)
        result[role] = client
    return result


def _assert_no_500(clients: dict[str, Client], raw: str) -> None:
    """`raw`: a percent-encoded search text, sent as `q` (and as the calendar's free-text organiser filter)
    to every endpoint, and saved as a search, by every role."""
    failures = []
    for role, client in clients.items():
        for name, path, headers in _get_endpoints():
            response = client.get(f"{path}?q={raw}&organiser={raw}&sort=relevance", **headers)
            if response.status_code >= 500:
                failures.append((role, name, response.status_code))
        response = client.post(
            reverse("directory:saved_search_create"),
            f"name={raw}&query=q%3D{quote(raw, safe='')}",
            content_type="application/x-www-form-urlencoded",
        )
        if response.status_code >= 500:
            failures.append((role, "save search", response.status_code))
    assert not failures, (raw[:80], failures)


@pytest.mark.security("E24")
@pytest.mark.adversarial("E")
@pytest.mark.parametrize("raw", NASTY_RAW, ids=lambda raw: raw[:24])
def test_nasty_search_texts_never_give_a_500(clients, raw):
    _assert_no_500(clients, raw)


@pytest.mark.security("E24")
@pytest.mark.adversarial("E")
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS)
@example(text="[]")
@example(text="\x00")
def test_any_search_text_never_gives_a_500(clients, text):
    _assert_no_500(clients, quote(text, safe=""))


def _admin_lists_with_search() -> list[str]:
    from django.contrib import admin

    return sorted(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model, model_admin in admin.site._registry.items()
        if model_admin.search_fields
    )


@pytest.mark.adversarial("E")
# Not the 3,000-word text: the admin's search ANDs one OR over every search field per word, which takes
# about a second per list (it answers, slowly; the admin is for superusers only).
@pytest.mark.security("E24")
@pytest.mark.parametrize("raw", [raw for raw in NASTY_RAW if raw.count("%20") < 100], ids=lambda raw: raw[:24])
def test_admin_search_never_gives_a_500(db, raw):
    """Every admin list with a search box, as a superuser (allauth's session list searched a field our User
    does not have: any text was a 500)."""
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(email="root@example.se", is_staff=True, is_superuser=True))
    lists = _admin_lists_with_search()
    assert reverse("admin:usersessions_usersession_changelist") in lists
    failures = [(path, status) for path in lists if (status := client.get(f"{path}?q={raw}").status_code) >= 500]
    assert not failures, (raw[:80], failures)


# --- The map, the regression ----------------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["%5B%5D", "!!!", "%26%7C!", ":*", "%22", "%ff%fe", "%e2%80%8b"])
def test_map_with_a_query_without_words_shows_everything_and_says_why(client, world, raw):
    """`/directory/map/?q=[]` answered 500: the search ordered the map's rows by a rank that is one constant
    for every row when the text has no word, and PostgreSQL refuses `ORDER BY <constant>`."""
    Organisation.objects.filter(pk=world.org_a.pk).update(latitude=Decimal("65.58"), longitude=Decimal("22.15"))
    client.cookies["django_language"] = "en"
    everything = client.get(reverse("directory:map"))
    response = client.get(f"{reverse('directory:map')}?q={raw}")
    assert response.status_code == 200
    assert response.context["result"].total == everything.context["result"].total > 0
    assert response.context["result"].points == everything.context["result"].points
    assert "has no letters or digits to search for, so the search text was ignored." in response.content.decode()


def test_map_with_relevance_sort_and_a_query_without_words(client, world):
    response = client.get(reverse("directory:map"), {"q": "[]", "sort": "relevance"})
    assert response.status_code == 200


def test_the_notice_is_in_swedish_for_swedish_users(client, world):
    client.cookies["django_language"] = "sv"
    response = client.get(reverse("directory:index"), {"q": "[]"})
    assert "“[]” har inga bokstäver eller siffror att söka på, så söktexten användes inte." in response.content.decode()


def test_a_query_with_a_word_is_not_called_ignored(client, world):
    Organisation.objects.filter(pk=world.org_a.pk).update(latitude=Decimal("65.58"), longitude=Decimal("22.15"))
    reindex(Organisation.objects.values_list("pk", flat=True))
    client.cookies["django_language"] = "en"
    response = client.get(reverse("directory:map"), {"q": "Returen!!!"})
    assert response.status_code == 200
    assert "search text was ignored" not in response.content.decode()
    assert [p["name"] for p in response.context["result"].points] == ["Returen Återbruk"]
