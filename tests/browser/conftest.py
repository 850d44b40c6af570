"""Browser fixtures: Debian's chromium driven by Playwright against pytest-django's live server.

Every page a test opens is watched for console errors and uncaught page errors (a Content-Security-
Policy violation shows up as a console error), and the test fails on teardown if there were any.
`assert_no_serious_axe_violations` runs axe-core in the page and fails on serious or critical findings.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, expect, sync_playwright

# Playwright's sync API runs an event loop in this thread; without this Django refuses the ORM calls
# the fixtures (and the tests) make alongside it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 5_000
PASSWORD = "correct horse battery staple"
SERIOUS_IMPACTS = {"serious", "critical"}

expect.set_options(timeout=DEFAULT_TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(executable).is_file() or not os.access(executable, os.X_OK):
        # Never skip: a browser check that cannot run must not look as if it had passed.
        pytest.fail(
            f"Chromium not found or not executable at {executable!r}. Install Debian's chromium "
            "(apt-get install chromium) or point CHROMIUM_PATH at a Chromium binary.",
            pytrace=False,
        )
    playwright = sync_playwright().start()
    try:
        try:
            chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        except Error as error:
            pytest.fail(f"Chromium at {executable!r} would not start: {error}", pytrace=False)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


@contextmanager
def watched_page(browser: Browser, **context_options: Any) -> Iterator[Page]:
    """A fresh browser context (Swedish locale, no cookies unless given) and page. `page.console_errors`
    collects console errors and page errors; leaving the block fails the test if any were not expected
    with `allow_console_error`."""
    context = browser.new_context(**{"locale": "sv-SE", **context_options})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    watched = context.new_page()
    watched.console_errors = []  # type: ignore[attr-defined]
    watched.allowed_console_errors = []  # type: ignore[attr-defined]

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location or {}
            where = f"{location.get('url', '?')}:{location.get('lineNumber', '?')}"
            watched.console_errors.append(f"console error: {message.text} (at {where})")  # type: ignore[attr-defined]

    def on_page_error(error: Error) -> None:
        watched.console_errors.append(f"page error: {error}")  # type: ignore[attr-defined]

    watched.on("console", on_console)
    watched.on("pageerror", on_page_error)
    try:
        yield watched
    finally:
        errors = [
            error
            for error in watched.console_errors  # type: ignore[attr-defined]
            if not any(pattern.search(error) for pattern in watched.allowed_console_errors)  # type: ignore[attr-defined]
        ]
        context.close()
    assert not errors, "The browser reported errors (CSP violations appear here):\n" + "\n".join(errors)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh, watched browser context and page (see `watched_page`)."""
    with watched_page(browser) as watched:
        yield watched


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Opens more watched pages in their own contexts: a second person next to `page`, or a browser without
    JavaScript (`new_page(java_script_enabled=False)`). Each is checked for errors when the test ends."""
    with ExitStack() as stack:
        yield lambda **context_options: stack.enter_context(watched_page(browser, **context_options))


def allow_console_error(page: Page, pattern: str) -> None:
    """Expect console errors matching `pattern` (a regular expression) in this test, e.g. Chromium's
    'Failed to load resource: ... 404' when the test visits a missing page on purpose."""
    page.allowed_console_errors.append(re.compile(pattern))  # type: ignore[attr-defined]


def assert_no_serious_axe_violations(page: Page) -> None:
    """Run axe-core in the page as it is now; fail on any serious or critical violation."""
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS_IMPACTS]
    if serious:
        lines = [f"axe found {len(serious)} serious/critical violation(s) on {page.url}:"]
        for violation in serious:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            lines.append(f"  {violation.get('helpUrl', '')}")
            for node in violation["nodes"]:
                targets = ", ".join(" ".join(t) if isinstance(t, list) else t for t in node["target"])
                lines.append(f"    target: {targets}")
                if node.get("failureSummary"):
                    lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
        pytest.fail("\n".join(lines), pytrace=False)


def login(page: Page, live_server, email: str, password: str = PASSWORD) -> None:
    """Log in through the real login page, as a person would: fill the form and press the button."""
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("main form", has=page.locator("input[name='login']"))
    form.locator("input[name='login']").fill(email)
    form.locator("input[name='password']").fill(password)
    with page.expect_navigation():
        form.locator("button[type='submit']").click()
