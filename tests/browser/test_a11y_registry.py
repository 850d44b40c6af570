"""Every page × role × language checked by axe-core in the browser (WCAG 2.1 AA, as DOS-lagen requires).

The registry is the access table (tests/test_access_table.py): every URL of ours has a row there, so every
page a role can open (GET answered 200 with HTML) is opened here by that role, in Swedish and in English,
and axe-core must find nothing serious or critical. The same pass covers the states around them:
- form errors: every POST row the table answers with 200 is the form shown again with its errors;
- error pages: the first 403 and 404 each role meets, and the 500 page;
- empty states: the world the table builds holds no notifications, saved searches or reports for most people,
  so their lists are seen empty; the pages with HTMX-updated parts are opened at URLs that render the same
  fragments (the table's rows include the filtered lists).
Results go to `A11Y_RESULTS` (a JSON file) when that variable is set: `make a11y` writes
docs/accessibility/results.json from them, which the accessibility statement quotes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page

from tests.browser.conftest import SERIOUS_IMPACTS, allow_console_error, watched_page
from tests.conftest import ROLES
from tests.test_access_table import TABLE, Row

pytestmark = [pytest.mark.browser, pytest.mark.security("J53")]

LANGUAGES = ["sv", "en"]
# The WCAG 2.1 A and AA rules (axe's tags); best-practice rules are not part of the requirement.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],  # passes are not reported node by node: the run is several times faster
}
ERROR_URL = "/__a11y__/server-error/"
NAVIGATION_TIMEOUT_MS = 20_000


def _is_page(response) -> bool:
    return (
        response.status_code == 200
        and response.get("Content-Type", "").startswith("text/html")
        and "attachment" not in response.get("Content-Disposition", "")
    )


def _client(world, role: str, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    return client


@contextmanager
def _browser_page(browser: Browser, live_server, client: Client, language: str) -> Iterator[Page]:
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    if settings.SESSION_COOKIE_NAME in client.cookies:
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url})
    with watched_page(browser, locale="sv-SE" if language == "sv" else "en-GB") as page:
        page.context.add_cookies(cookies)
        # Hundreds of pages in one test: a slow moment of a busy machine must not read as a failure of a page.
        page.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        # The error pages are reached on purpose; Chromium logs their status as a console error.
        allow_console_error(page, r"Failed to load resource: the server responded with a status of (403|404|500)")
        yield page


def _serve(html: str):
    return lambda route, request: route.fulfill(body=html, content_type="text/html")


def _serious(page: Page) -> list[str]:
    response = Axe().run(page, options=AXE_OPTIONS).response
    found = []
    for violation in response["violations"]:
        if violation.get("impact") in SERIOUS_IMPACTS:
            targets = "; ".join(
                " ".join(t) if isinstance(t, list) else str(t) for node in violation["nodes"] for t in node["target"]
            )
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found


def _rows(method: str, role: str, status: int) -> list[tuple[int, Row]]:
    """The table's rows of `method` that answer `role` with `status`, the first row of each URL name only (the
    others are the same page with other parameters, e.g. `?page=99`)."""
    seen: set[str] = set()
    rows = []
    for index, row in enumerate(TABLE):
        if row.method == method and row.expected.get(role) == status and row.name not in seen:
            seen.add(row.name)
            rows.append((index, row))
    return rows


@pytest.fixture
def server_error_urls(settings):
    """The site's URLs plus one view that fails, so the 500 page is seen as a visitor sees it."""
    settings.ROOT_URLCONF = "tests.browser.urls_with_server_error"
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False


def _record(role: str, language: str, visited: list[dict], not_pages: list[str]) -> None:
    """Write this test's results beside `A11Y_RESULTS` (one file per role and language, as xdist workers run
    them side by side); scripts/a11y_results.py joins them into the file the accessibility statement reads."""
    path = os.environ.get("A11Y_RESULTS")
    if not path:
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = {"role": role, "language": language, "visited": visited, "not_pages": not_pages}
    (target.parent / f"{target.stem}.{role}.{language}.json").write_text(json.dumps(part, ensure_ascii=False))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_the_role_can_open_passes_axe(browser, live_server, world, server_error_urls, role, language):
    client = _client(world, role, language)
    urls: dict[int, str] = {}

    def url_of(index: int, row: Row) -> str:
        if index not in urls:
            urls[index] = row.url(world)
        return urls[index]

    visits: list[tuple[str, str, str | None]] = []  # (what, url, HTML served in place of the live answer)
    not_pages: list[str] = []  # files, feeds, JSON: answered 200 but not a page to check
    for index, row in _rows("get", role, 200):
        url = url_of(index, row)
        if _is_page(client.get(url)):
            visits.append((row.name, url, None))
        else:
            not_pages.append(row.name)
    for index, row in _rows("post", role, 200):
        url = url_of(index, row)
        response = client.post(url, row.data(world))
        if _is_page(response):
            visits.append((f"{row.name} (form errors)", url, response.content.decode()))
        else:
            not_pages.append(f"{row.name} (form errors)")
    for status in (403, 404):
        for index, row in _rows("get", role, status)[:1]:
            visits.append((f"{status} page", url_of(index, row), None))
    visits.append(("500 page", ERROR_URL, None))
    assert len(visits) >= 3, "the registry found no pages for this role"

    visited: list[dict] = []
    failures: list[str] = []
    with _browser_page(browser, live_server, client, language) as page:
        for what, url, html in visits:
            errors_before = len(page.console_errors)  # type: ignore[attr-defined]
            address = f"{live_server.url}{url}"
            if html is not None:
                # A form shown again with its errors: the POST's answer served at the form's own address, so
                # its styles and scripts load as they do for the person who sent it.
                page.route(address, _serve(html))
            response = page.goto(address)
            if html is not None:
                page.unroute(address)
            if response is None:
                failures.append(f"{what} {url}: no response")
                continue
            found = _serious(page)
            if url.startswith("/admin/"):
                # Django's admin sets inline styles from its scripts, which the site's CSP blocks without harm
                # (the admin lays out the same); the statement names the admin as outside this check's claim.
                errors = page.console_errors  # type: ignore[attr-defined]
                errors[errors_before:] = [e for e in errors[errors_before:] if "Applying inline style" not in e]
            visited.append({"page": what, "status": response.status, "serious": len(found)})
            failures.extend(f"{what} {url}: {line}" for line in found)
    _record(role, language, visited, not_pages)
    assert not failures, f"axe found serious or critical violations as {role} in {language}:\n" + "\n".join(failures)
