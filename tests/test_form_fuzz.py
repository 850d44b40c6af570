"""No request by any role causes a 500, and a refused one saves nothing (docs/security-checks.md K62, E26). As each
role (anonymous visitors too), every page the URL × role table lets it open (200) is asked with hostile query
strings, and every POST form on those pages is sent back with hostile values: the whole form at once, and each field
alone with the form's other fields as the page filled them in (so the request gets past the form's own checks to the
services behind it). When the answer is a refusal (the form again, or a 4xx), no table but the audit log and the
sessions has been written in the request: PostgreSQL's per-transaction statistics (pg_stat_xact_user_tables) count
every row inserted, updated or deleted. The values are those of the anonymous fuzz (tests/test_anonymous_fuzz.py):
too long, too large, negative, of the wrong type, NUL, SQL-ish, markup, a personnummer."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest
from django.db import connection

from tests.conftest import ROLES
from tests.html_forms import Form, FormReader
from tests.test_access_table import TABLE
from tests.test_anonymous_fuzz import NAMES, VALUES

# Forms this test does not send: signing out (the rest of the run would be anonymous) and the language switch.
NOT_SENT = ("/accounts/logout/", "/i18n/setlang/")


# Written on a refused request too, by design: reading a participant is audited; the session is the session.
MAY_WRITE_WHEN_REFUSED = ("asfnet_auditlog", "django_session")
REFUSED = (200, 400, 403, 404, 409, 413, 429)


def _rows_written() -> int:
    """Rows inserted, updated or deleted so far in this transaction (the test's), outside MAY_WRITE_WHEN_REFUSED."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables"
            " WHERE relname <> ALL(%s)",
            [list(MAY_WRITE_WHEN_REFUSED)],
        )
        return int(cursor.fetchone()[0])


def _hostile_bodies(form: Form) -> list[dict[str, str]]:
    """Six bodies with every field hostile (each field gets six of the values, its neighbours others), then
    each field alone with two values while the rest stay as the page filled them in."""
    whole = [
        {name: VALUES[(i + shift) % len(VALUES)] for i, name in enumerate(form.fields)} for shift in range(0, 18, 3)
    ]
    one_at_a_time = [
        {**form.filled, name: VALUES[(7 * i + 9 * k) % len(VALUES)]}
        for i, name in enumerate(form.fields)
        for k in (0, 1)
    ]
    return whole + one_at_a_time


def test_the_form_reader_finds_forms_fields_and_filled_values():
    reader = FormReader("/x/")
    reader.feed(
        '<form method="get"><input name="q"></form>'
        '<form method="post" action="save/"><input type="hidden" name="csrfmiddlewaretoken" value="t">'
        '<input name="title" value="Hej"><input type="checkbox" name="public" value="1" checked>'
        '<input type="file" name="logo"><select name="kind"><option value="a">A</option>'
        '<option value="b" selected>B</option></select><textarea name="text">Rad</textarea></form>'
    )
    assert [(f.action, f.fields, f.filled) for f in reader.forms] == [
        ("/x/save/", ["title", "public", "kind", "text"], {"title": "Hej", "public": "1", "kind": "b", "text": "Rad"})
    ]


@pytest.mark.security("K62", "E26")
@pytest.mark.parametrize("role", ROLES)
def test_a_hostile_request_by_any_role_never_gives_a_500_and_if_refused_saves_nothing(client, world, role):
    if role != "anonymous":
        client.force_login(world.user(role))
    urls = [(row.name, row.url(world)) for row in TABLE if row.method == "get" and row.expected[role] == 200]
    query = urlencode([(name, VALUES[(i + 3) % len(VALUES)]) for i, name in enumerate(NAMES)])
    failures = []
    forms: dict[tuple[str, tuple[str, ...]], Form] = {}
    # Every page first (its forms read before any is sent: a sent form may cancel or remove what a later page
    # shows), then every distinct form.
    for name, url in urls:
        response = client.get(f"{url}{'&' if '?' in url else '?'}{query}")
        if response.status_code >= 500:
            failures.append(("GET", name, url, response.status_code))
        response = client.get(url)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            reader = FormReader(url)
            reader.feed(response.content.decode("utf-8", "replace"))
            for form in reader.forms:
                if not urlsplit(form.action).path.startswith(NOT_SENT):
                    forms.setdefault((urlsplit(form.action).path, tuple(form.fields)), form)
    assert len(forms) >= (3 if role == "anonymous" else 10), f"{role}: only {len(forms)} forms found"
    for form in forms.values():
        for body in _hostile_bodies(form):
            written = _rows_written()
            response = client.post(form.action, body)
            if response.status_code >= 500:
                failures.append(("POST", form.action, body, response.status_code))
                break
            # A form without fields is a button (publish, rotate my calendar link): nothing hostile was sent.
            if form.fields and response.status_code in REFUSED and _rows_written() != written:
                failures.append(("refused but written", form.action, body, response.status_code))
                break
    assert not failures, failures
