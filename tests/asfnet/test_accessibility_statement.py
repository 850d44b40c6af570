"""The accessibility statement (docs/security-checks.md J55): linked from every page, and holding what Digg's
model statement requires — conformance level, known gaps, how to report a barrier, the supervisory
authority's complaint link, dates, and how the site was evaluated — in Swedish and in English. Its "how we
tested" part is written from the latest automated check of every page (docs/accessibility/results.json, written
by `make a11y`), and that check must cover the site as it is: a page added since makes a test here fail until
the check is run again."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from asfnet import accessibility
from tests.browser.test_a11y_registry import LANGUAGES, _rows
from tests.conftest import ROLES

pytestmark = pytest.mark.security("J55")

STATEMENT = reverse("accessibility")


@pytest.mark.parametrize(
    "url",
    ["/", reverse("directory:index"), reverse("events:index"), reverse("account_login"), reverse("privacy"), "/nope/"],
)
def test_every_kind_of_page_links_the_statement(client, db, url):
    response = client.get(url)
    assert f'href="{STATEMENT}"' in response.content.decode(), url


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ["WCAG 2.1 level AA", "Known gaps", "Report a barrier", "Supervision", "How we tested"]),
        ("sv", ["WCAG 2.1", "AA", "Tillgänglighetsredogörelse"]),
    ],
)
def test_the_statement_has_the_items_digg_requires(client, db, language, texts):
    html = client.get(STATEMENT, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{language}">' in html
    for text in texts:
        assert text in html, text
    assert 'href="mailto:' in html  # how to report a barrier
    assert 'href="https://www.digg.se/' in html  # the supervisory authority's complaint page
    assert re.search(r"\b20\d\d\b", html)  # drafted / last reviewed
    main = html.split("<main", 1)[1]
    assert main.count("<h2") >= 5 and "<li" in main.split("<h2", 3)[2]  # the known gaps are listed


# --- Written from the latest automated check (docs/accessibility/results.json, `make a11y`) ---------------
@pytest.fixture
def results() -> dict:
    assert accessibility.RESULTS_FILE.exists(), "run `make a11y` to write the statement's results"
    return json.loads(accessibility.RESULTS_FILE.read_text(encoding="utf-8"))


def _registry_names(role: str) -> set[str]:
    return {row.name for _, row in _rows("get", role, 200)} | {
        f"{row.name} (form errors)" for _, row in _rows("post", role, 200)
    }


@pytest.mark.parametrize("role", ROLES)
def test_the_results_cover_every_page_the_role_can_open(results, role):
    checked = results["roles"][role]
    covered = set(checked["pages"]) | set(checked["not_pages"])
    missing = _registry_names(role) - covered
    assert not missing, f"pages {role} can open that the last `make a11y` did not check: {sorted(missing)}"
    assert {"403 page", "404 page", "500 page"} & set(checked["pages"]), "error pages were checked"
    assert set(checked["checks"]) == set(LANGUAGES)
    assert checked["checks"]["sv"] == checked["checks"]["en"] > 0


def test_the_results_found_nothing_serious(results):
    assert results["serious"] == 0
    assert results["checks"] == sum(sum(r["checks"].values()) for r in results["roles"].values())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_statement_quotes_the_results_and_is_not_a_draft(client, db, results, language):
    accessibility.evaluation.cache_clear()
    client.cookies["django_language"] = language
    html = client.get(reverse("accessibility")).content.decode()
    assert str(results["checks"]) in html
    assert results["tool"] in html
    with translation.override(language):
        assert str(accessibility.KNOWN_GAPS[0].what) in html
    assert "Draft" not in html and "Utkast" not in html


def test_without_results_the_statement_says_the_check_has_not_been_run(client, db, monkeypatch, tmp_path):
    monkeypatch.setattr(accessibility, "RESULTS_FILE", tmp_path / "missing.json")
    accessibility.evaluation.cache_clear()
    client.cookies["django_language"] = "en"
    html = client.get(reverse("accessibility")).content.decode()
    accessibility.evaluation.cache_clear()
    assert "has not been run on this installation yet" in html
