"""No anonymous request causes a 500 (docs/security-checks.md K60): every public GET of the URL × role table
(anonymous → 200) with hostile query strings — the parameter names the site's filters, search, paging and
ordering read, and values that are too long, too large, negative, of the wrong type, repeated, NUL, SQL-ish,
markup, or a personnummer."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.test_access_table import TABLE

PUBLIC = [row for row in TABLE if row.method == "get" and row.expected.get("anonymous") == 200]
NAMES = [
    "q",
    "page",
    "per_page",
    "ordering",
    "sort",
    "municipality",
    "service",
    "kind",
    "format",
    "month",
    "year",
    "date",
    "from",
    "to",
    "category",
    "organisation",
    "bbox",
    "lang",
    "next",
    "status",
    "tag",
]
VALUES = [
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "abc",
    "\x00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "19900101-1234",
    "x" * 3_000,
    "../../etc/passwd",
    "%",
    "2026-13-45",
    "NaN",
    "[]",
    "{}",
    "needs",
    "-needs",
]


def test_the_table_has_public_urls():
    assert len(PUBLIC) >= 5


def _query(shift: int) -> str:
    """Every name once, each with another of the values (rotated by `shift`), and `page` repeated."""
    pairs = [(name, VALUES[(index + shift) % len(VALUES)]) for index, name in enumerate(NAMES)]
    return urlencode([*pairs, ("page", "2"), ("page", VALUES[shift % len(VALUES)])])


@pytest.mark.security("K60", "E24", "E26")
@pytest.mark.parametrize("shift", [0, 7, 14])
def test_no_hostile_query_string_on_a_public_url_gives_a_500(client, world, shift):
    query = _query(shift)
    failures = []
    for row in PUBLIC:
        url = row.url(world)
        separator = "&" if "?" in url else "?"
        response = client.get(f"{url}{separator}{query}")
        if response.status_code >= 500:
            failures.append((row.name, response.status_code))
    assert not failures, failures
