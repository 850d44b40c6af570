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


# --- States the access table's world does not reach -----------------------------------------------------------
# The table's first row of a URL name is opened with the objects that row makes, so some states of its pages
# are never seen there: the approval section of the registrations page with someone awaiting a decision, the
# registration forms asking the organiser's questions (and their errors), a Finsam/SUS run, and a series with
# questions. They are made here and opened like the registry's pages; the access table stays as it is.
def _approval_event_with_questions(world):
    """A public event of ASF A next week that needs approval and asks three questions (one required); staff B
    awaits the decision with answers given."""
    import datetime as dt

    from django.utils import timezone

    from directory.access import actor_for
    from directory.factories import ForbundFactory
    from events import services
    from events.answers import field_name
    from events.factories import EventQuestionFactory
    from events.models import Event, EventStatus

    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=7)
    event = Event.objects.create(
        organiser=world.org_a,
        forbund=ForbundFactory(),
        title_sv="Studiebesök med anmälan",
        title_en="Study visit by application",
        start=start,
        end=start + dt.timedelta(hours=2),
        place_name="Kulturens hus",
        capacity=10,
        requires_approval=True,
        status=EventStatus.PUBLISHED,
    )
    text = EventQuestionFactory(event=event, label_sv="Vilken organisation företräder du?", required=True, position=1)
    choice = EventQuestionFactory(event=event, choice=True, position=2)
    EventQuestionFactory(event=event, yes_no=True, position=3)
    answers = {field_name(text): "Café Kvarnen", field_name(choice): "Tisdag"}
    services.registration_create(actor=actor_for(world.staff_b), event=event, answers=answers)
    return event


def _finsam_run(world):
    """A finished Finsam/SUS run of last quarter with an event held in it (someone present)."""
    import datetime as dt

    from directory.factories import ForbundFactory
    from matchmaking.models import FundedProject
    from reports.models import ReportKind, ReportRun, RunStatus, SupportRecord
    from reports.tasks import run_report
    from tests.factories import EventFactory, RegistrationFactory

    project = FundedProject.objects.create(
        forbund=ForbundFactory(), diarienummer="23-051-S06", name="Samverkan för ASF", owner=world.forbund
    )
    held = EventFactory(organiser=world.org_a, start=dt.datetime(2025, 2, 3, 9, tzinfo=dt.UTC))
    RegistrationFactory(event=held, user=world.staff_b, organisation=world.org_b, present=True)
    SupportRecord.objects.create(
        project=project, organisation=world.org_a, date=dt.date(2025, 2, 1), kind="advice", direct=True
    )
    run = ReportRun.objects.create(
        kind=ReportKind.FINSAM,
        project=project,
        period_from=dt.date(2025, 1, 1),
        period_to=dt.date(2025, 3, 31),
        requested_by=world.coordinator,
    )
    run_report.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def _series_with_a_question(world, event):
    from directory.access import actor_for
    from events import questions, series

    made = series.series_create(
        actor=actor_for(world.staff_a),
        event=event,
        data={"name": "Studiebesök", "frequency": "weekly", "interval": 1, "until": None, "count": 2},
    )
    data = {"kind": "text", "label_sv": "Kost?", "label_en": "Diet?", "required": False, "position": 9}
    questions.series_question_add(actor=actor_for(world.staff_a), series=made, data=data)
    return made


STATE_ROLES = ["anonymous", "staff_a", "business_member", "coordinator"]
# What shows that a page is in the state it is opened for.
STATE_MARKERS = {
    "event page: guest form with questions": 'name="guest-question-',
    "guest form errors": 'aria-invalid="true"',
    "event page: form with questions": 'name="question-',
    "form errors": 'aria-invalid="true"',
    "registrations: awaiting approval": "/decide/",
    "series questions": "/delete/",
    "Finsam/SUS run": "<table",
}


def _states(world, role: str) -> list[tuple[str, str, str, dict | None]]:
    """(what, method, url, POST data) of the pages `role` sees in those states."""
    from django.urls import reverse

    event = _approval_event_with_questions(world)
    detail = reverse("events:detail", kwargs={"code": event.code})
    if role == "anonymous":
        guest = reverse("events:register_guest", kwargs={"code": event.code})
        return [
            ("event page: guest form with questions", "get", detail, None),
            ("guest form errors", "post", guest, {}),
        ]
    if role == "business_member":
        register = reverse("events:register", kwargs={"code": event.code})
        return [("event page: form with questions", "get", detail, None), ("form errors", "post", register, {})]
    if role == "staff_a":
        made = _series_with_a_question(world, event)
        first = made.events.order_by("start").first()
        return [
            (
                "registrations: awaiting approval",
                "get",
                reverse("events:attendance", kwargs={"code": event.code}),
                None,
            ),
            ("series with questions", "get", reverse("events:series", kwargs={"code": made.code}), None),
            ("series questions", "get", reverse("events:series_questions", kwargs={"code": made.code}), None),
            ("questions of a date", "get", reverse("events:questions", kwargs={"code": first.code}), None),
        ]
    run = _finsam_run(world)
    return [("Finsam/SUS run", "get", reverse("reports:run_detail", kwargs={"code": run.code}), None)]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", STATE_ROLES)
def test_states_the_access_table_does_not_reach_pass_axe(browser, live_server, world, role, language):
    client = _client(world, role, language)
    visits: list[tuple[str, str, str | None]] = []
    for what, method, url, data in _states(world, role):
        response = client.get(url) if method == "get" else client.post(url, data)
        assert _is_page(response), f"{what} {url}: {response.status_code}"
        marker = STATE_MARKERS.get(what)
        assert marker is None or marker in response.content.decode(), f"{what} {url} shows no {marker!r}"
        visits.append((what, url, response.content.decode() if method == "post" else None))
    failures: list[str] = []
    with _browser_page(browser, live_server, client, language) as page:
        for what, url, html in visits:
            address = f"{live_server.url}{url}"
            if html is not None:
                page.route(address, _serve(html))
            response = page.goto(address)
            if html is not None:
                page.unroute(address)
            assert response is not None and response.status == 200, f"{what} {url}"
            failures.extend(f"{what} {url}: {line}" for line in _serious(page))
    assert not failures, f"axe found serious or critical violations as {role} in {language}:\n" + "\n".join(failures)
