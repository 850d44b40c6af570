"""Partner requests and agreements in a real browser: a buyer posts a request, the suggested ASF answers, the
buyer sees the answer; an ASF registers an agreement with a PDF and downloads it; the pages (incl. an error
state and the buyer's list of ASF eligible for reserved contracts) pass axe in Swedish and English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from directory.models import Certification, ServiceCategory
from matchmaking.models import Agreement, PartnerRequest, PartnerResponse
from tests import pdfs
from tests.browser.conftest import assert_no_serious_axe_violations, login

pytestmark = pytest.mark.browser

PDF = pdfs.blank_pdf()


def in_english(page: Page, live_server) -> Page:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return page


@pytest.fixture
def cleaning(world):
    service = ServiceCategory.objects.get(slug="stad")
    world.org_a.services.add(service)
    Certification.objects.create(
        status="approved",
        organisation=world.org_a,
        kind="lou_reserved",
        valid_until=dt.date.today() + dt.timedelta(days=300),
    )
    return service


def test_a_buyer_posts_a_request_the_suggested_asf_answers_and_the_buyer_sees_it(
    page: Page, new_page, live_server, world, cleaning
):
    buyer = in_english(page, live_server)
    login(buyer, live_server, world.business_member.email)
    buyer.goto(live_server.url + reverse("matchmaking:partner_request_create"))
    assert_no_serious_axe_violations(buyer)
    buyer.get_by_role("button", name="Post the request").click()
    expect(buyer.locator(".error-summary")).to_be_visible()  # nothing filled in: the errors, summarised
    assert_no_serious_axe_violations(buyer)
    buyer.get_by_label("Title").fill("Cleaning of our office in Luleå")
    buyer.get_by_label("Service needed").select_option(label="Cleaning")
    buyer.get_by_label("Municipality where the service is needed").select_option("2580")
    buyer.get_by_label("Reserved contract").check()
    with buyer.expect_navigation():
        buyer.get_by_role("button", name="Post the request").click()
    request = PartnerRequest.objects.get()
    expect(buyer.locator("h1")).to_have_text("Cleaning of our office in Luleå")
    expect(buyer.locator("main")).to_contain_text("Returen Återbruk")
    expect(buyer.locator("main")).to_contain_text("certified for reserved contracts")
    assert_no_serious_axe_violations(buyer)

    asf = in_english(new_page(), live_server)
    login(asf, live_server, world.staff_a.email)
    asf.goto(live_server.url + reverse("matchmaking:partner_request_list"))
    assert_no_serious_axe_violations(asf)
    with asf.expect_navigation():
        asf.get_by_role("link", name="Cleaning of our office in Luleå").click()
    asf.get_by_label("Interested", exact=True).check()
    asf.get_by_label("Note to the requester (optional)").fill("We can start on Monday.")
    with asf.expect_navigation():
        asf.get_by_role("button", name="Send the answer").click()
    expect(asf.locator(".messages")).to_contain_text("The requester can now see your answer.")
    assert_no_serious_axe_violations(asf)
    assert PartnerResponse.objects.get(request=request).answer == "interested"

    buyer.reload()
    expect(buyer.locator("main table")).to_contain_text("Interested")
    expect(buyer.locator("main table")).to_contain_text("We can start on Monday.")


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_reserved_contracts_list_passes_axe(page: Page, live_server, world, cleaning, language):
    if language == "en":
        in_english(page, live_server)
    login(page, live_server, world.business_member.email)
    page.goto(live_server.url + reverse("matchmaking:reserved_asf") + "?service=stad&municipality=2580")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("main table")).to_contain_text("Returen Återbruk")
    assert_no_serious_axe_violations(page)
    with page.expect_download() as download:
        page.locator("a[download]").click()
    assert download.value.suggested_filename.endswith(".csv")


def test_an_asf_registers_an_agreement_with_a_pdf_and_downloads_it(page: Page, live_server, world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    in_english(page, live_server)
    login(page, live_server, world.admin_a.email)
    page.goto(live_server.url + reverse("matchmaking:agreement_create"))
    assert_no_serious_axe_violations(page)
    page.get_by_label("Other parties").select_option(label="Luleå kommun")
    page.get_by_label("Kind of agreement").select_option("iop")
    page.get_by_label("Title").fill("IOP work training 2025")
    page.get_by_label("Starts").fill("2025-01-01")
    pdf = tmp_path / "iop.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label("Agreement document (optional)").set_input_files(str(pdf))
    with page.expect_navigation():
        page.get_by_role("button", name="Register the agreement").click()
    expect(page.locator("h1")).to_have_text("IOP work training 2025")
    assert set(Agreement.objects.get().parties.all()) == {world.org_a, world.muni_x}
    assert_no_serious_axe_violations(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="iop.pdf").click()
    assert download.value.suggested_filename == "iop.pdf"
    page.goto(live_server.url + reverse("matchmaking:agreement_list"))
    expect(page.locator("main table")).to_contain_text("IOP work training 2025")
    assert_no_serious_axe_violations(page)
