"""The coordinators' work queues in a real browser: a coordinator ticks organisations and verifies them with the
keyboard and mouse, reads the counted message, and axe finds nothing serious in Swedish or English."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from directory.models import Organisation
from tests.browser.conftest import assert_no_serious_axe_violations
from tests.browser.test_reports import _language, _log_in_with_totp

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("language", "verify", "done"),
    [("sv", "Verifiera", "2 organisationer verifierades."), ("en", "Verify", "2 organisations were verified.")],
)
def test_a_coordinator_verifies_from_the_queue_and_the_page_passes_axe(
    page: Page, live_server, world, language, verify, done
):
    _language(page, live_server, language)
    _log_in_with_totp(page, live_server, world.coordinator.email)
    page.goto(f"{live_server.url}{reverse('directory:queues')}?queue=awaiting&kind=asf")
    assert_no_serious_axe_violations(page)
    page.locator(f"input[value='{world.org_a.code}']").check()
    page.locator(f"input[value='{world.org_b.code}']").check()
    page.locator("select[name='action']").select_option(label=verify)
    with page.expect_navigation():
        page.locator(".bulk-actions button").click()
    expect(page.get_by_text(done)).to_be_visible()
    assert Organisation.objects.filter(pk__in=[world.org_a.pk, world.org_b.pk], verified_at__isnull=False).count() == 2
    assert_no_serious_axe_violations(page)
