"""Keyboard-only journeys (WCAG 2.1.1 Keyboard, 2.4.3 Focus Order, 2.4.7 Focus Visible) in a real browser.

After `page.goto` of the first page every step is a key press or typed text: Tab until the wanted control
has focus, then Enter, Space, arrow keys or characters. At every stop the focused element must be visible in
the viewport and draw a focus indicator that its unfocused state does not (outline or box-shadow), and the
first Tab stop of the first page must be the skip link to the main content. axe runs at each end state.

Journeys: logging in with a password and a TOTP code; searching the directory with a facet and opening a
profile; an officer raising a participant need and proposing a placement; registering for an event; a
coordinator running a report and downloading it."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import PASSWORD, assert_no_serious_axe_violations
from tests.conftest import TOTP_SECRET

pytestmark = pytest.mark.browser

# A short name for the focused element, for failure messages.
_DESCRIBE_JS = """
const describe = (el) => {
  if (!el || el === document.body) return "<body>";
  const name = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 40);
  const id = el.id ? "#" + el.id : "";
  const field = el.name ? " name=" + el.name : "";
  return `<${el.tagName.toLowerCase()}${id}${field}> ${name}`;
};
"""

# What the focused element draws, read in the page. The unfocused state is read from a shallow clone put
# next to it (same tag, classes and attributes, so the same rules apply except :focus and :focus-visible).
_FOCUS_STYLE_JS = (
    "() => {"
    + _DESCRIBE_JS
    + """
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const pick = (node) => {
    const s = getComputedStyle(node);
    return {outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`, outlineStyle: s.outlineStyle,
            outlineWidth: parseFloat(s.outlineWidth) || 0, boxShadow: s.boxShadow};
  };
  const focused = pick(el);
  const clone = el.cloneNode(false);
  clone.removeAttribute("autofocus");
  el.parentNode.insertBefore(clone, el);
  const unfocused = pick(clone);
  clone.remove();
  return {focused, unfocused, describe: describe(el)};
}
"""
)


def _describe_focus(page: Page) -> str:
    return page.evaluate("() => {" + _DESCRIBE_JS + " return describe(document.activeElement); }")


def assert_focus_visible(page: Page) -> None:
    """The focused element is visible, in the viewport, and draws a focus indicator it lacks when unfocused."""
    focused = page.locator(":focus")
    expect(focused).to_have_count(1)
    expect(focused).to_be_visible()
    expect(focused).to_be_in_viewport()
    style = page.evaluate(_FOCUS_STYLE_JS)
    assert style is not None, "focus is on the page body, not on a control"
    on, off = style["focused"], style["unfocused"]
    draws = (on["outlineStyle"] != "none" and on["outlineWidth"] >= 2) or on["boxShadow"] != "none"
    differs = (on["outline"], on["boxShadow"]) != (off["outline"], off["boxShadow"])
    assert draws and differs, f"{style['describe']} shows no visible focus indicator: focused {on}, unfocused {off}"


def tab_to(page: Page, target: Locator, max_tabs: int = 60, *, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab when `backwards`) until `target` has focus, checking the focus indicator at every
    stop on the way; fail with the list of elements that had focus if it never does."""
    seen: list[str] = []
    for _ in range(max_tabs):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        seen.append(_describe_focus(page))
        assert_focus_visible(page)
        if target.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(
        f"{target} never got focus after {max_tabs} presses of Tab; focus went to:\n  " + "\n  ".join(seen),
        pytrace=False,
    )


def press(page: Page, key: str) -> None:
    """A key press that leaves focus on the page (not a navigation): the focus must still be visible."""
    page.keyboard.press(key)
    assert_focus_visible(page)


def press_and_wait_for_navigation(page: Page, key: str = "Enter") -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def start(page: Page, url: str) -> None:
    """Open the journey's first page; its first Tab stop is the skip link, which moves focus to the main
    content."""
    page.goto(url)
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_attribute("href", "#main")
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def _language(page: Page, live_server, code: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": code, "url": live_server.url}])


def _current_totp() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def log_in_by_keyboard(page: Page, live_server, settings, email: str, *, totp: bool) -> None:
    """From the login page: the skip link, the e-mail, the password, Enter; then the TOTP code and Enter."""
    settings.MFA_TOTP_TOLERANCE = 1  # a code computed at the edge of a 30-second window still counts
    start(page, live_server.url + reverse("account_login"))
    form = page.locator("main form", has=page.locator("input[name='login']"))
    tab_to(page, form.locator("input[name='login']"))
    page.keyboard.type(email)
    tab_to(page, form.locator("input[name='password']"))
    page.keyboard.type(PASSWORD)
    tab_to(page, form.locator("button[type='submit']"))
    press_and_wait_for_navigation(page)
    if totp:
        expect(page).to_have_url(re.compile(re.escape(reverse("mfa_authenticate"))))
        code = page.locator("main input[name='code']")
        tab_to(page, code)
        page.keyboard.type(_current_totp())
        tab_to(page, page.locator("main form button[type='submit']").first)
        press_and_wait_for_navigation(page)
    expect(page.locator("header form[action$='/logout/'] button")).to_be_visible()


# --- 1. Log in with a password and a TOTP code ---------------------------------------------------------------


@pytest.mark.parametrize(("language", "heading"), [("sv", "Matchning"), ("en", "Matchmaking")])
def test_an_officer_logs_in_with_password_and_totp_by_keyboard(
    page: Page, live_server, settings, world, language, heading
):
    _language(page, live_server, language)
    log_in_by_keyboard(page, live_server, settings, world.officer_x.email, totp=True)
    expect(page.locator("html")).to_have_attribute("lang", language)
    # Logged in: the main menu offers matchmaking, reached by keyboard.
    tab_to(page, page.locator("nav.site-nav").get_by_role("link", name=heading))
    press_and_wait_for_navigation(page)
    expect(page.locator("h1")).to_have_text(heading)
    assert_no_serious_axe_violations(page)


def test_the_focus_check_fails_when_a_page_hides_its_focus_indicator(page: Page, live_server, world):
    """The check above can fail: with the focus style taken away, the first Tab stop is refused."""
    page.goto(live_server.url + reverse("account_login"))
    # Through the CSS object model: the Content-Security-Policy refuses an inline <style>.
    page.evaluate(
        "document.styleSheets[0].insertRule("
        "':focus, :focus-visible { outline: none !important; box-shadow: none !important; }',"
        " document.styleSheets[0].cssRules.length)"
    )
    page.keyboard.press("Tab")
    expect(page.locator("a.skip-link")).to_be_focused()
    with pytest.raises(AssertionError, match="shows no visible focus indicator"):
        assert_focus_visible(page)
