"""The notification centre and the e-mail choices in a real browser: the header shows the unread count, a person
opens a notification (it is read, the page of the object opens), marks the rest read, changes a choice; both
pages pass axe in Swedish and English."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from notifications.models import Notification, NotificationPreference
from notifications.services import notify
from tests.browser.conftest import assert_no_serious_axe_violations, login

pytestmark = pytest.mark.browser


def in_language(page: Page, live_server, code: str) -> Page:
    page.context.add_cookies([{"name": "django_language", "value": code, "url": live_server.url}])
    return page


@pytest.fixture
def two_notifications(world):
    for organisation in ("Returen Återbruk", "Café Kvarnen"):
        notify(
            kind="outdated_report",
            recipients=[world.staff_a],
            url=reverse("directory:detail", kwargs={"code": world.org_a.code}),
            params={"organisation": organisation},
        )


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_centre_and_the_settings_pass_axe(page: Page, live_server, world, two_notifications, language):
    in_language(page, live_server, language)
    login(page, live_server, world.staff_a.email)
    page.goto(live_server.url + reverse("notifications:centre"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(".nav-badge")).to_contain_text("2")
    assert_no_serious_axe_violations(page)
    page.goto(live_server.url + reverse("notifications:preferences"))
    assert_no_serious_axe_violations(page)


def test_a_person_opens_a_notification_marks_the_rest_read_and_changes_a_choice(
    page: Page, live_server, world, two_notifications
):
    in_language(page, live_server, "en")
    login(page, live_server, world.staff_a.email)
    page.get_by_role("link", name="Notifications 2 unread").click()
    expect(page.locator("h1")).to_have_text("Notifications")
    with page.expect_navigation():
        page.get_by_role("link", name="Someone reported that information on the profile of Café Kvarnen").click()
    expect(page.locator("h1")).to_have_text("Returen Återbruk")
    expect(page.locator(".nav-badge")).to_contain_text("1")
    page.goto(live_server.url + reverse("notifications:centre"))
    with page.expect_navigation():
        page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator(".messages")).to_contain_text("All notifications are marked as read.")
    expect(page.locator(".nav-badge")).to_have_count(0)
    assert not Notification.objects.filter(recipient=world.staff_a, read_at__isnull=True).exists()

    page.get_by_role("link", name="Choose which notifications you get by e-mail").click()
    page.get_by_role("group", name="Information reported as outdated").get_by_label("In a daily summary").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save the settings").click()
    expect(page.locator(".messages")).to_contain_text("Your notification settings are saved.")
    assert NotificationPreference.objects.get(user=world.staff_a).delivery == "daily"
    assert_no_serious_axe_violations(page)
