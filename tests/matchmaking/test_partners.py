"""Partner requests: who is suggested and why, who sees what, answers, closing; the buyer's list of ASF
eligible for reserved contracts and its CSV invitation list."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from directory.access import actor_for
from directory.models import Certification, Municipality, Organisation, OrganisationKind, ServiceCategory
from kernel.models import AuditLog
from matchmaking import partners
from matchmaking.models import PartnerRequest, PartnerRequestStatus, PartnerResponse
from tests.factories import MembershipFactory, OrganisationFactory, by_code

TODAY = dt.date.today()


@pytest.fixture
def cleaning(db):
    return ServiceCategory.objects.get(slug="stad")


@pytest.fixture
def catering(db):
    return ServiceCategory.objects.get(slug="catering")


def certify(org, *, valid_until=None):
    return Certification.objects.create(
        status="approved",
        organisation=org,
        kind="lou_reserved",
        valid_until=valid_until or TODAY + dt.timedelta(days=365),
    )


def post_request(world, service, *, municipality="2580", reserved=False, organisation=None, actor=None, **data):
    fields = {"title": "Städning av kontoret", "service": service, "municipality": municipality}
    fields.update(reserved_for_asf=reserved, **data)
    return partners.partner_request_create(
        actor=actor_for(actor or world.business_member),
        organisation=organisation or world.business,
        data=by_code(fields),
    )


@pytest.fixture
def scene(world, cleaning, catering):
    """ASF A (Luleå) cleans; ASF B (Piteå) cleans and serves Luleå; ASF C (Luleå) does catering only;
    an unpublished ASF and a stale one in Luleå clean; a business in Luleå cleans (not an ASF)."""
    world.org_a.services.add(cleaning)
    world.org_b.services.add(cleaning)
    world.org_b.municipalities_served.add(Municipality.objects.get(code="2580"))
    world.hidden_org.services.add(cleaning)
    org_c = OrganisationFactory(name="Catering Cooperativet", kind=OrganisationKind.ASF, kommunkod="2580")
    org_c.services.add(catering)
    stale = OrganisationFactory(
        name="Gamla Städet", kind=OrganisationKind.ASF, confirmed_at=timezone.now() - dt.timedelta(days=800)
    )
    stale.services.add(cleaning)
    world.business.services.add(cleaning)
    world.org_c = org_c
    world.stale = stale
    return world


# --- Who is suggested, and why ---------------------------------------------------------------------------
def test_listed_asf_offering_the_service_in_or_serving_the_municipality_are_suggested(scene, cleaning):
    request = post_request(scene, cleaning)
    names = [s.organisation.name for s in partners.suggestions(request)]
    assert names == ["Café Kvarnen", "Returen Återbruk"]  # B serves Luleå, A is based there; by name


def test_each_suggestion_says_why_in_plain_words(scene, cleaning):
    certify(scene.org_a, valid_until=dt.date(2031, 1, 31))
    request = post_request(scene, cleaning)
    with override("en"):
        reasons = {s.organisation.name: [r.text for r in s.reasons] for s in partners.suggestions(request)}
    assert reasons["Returen Återbruk"] == [
        "offers cleaning",
        "in Luleå",
        "certified for reserved contracts (until 2031-01-31)",
    ]
    assert reasons["Café Kvarnen"] == ["offers cleaning", "serves Luleå"]


def test_a_reserved_request_lists_certified_asf_first_and_says_who_lacks_certification(scene, cleaning):
    certify(scene.org_a)
    certify(scene.org_b, valid_until=TODAY - dt.timedelta(days=1))  # expired: does not count
    request = post_request(scene, cleaning, reserved=True)
    with override("en"):
        suggested = partners.suggestions(request)
    assert [s.organisation for s in suggested] == [scene.org_a, scene.org_b]
    assert suggested[0].certified and not suggested[1].certified
    misfits = [r.text for r in suggested[1].reasons if not r.fits]
    assert misfits == ["no valid certification for reserved contracts on file"]


def test_another_service_or_municipality_suggests_nobody_from_elsewhere(scene, cleaning, catering):
    assert [s.organisation for s in partners.suggestions(post_request(scene, catering))] == [scene.org_c]
    assert [s.organisation for s in partners.suggestions(post_request(scene, cleaning, municipality="2584"))] == []


# --- Who sees a request ------------------------------------------------------------------------------------
@pytest.mark.security("C11")
@pytest.mark.adversarial("C")
def test_the_requester_suggested_asf_and_coordinators_see_a_request_others_get_404(scene, cleaning, client):
    request = post_request(scene, cleaning, municipality="2581")  # Piteå: only B is suggested
    url = reverse("matchmaking:partner_request_detail", kwargs={"code": request.code})
    for user, status in [
        (scene.business_member, 200),
        (scene.staff_b, 200),
        (scene.coordinator, 200),
        (scene.staff_a, 404),
        (scene.officer_x, 404),
        (scene.officer_y, 404),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status, user
        listed = list(partners.partner_request_list(actor_for(user)))
        assert (request in listed) == (status == 200), user


@pytest.mark.adversarial("C")
def test_an_unlisted_asf_is_not_suggested_and_does_not_see_the_request(scene, cleaning):
    request = post_request(scene, cleaning)
    member_of_stale = MembershipFactory(organisation=scene.stale).user
    with pytest.raises(Http404):
        partners.partner_request_for_user(actor=actor_for(member_of_stale), code=request.code)
    assert scene.hidden_org not in [s.organisation for s in partners.suggestions(request)]


@pytest.mark.adversarial("C")
def test_an_asf_that_answered_still_sees_the_request_after_its_services_change(scene, cleaning):
    request = post_request(scene, cleaning)
    partners.partner_response_set(
        actor=actor_for(scene.staff_a), request=request, organisation=scene.org_a, answer="interested"
    )
    scene.org_a.services.clear()
    assert partners.partner_request_for_user(actor=actor_for(scene.staff_a), code=request.code) == request
    # The requester still sees the answer, under "other answers".
    client_view = partners.other_responses(request, partners.suggestions(request))
    assert [r.organisation for r in client_view] == [scene.org_a]


def test_the_list_shows_each_user_only_what_they_may_see(scene, cleaning, catering, client):
    mine = post_request(scene, cleaning, title="Städning i Luleå")
    post_request(scene, catering, title="Catering för 40 personer i Boden", municipality="2582")
    client.force_login(scene.staff_a)
    body = client.get(reverse("matchmaking:partner_request_list")).content.decode()
    assert mine.title in body
    assert "Catering för 40 personer" not in body


# --- Answers ----------------------------------------------------------------------------------------------
def test_a_suggested_asf_answers_and_the_requester_sees_it(scene, cleaning, client):
    request = post_request(scene, cleaning)
    client.force_login(scene.staff_a)
    response = client.post(
        reverse("matchmaking:partner_response", kwargs={"code": request.code}),
        {"organisation": str(scene.org_a.code), "answer": "interested", "note": "Vi kan börja i maj."},
    )
    assert response.status_code == 302
    answer = PartnerResponse.objects.get(request=request)
    assert (answer.organisation, answer.answer, answer.answered_by) == (scene.org_a, "interested", scene.staff_a)
    assert AuditLog.objects.filter(action="partner_request.answer", actor=scene.staff_a).exists()

    client.force_login(scene.business_member)
    with override("en"):
        body = client.get(
            reverse("matchmaking:partner_request_detail", kwargs={"code": request.code}), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert "Vi kan börja i maj." in body
    assert "Returen Återbruk" in body


def test_a_second_answer_replaces_the_first(scene, cleaning):
    request = post_request(scene, cleaning)
    partners.partner_response_set(
        actor=actor_for(scene.staff_a), request=request, organisation=scene.org_a, answer="interested"
    )
    partners.partner_response_set(
        actor=actor_for(scene.admin_a),
        request=request,
        organisation=scene.org_a,
        answer="not_interested",
        note="Fullt i maj",
    )
    answer = PartnerResponse.objects.get(request=request)
    assert (answer.answer, answer.note, answer.answered_by) == ("not_interested", "Fullt i maj", scene.admin_a)


@pytest.mark.adversarial("C")
def test_an_asf_sees_its_own_answer_but_never_another_asfs(scene, cleaning, client):
    request = post_request(scene, cleaning)
    partners.partner_response_set(
        actor=actor_for(scene.staff_b),
        request=request,
        organisation=scene.org_b,
        answer="interested",
        note="HEMLIG-NOT-B",
    )
    client.force_login(scene.staff_a)
    body = client.get(reverse("matchmaking:partner_request_detail", kwargs={"code": request.code})).content.decode()
    assert "HEMLIG-NOT-B" not in body
    assert "Café Kvarnen" not in body


@pytest.mark.security("C14")
@pytest.mark.adversarial("C")
def test_answering_for_an_organisation_that_is_not_suggested_is_refused(scene, cleaning, client):
    request = post_request(scene, cleaning, municipality="2581")  # only B
    with pytest.raises(PermissionDenied):
        partners.partner_response_set(
            actor=actor_for(scene.staff_b), request=request, organisation=scene.hidden_org, answer="interested"
        )
    client.force_login(scene.staff_b)
    response = client.post(
        reverse("matchmaking:partner_response", kwargs={"code": request.code}),
        {"organisation": str(scene.hidden_org.code), "answer": "interested"},
    )
    assert response.status_code == 200  # the form again: that organisation is not a choice
    assert not PartnerResponse.objects.exists()


def test_a_closed_request_takes_no_answers(scene, cleaning, client):
    request = post_request(scene, cleaning)
    client.force_login(scene.business_member)
    assert client.post(reverse("matchmaking:partner_request_close", kwargs={"code": request.code})).status_code == 302
    request.refresh_from_db()
    assert request.status == PartnerRequestStatus.CLOSED
    with pytest.raises(ValidationError):
        partners.partner_response_set(
            actor=actor_for(scene.staff_a), request=request, organisation=scene.org_a, answer="interested"
        )
    client.force_login(scene.staff_a)
    with override("en"):
        response = client.post(
            reverse("matchmaking:partner_response", kwargs={"code": request.code}),
            {"organisation": str(scene.org_a.code), "answer": "interested"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    assert "This request is closed" in response.content.decode()
    assert not PartnerResponse.objects.exists()


def test_only_the_requester_closes_a_request(scene, cleaning):
    request = post_request(scene, cleaning)
    with pytest.raises(PermissionDenied):
        partners.partner_request_close(actor=actor_for(scene.staff_a), request=request)
    assert PartnerRequest.objects.get(pk=request.pk).status == PartnerRequestStatus.OPEN


# --- Posting a request ------------------------------------------------------------------------------------
def test_posting_a_request_through_the_form(scene, cleaning, client):
    client.force_login(scene.business_member)
    response = client.post(
        reverse("matchmaking:partner_request_create"),
        {
            "organisation": str(scene.business.code),
            "title": "Catering för 40 personer i Boden i maj",
            "description": "Lunch och fika.",
            "service": cleaning.pk,
            "municipality": "2582",
            "needed_by": "2027-05-15",
            "reserved_for_asf": "on",
        },
    )
    assert response.status_code == 302
    request = PartnerRequest.objects.get()
    assert (request.organisation, request.created_by, request.municipality_id) == (
        scene.business,
        scene.business_member,
        "2582",
    )
    assert request.reserved_for_asf and request.needed_by == dt.date(2027, 5, 15)
    assert AuditLog.objects.filter(action="partner_request.create").exists()


@pytest.mark.security("C15")
@pytest.mark.adversarial("C")
def test_extra_fields_in_the_post_are_ignored_and_foreign_organisations_refused(scene, cleaning, client):
    client.force_login(scene.business_member)
    data = {
        "title": "Städning",
        "service": cleaning.pk,
        "municipality": "2580",
        "status": "closed",
        "created_by": scene.coordinator.pk,
    }
    response = client.post(reverse("matchmaking:partner_request_create"), {**data, "organisation": scene.org_a.code})
    assert response.status_code == 200  # A is not the user's organisation: not a choice
    assert not PartnerRequest.objects.exists()
    client.post(reverse("matchmaking:partner_request_create"), {**data, "organisation": scene.business.code})
    request = PartnerRequest.objects.get()
    assert (request.status, request.created_by) == ("open", scene.business_member)


@pytest.mark.security("H40")
@pytest.mark.adversarial("H")
def test_a_personnummer_in_a_request_is_refused_and_nothing_stored(scene, cleaning, client):
    client.force_login(scene.business_member)
    with override("en"):
        response = client.post(
            reverse("matchmaking:partner_request_create"),
            {
                "organisation": str(scene.business.code),
                "title": "Städning",
                "description": "Kontakt: 19900101-0017",
                "service": cleaning.pk,
                "municipality": "2580",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    assert "looks like a Swedish personal identity number" in response.content.decode()
    assert not PartnerRequest.objects.exists()


@pytest.mark.security("E25")
@pytest.mark.adversarial("E")
def test_markup_in_a_request_is_shown_as_text(scene, cleaning, client):
    request = post_request(
        scene, cleaning, title="<script>alert(1)</script>", description="<img src=x onerror=alert(1)>"
    )
    client.force_login(scene.staff_a)
    body = client.get(reverse("matchmaking:partner_request_detail", kwargs={"code": request.code})).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert "<img src=x" not in body


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_request_list_takes_as_many_queries_for_twelve_rows_as_for_one(
    scene, cleaning, client, django_assert_max_num_queries
):
    url = reverse("matchmaking:partner_request_list")
    post_request(scene, cleaning, title="Radförfrågan-0")
    client.force_login(scene.staff_a)
    client.get(url)  # the first request of a session records it; not part of the page's cost
    one = _queries(client, url)
    for i in range(1, 12):
        post_request(scene, cleaning, title=f"Radförfrågan-{i}")
    with django_assert_max_num_queries(one):
        response = client.get(url)
    assert response.content.decode().count("Radförfrågan-") == 12
    assert one <= 15


# --- ASF eligible for reserved contracts ----------------------------------------------------------------
@pytest.fixture
def reserved(scene, cleaning, catering):
    certify(scene.org_a)  # Luleå, cleaning
    certify(scene.org_b)  # Piteå, cleaning, serves Luleå
    certify(scene.org_c, valid_until=TODAY - dt.timedelta(days=1))  # expired
    certify(scene.hidden_org)  # not published
    scene.org_b.services.add(catering)
    return scene


def test_the_buyer_list_shows_only_listed_asf_with_a_valid_certification(reserved):
    assert list(partners.reserved_asf()) == [reserved.org_b, reserved.org_a]  # by name


def test_the_buyer_list_filters_by_service_and_municipality_served(reserved, cleaning, catering, client):
    assert list(partners.reserved_asf(service=catering)) == [reserved.org_b]
    assert list(partners.reserved_asf(municipality="2580")) == [reserved.org_b, reserved.org_a]
    assert list(partners.reserved_asf(municipality="2581")) == [reserved.org_b]
    assert list(partners.reserved_asf(service=cleaning, municipality="2582")) == []
    client.force_login(reserved.business_member)
    body = client.get(reverse("matchmaking:reserved_asf"), {"service": "catering"}).content.decode()
    assert "Café Kvarnen" in body and "Returen Återbruk" not in body


@pytest.mark.security("E24")
@pytest.mark.adversarial("E")
@pytest.mark.parametrize("query", ["?service=nope", "?municipality=x' OR 1=1--", "?service=&municipality=", "?page=-1"])
def test_bad_filters_never_fail(reserved, client, query):
    client.force_login(reserved.business_member)
    assert client.get(reverse("matchmaking:reserved_asf") + query).status_code == 200
    assert client.get(reverse("matchmaking:reserved_asf_export") + query).status_code == 200


def _csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_invitation_list_has_public_contact_fields_only(reserved, client):
    Organisation.objects.filter(pk=reserved.org_a.pk).update(
        email="info@returen.se",
        phone="0920-12 34 56",
        website="https://returen.se",
        description_sv="Intern beskrivning",
        premises_accessibility="Ramp vid entrén",
    )
    client.force_login(reserved.business_member)
    with override("en"):
        response = client.get(
            reverse("matchmaking:reserved_asf_export"), {"municipality": "2580"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == [
        "name",
        "organisation number",
        "municipality",
        "services",
        "e-mail",
        "phone",
        "website",
        "certified for reserved contracts until",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Café Kvarnen", "Returen Återbruk"}
    a = by_name["Returen Återbruk"]
    assert a[1] == reserved.org_a.orgnr_display and a[2] == "Luleå" and a[3] == "Cleaning"
    assert a[4:7] == ["info@returen.se", "0920-12 34 56", "https://returen.se"]
    flat = " ".join(" ".join(row) for row in rows)
    assert "Intern beskrivning" not in flat and "Ramp" not in flat


@pytest.mark.security("E28")
@pytest.mark.adversarial("E")
def test_formula_looking_cells_are_neutralised_in_the_invitation_list(reserved, client):
    Organisation.objects.filter(pk=reserved.org_a.pk).update(name='=HYPERLINK("http://evil.example","klicka")')
    Organisation.objects.filter(pk=reserved.org_b.pk).update(phone="+46 920 12 34 56", email="@evil")
    client.force_login(reserved.business_member)
    rows = _csv(client.get(reverse("matchmaking:reserved_asf_export")))
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil.example","klicka")' in cells
    assert "'+46 920 12 34 56" in cells and "'@evil" in cells
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in cells)


def test_the_buyer_list_takes_as_many_queries_for_ten_more_rows(
    reserved, cleaning, client, django_assert_max_num_queries
):
    url = reverse("matchmaking:reserved_asf")
    client.force_login(reserved.business_member)
    client.get(url)
    before = _queries(client, url)
    for i in range(10):
        org = OrganisationFactory(name=f"ASF nummer {i}", kind=OrganisationKind.ASF)
        org.services.add(cleaning)
        certify(org)
    with django_assert_max_num_queries(before):
        response = client.get(url)
    assert response.content.decode().count("ASF nummer ") == 10
    assert before <= 15
