"""The accessibility statement (docs/security-checks.md J55): linked from every page, and holding what Digg's
model statement requires — conformance level, known gaps, how to report a barrier, the supervisory
authority's complaint link, dates, and how the site was evaluated — in Swedish and in English."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

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
