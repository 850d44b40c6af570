"""The open data API (/api/v1/): HSDS 3.0 shape, pagination, the search page's filters, only listed
organisations and only public fields (docs/security-checks.md C13, C16), hostile parameters (E24, E26), query budget,
the OpenAPI document against the URL patterns, and the Frictionless data package."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import uuid
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import URLPattern, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from directory.api import urls as api_urls
from directory.api.openapi import SCHEMAS, document
from directory.models import (
    Certification,
    CertificationKind,
    Municipality,
    Organisation,
    OrganisationKind,
    ServiceCategory,
    months_ago,
)
from directory.search import reindex
from tests.factories import MembershipFactory, OrganisationFactory, make_orgnr

LIST = reverse("api:organization_list")
ORGNR = make_orgnr("769", 4242)  # a valid orgnr of group 7 (ekonomisk förening)
ORGNR_DISPLAY = f"{ORGNR[:6]}-{ORGNR[6:]}"


def detail_url(org_or_code) -> str:
    code = getattr(org_or_code, "code", org_or_code)
    return reverse("api:organization_detail", kwargs={"organization_id": str(code)})


def _org(name: str, *, services=(), served=(), **fields) -> Organisation:
    org = OrganisationFactory(name=name, **fields)
    if services:
        org.services.set(ServiceCategory.objects.filter(slug__in=services))
    if served:
        org.municipalities_served.set(Municipality.objects.filter(code__in=served))
    reindex([org.pk])
    return org


@pytest.fixture
def full_org(db) -> Organisation:
    """An ASF with every public field filled in, a valid and an expired certification, and two members."""
    org = _org(
        "Returen Återbruk",
        legal_name="Returen Ekonomisk Förening",
        orgnr=ORGNR,
        kommunkod="2580",
        services=["aterbruk", "snickeri"],
        served=["2580", "2582"],
        street_address="Storgatan 1",
        postal_code="972 41",
        city="Luleå",
        latitude=Decimal("65.584819"),
        longitude=Decimal("22.156702"),
        website="https://returen.example.se",
        phone="0920-45 30 00",
        email="info@returen.example.se",
        description_sv="Vi tar emot möbler och ger arbetsträning.",
        description_en="We take in furniture and offer work training.",
        takes_placements=True,
        placement_capacity=4,
        premises_accessibility="Entré utan trappsteg.",
        employees=12,
        verified_at=timezone.now(),
    )
    Certification.objects.create(
        status="approved", organisation=org, kind=CertificationKind.SKOOPI, valid_until=dt.date(2099, 1, 1)
    )
    Certification.objects.create(
        status="approved",
        organisation=org,
        kind=CertificationKind.LOU_RESERVED,
        valid_until=timezone.localdate() - dt.timedelta(days=1),
    )
    MembershipFactory(organisation=org, user__email="anna.member@example.se")
    MembershipFactory(organisation=org, user__email="bertil.admin@example.se")
    return org


@pytest.fixture
def unlisted(db) -> dict[str, Organisation]:
    stale = _org("Gamla Snickeriet", services=["snickeri"])
    Organisation.objects.filter(pk=stale.pk).update(
        confirmed_at=months_ago(settings.DIRECTORY_HIDE_AFTER_MONTHS) - dt.timedelta(days=1)
    )
    return {
        "unpublished": _org("Dolda Snickeriet", services=["snickeri"], published=False),
        "stale": stale,
    }


# --- A small checker for the JSON Schema subset the OpenAPI document uses --------------------------------
_TYPES = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
    "null": type(None),
}


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def conforms(instance, schema: dict, where: str = "$") -> list[str]:
    """Problems of `instance` against `schema`: required keys, types, const, enum, pattern, nested."""
    schema = _resolve(schema)
    problems: list[str] = []
    for part in schema.get("allOf", []):
        problems += conforms(instance, part, where)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(
            isinstance(instance, _TYPES[t]) and not (t in ("integer", "number") and isinstance(instance, bool))
            for t in types
        )
        if not ok:
            return [*problems, f"{where}: {instance!r} is not {types}"]
    if "const" in schema and instance != schema["const"]:
        problems.append(f"{where}: {instance!r} != {schema['const']!r}")
    if "enum" in schema and instance not in schema["enum"]:
        problems.append(f"{where}: {instance!r} not in {schema['enum']}")
    if "pattern" in schema and isinstance(instance, str) and not re.search(schema["pattern"], instance):
        problems.append(f"{where}: {instance!r} does not match {schema['pattern']}")
    if isinstance(instance, dict):
        for key in schema.get("required", []):
            if key not in instance:
                problems.append(f"{where}: missing {key}")
        for key, sub in schema.get("properties", {}).items():
            if key in instance:
                problems += conforms(instance[key], sub, f"{where}.{key}")
    if isinstance(instance, list) and "items" in schema:
        for index, item in enumerate(instance):
            problems += conforms(item, schema["items"], f"{where}[{index}]")
    return problems


def _response_schema(path: str, status: str = "200") -> dict:
    operation = document()["paths"][path]["get"]
    return operation["responses"][status]["content"]["application/json"]["schema"]


# --- Shape ----------------------------------------------------------------------------------------------
def test_organisation_list_is_an_hsds_page_of_organizations(client, full_org):
    response = client.get(LIST)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    page = response.json()
    assert conforms(page, _response_schema("/organizations")) == []
    [org] = [o for o in page["contents"] if o["id"] == str(full_org.code)]
    assert org["name"] == "Returen Återbruk"
    assert org["alternate_name"] == "Returen Ekonomisk Förening"
    assert org["description"] == "Vi tar emot möbler och ger arbetsträning."
    assert org["legal_status"] == "Ekonomisk förening, bostadsrättsförening eller samfällighet"
    assert org["year_incorporated"] is None


def test_organisation_carries_its_orgnr_as_an_se_on_identifier(client, full_org):
    org = client.get(detail_url(full_org)).json()
    [identifier] = org["organization_identifiers"]
    assert identifier["identifier_scheme"] == "SE-ON"
    assert identifier["identifier_type"] == "organisationsnummer"
    assert identifier["identifier"] == ORGNR_DISPLAY
    assert identifier["organization_id"] == str(full_org.code)


def test_detail_has_services_locations_service_areas_and_the_extension_block(client, full_org):
    response = client.get(detail_url(full_org))
    org = response.json()
    assert conforms(org, _response_schema("/organizations/{organization_id}")) == []
    assert [s["name"] for s in org["services"]] == ["Återbruk och second hand", "Snickeri"]
    service = org["services"][0]
    assert service["status"] == "active"
    assert service["attributes"][0]["taxonomy_term"]["code"] == "aterbruk"
    assert {a["x_kommunkod"] for a in service["service_areas"]} == {"2580", "2582"}
    [location] = org["locations"]
    assert (location["latitude"], location["longitude"]) == (65.584819, 22.156702)
    [address] = location["addresses"]
    assert address["address_1"] == "Storgatan 1"
    assert (address["city"], address["postal_code"], address["country"]) == ("Luleå", "972 41", "SE")
    assert (address["region"], address["state_province"]) == ("Norrbotten", "Norrbottens län")
    assert location["accessibility"][0]["description"] == "Entré utan trappsteg."
    assert org["phones"][0]["number"] == "0920-45 30 00"
    extension = org["x_asfnet"]
    assert extension["kind"] == "asf"
    assert extension["kommunkod"] == "2580"
    assert extension["municipality"] == "Luleå"
    assert extension["takes_placements"] is True
    assert extension["placement_capacity"] == 4
    # Only valid certifications.
    assert extension["certifications"] == [{"kind": "skoopi", "name": None, "valid_until": "2099-01-01"}]
    assert extension["verified_at"] and extension["confirmed_at"]


def test_ids_of_nested_objects_are_stable_between_requests(client, full_org):
    first = client.get(detail_url(full_org)).json()
    second = client.get(detail_url(full_org)).json()
    assert first["services"][0]["id"] == second["services"][0]["id"]
    assert first["locations"][0]["id"] == second["locations"][0]["id"]
    uuid.UUID(first["services"][0]["id"])  # a UUID, as HSDS asks


def test_organisation_without_address_has_no_location(client, db):
    org = _org("Utan Adress")
    assert client.get(detail_url(org)).json()["locations"] == []


def test_responses_are_open_json_cacheable_for_five_minutes(client, full_org):
    for url in (LIST, detail_url(full_org), reverse("api:service_taxonomy"), reverse("api:openapi")):
        response = client.get(url)
        assert response["Content-Type"] == "application/json", url
        assert response["Access-Control-Allow-Origin"] == "*", url
        assert response["Cache-Control"] == "public, max-age=300", url
        assert response["Cross-Origin-Resource-Policy"] == "cross-origin", url


def test_logged_in_responses_are_not_kept_by_shared_caches(client, world):
    client.force_login(world.staff_a)
    response = client.get(LIST)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=300"


def test_api_is_read_only(client, full_org):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(LIST)
        assert response.status_code == 405, method
        assert response.json()["error"] == "method_not_allowed"
        assert "GET" in response["Allow"]
    assert Organisation.objects.filter(pk=full_org.pk).exists()


def test_cors_preflight_is_answered(client, db):
    response = client.options(LIST, HTTP_ORIGIN="https://other.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]


def test_index_links_to_every_endpoint(client, db):
    response = client.get(reverse("api:index"))
    body = response.json()
    assert conforms(body, _response_schema("/")) == []
    for name in ("organization_list", "service_taxonomy", "datapackage", "openapi"):
        assert body["links"][name.replace("organization_list", "organizations")].endswith(reverse(f"api:{name}"))


# --- Pagination -----------------------------------------------------------------------------------------
@pytest.fixture
def thirty(db) -> list[Organisation]:
    return [_org(f"Bolag {i:02d}") for i in range(30)]


def test_default_page_has_25_organisations(client, thirty):
    page = client.get(LIST).json()
    assert (page["total_items"], page["total_pages"], page["size"]) == (30, 2, 25)
    assert page["first_page"] is True and page["last_page"] is False and page["empty"] is False


def test_pages_follow_each_other_without_overlap(client, thirty):
    seen = []
    for number in (1, 2, 3):
        page = client.get(LIST, {"per_page": 10, "page": number}).json()
        assert page["page_number"] == number
        assert page["size"] == 10
        seen += [o["name"] for o in page["contents"]]
    assert seen == [f"Bolag {i:02d}" for i in range(30)]
    assert page["last_page"] is True


def test_page_past_the_last_is_empty(client, thirty):
    page = client.get(LIST, {"page": 99}).json()
    assert page["contents"] == [] and page["empty"] is True and page["size"] == 0
    assert page["total_items"] == 30


def test_per_page_is_capped_at_100(client, db):
    for i in range(101):
        OrganisationFactory(name=f"Massor {i:03d}")
    page = client.get(LIST, {"per_page": 100_000}).json()
    assert page["size"] == 100 and page["per_page"] == 100 and page["total_pages"] == 2


def test_empty_directory_is_one_empty_page(client, db):
    page = client.get(LIST).json()
    assert page == {
        "total_items": 0,
        "total_pages": 1,
        "page_number": 1,
        "size": 0,
        "first_page": True,
        "last_page": True,
        "empty": True,
        "per_page": 25,
        "contents": [],
    }


# --- Filters (the search page's parameters) -------------------------------------------------------------
@pytest.fixture
def catalogue(db) -> dict[str, Organisation]:
    cafe = _org("Café Kvarnen", services=["cafe-restaurang"], kommunkod="2581", takes_placements=True)
    Certification.objects.create(
        status="approved", organisation=cafe, kind=CertificationKind.SKOOPI, valid_until=dt.date(2099, 1, 1)
    )
    return {
        "cafe": cafe,
        "tradgard": _org("Trädgårdarna i Boden", services=["tradgard-skog"], kommunkod="2582"),
        "bygg": _org("Norrbygg AB", kind=OrganisationKind.BUSINESS, kommunkod="2580"),
    }


def _names(client, params) -> list[str]:
    response = client.get(LIST, params)
    assert response.status_code == 200, response.content
    return [o["name"] for o in response.json()["contents"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Café Kvarnen", "Norrbygg AB", "Trädgårdarna i Boden"]),
        ({"q": "trädgård"}, ["Trädgårdarna i Boden"]),
        ({"kind": "business"}, ["Norrbygg AB"]),
        ({"kind": ["business", "asf"]}, ["Café Kvarnen", "Norrbygg AB", "Trädgårdarna i Boden"]),
        ({"municipality": "2582"}, ["Trädgårdarna i Boden"]),
        ({"municipality": ["2581", "2582"]}, ["Café Kvarnen", "Trädgårdarna i Boden"]),
        ({"service": "cafe-restaurang"}, ["Café Kvarnen"]),
        ({"placements": "1"}, ["Café Kvarnen"]),
        ({"certified": "true"}, ["Café Kvarnen"]),
        ({"kind": "asf", "municipality": "2582"}, ["Trädgårdarna i Boden"]),
        ({"kind": "no-such-kind"}, ["Café Kvarnen", "Norrbygg AB", "Trädgårdarna i Boden"]),  # ignored
    ],
)
def test_filters_work_as_on_the_search_page(client, catalogue, params, expected):
    assert _names(client, params) == expected


def test_a_kommunalforbund_has_its_own_kind_in_the_api_its_schema_and_the_data_package(client, db):
    """A local government association (kommunalförbund, e.g. a samordningsförbund) is a kind of its own."""
    _org(
        "Samordningsförbundet Södra Norrbotten", kind=OrganisationKind.LOCAL_GOVERNMENT_ASSOCIATION, orgnr="2220002204"
    )
    _org("Norrbygg AB", kind=OrganisationKind.BUSINESS)
    assert _names(client, {"kind": "local_government_association"}) == ["Samordningsförbundet Södra Norrbotten"]
    [forbund] = client.get(LIST, {"kind": "local_government_association"}).json()["contents"]
    assert forbund["x_asfnet"]["kind"] == "local_government_association"
    assert forbund["legal_status"] == "Stat, region, kommun eller församling"
    assert conforms(forbund, SCHEMAS["Organization"]) == []
    openapi = client.get(reverse("api:openapi")).json()
    assert "local_government_association" in json.dumps(openapi["paths"]["/organizations"])  # the kind filter
    assert "local_government_association" in json.dumps(openapi["components"]["schemas"])  # x_asfnet.kind
    archive = _package(client)
    descriptor = json.loads(archive.read("datapackage.json"))
    organizations = next(r for r in descriptor["resources"] if r["name"] == "organizations")
    kind_field = next(f for f in organizations["schema"]["fields"] if f["name"] == "kind")
    assert kind_field["constraints"]["enum"] == list(OrganisationKind.values)
    assert "local_government_association" in kind_field["constraints"]["enum"]


def test_sort_by_recently_confirmed(client, catalogue):
    Organisation.objects.filter(pk=catalogue["bygg"].pk).update(confirmed_at=timezone.now() + dt.timedelta(minutes=1))
    assert _names(client, {"sort": "updated"})[0] == "Norrbygg AB"


def test_service_filter_takes_the_taxonomy_terms_code(client, catalogue):
    terms = client.get(reverse("api:service_taxonomy")).json()["contents"]
    code = next(t["code"] for t in terms if t["name"] == "Café och restaurang")
    assert _names(client, {"service": code}) == ["Café Kvarnen"]


def test_service_taxonomy_lists_every_category_as_taxonomy_terms(client, db):
    body = client.get(reverse("api:service_taxonomy")).json()
    assert conforms(body, _response_schema("/taxonomies/services")) == []
    assert body["total_items"] == ServiceCategory.objects.count() == len(body["contents"])
    term = next(t for t in body["contents"] if t["code"] == "catering")
    assert (term["name"], term["x_name_en"], term["language"]) == ("Catering", "Catering", "sv")


# --- Only listed organisations, only public fields --------------------------------------------------------
@pytest.mark.security("C13")
@pytest.mark.adversarial("C")
def test_unpublished_and_stale_organisations_are_absent(client, full_org, unlisted):
    names = [o["name"] for o in client.get(LIST, {"per_page": 100}).json()["contents"]]
    assert names == ["Returen Återbruk"]
    for org in unlisted.values():
        response = client.get(detail_url(org))
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
    # Not by searching for them either.
    for query in ("Dolda", "Gamla"):
        assert client.get(LIST, {"q": query}).json()["total_items"] == 0, query
    assert client.get(LIST, {"service": "snickeri"}).json()["contents"][0]["name"] == "Returen Återbruk"


@pytest.mark.security("C13")
@pytest.mark.adversarial("C")
def test_logging_in_does_not_widen_the_open_data(client, world):
    """A coordinator and a member of the unpublished organisation get the same public data."""
    for user in (world.coordinator, world.staff_b):
        client.force_login(user)
        ids = {o["id"] for o in client.get(LIST, {"per_page": 100}).json()["contents"]}
        assert str(world.hidden_org.code) not in ids
        assert client.get(detail_url(world.hidden_org)).status_code == 404


@pytest.mark.security("C13")
@pytest.mark.adversarial("C")
def test_no_private_field_appears_in_any_response(client, full_org):
    full_org.confirmed_by = full_org.memberships.first().user
    full_org.verified_by = full_org.memberships.last().user
    full_org.save()
    member_emails = list(full_org.memberships.values_list("user__email", flat=True))
    assert len(member_emails) == 2
    bodies = [
        client.get(LIST).content.decode(),
        client.get(detail_url(full_org)).content.decode(),
    ]
    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("api:datapackage")).content))
    bodies += [archive.read(name).decode() for name in archive.namelist()]
    for body in bodies:
        for email in member_emails:
            assert email not in body
        for key in ("memberships", "confirmed_by", "verified_by", "search_text", "search_vector", "changes"):
            assert f'"{key}"' not in body
            assert f",{key}," not in body
    detail = json.loads(bodies[1])
    assert detail["email"] == "info@returen.example.se"  # the organisation's own contact address is public


@pytest.mark.adversarial("C")
@pytest.mark.parametrize("code", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "1", "x" * 300])
def test_unknown_organisation_is_a_json_404(client, db, code):
    response = client.get(detail_url(code))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "not_found"


# --- Hostile parameters -------------------------------------------------------------------------------------
@pytest.mark.security("E24", "E26")
@pytest.mark.adversarial("E")
@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"page": "abc"}, 400),
        ({"page": "0"}, 400),
        ({"page": "-1"}, 400),
        ({"page": "1.5"}, 400),
        ({"page": "9" * 5000}, 400),
        ({"page": "99999999"}, 200),
        ({"per_page": "0"}, 400),
        ({"per_page": "ten"}, 400),
        ({"per_page": "100000"}, 200),
        ({"q": "x" * 201}, 400),
        ({"q": "'; DROP TABLE directory_organisation; --"}, 200),
        ({"q": "a & b | !c:* <-> (d"}, 200),
        ({"q": "\x00"}, 400),
        ({"sort": "needs"}, 200),
        ({"ordering": "-email"}, 200),
        ({"kind": "nonsense", "municipality": "'; --", "service": "nope"}, 200),
        ({"placements": "maybe", "certified": "[]"}, 200),
    ],
)
def test_bad_parameters_never_500(client, catalogue, params, status):
    response = client.get(LIST, params)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    if status == 400:
        body = response.json()
        assert body["error"] == "bad_request"
        assert conforms(body, SCHEMAS["Error"]) == []
        assert set(body["errors"]) <= set(params)


@pytest.mark.security("E24")
@pytest.mark.adversarial("E")
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from(
            ["q", "kind", "municipality", "service", "placements", "certified", "sort", "page", "per_page"]
        ),
        st.text(max_size=60),
        max_size=5,
    )
)
def test_random_parameters_answer_200_or_400(client, catalogue, params):
    response = client.get(LIST, params)
    assert response.status_code in (200, 400), (params, response.status_code)


def test_error_messages_follow_the_users_language(client, db):
    english = client.get(LIST, {"page": "abc"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["errors"]["page"] == ["“page” must be a whole number of 1 or more."]


# --- Query budget ------------------------------------------------------------------------------------------
def _many(start: int, count: int) -> None:
    for i in range(start, start + count):
        org = _org(f"Budget {i:03d}", services=["catering", "stad"], served=["2580", "2581"], street_address="Väg 1")
        Certification.objects.create(
            status="approved", organisation=org, kind=CertificationKind.SKOOPI, valid_until=dt.date(2099, 1, 1)
        )


def test_list_uses_the_same_number_of_queries_for_5_and_40_organisations(client, db, django_assert_max_num_queries):
    _many(0, 5)
    with django_assert_max_num_queries(8) as few:
        assert client.get(LIST, {"per_page": 100, "q": "budget"}).json()["size"] == 5
    _many(5, 35)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(LIST, {"per_page": 100, "q": "budget"}).json()["size"] == 40


def test_datapackage_uses_the_same_number_of_queries_for_5_and_40_organisations(
    client, db, django_assert_max_num_queries
):
    _many(0, 5)
    with django_assert_max_num_queries(8) as few:
        assert client.get(reverse("api:datapackage")).status_code == 200
    _many(5, 35)
    cache.clear()  # the package is cached for five minutes
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("api:datapackage"))
    assert len(zipfile.ZipFile(io.BytesIO(response.content)).read("organizations.csv").splitlines()) == 41


def test_datapackage_is_built_once_per_five_minutes(client, db, django_assert_num_queries):
    _many(0, 2)
    first = client.get(reverse("api:datapackage")).content
    with django_assert_num_queries(0):
        assert client.get(reverse("api:datapackage")).content == first


def test_datapackage_is_served_while_the_cache_is_down(client, db, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    _many(0, 1)
    response = client.get(reverse("api:datapackage"))
    assert response.status_code == 200
    assert "Budget 000" in zipfile.ZipFile(io.BytesIO(response.content)).read("organizations.csv").decode()


def test_derived_ids_are_rfc_4122_version_5_uuids():
    from directory.api.opendata import NAMESPACE, derived_id

    assert derived_id("a", 1, "b") == str(uuid.uuid5(NAMESPACE, "a:1:b"))


# --- The OpenAPI document -----------------------------------------------------------------------------------
def _api_paths() -> set[str]:
    paths = set()
    for pattern in api_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        paths.add("/" + route)
    return paths


def test_openapi_document_lists_exactly_the_paths_of_the_api(client, db):
    response = client.get(reverse("api:openapi"))
    doc = json.loads(response.content)
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == _api_paths()
    assert len(_api_paths()) == 6
    assert doc["servers"][0]["url"].endswith("/api/v1")


def test_openapi_document_references_resolve_and_path_parameters_are_declared(db):
    doc = document()
    text = json.dumps(doc)
    for ref in re.findall(r'"\$ref": "#/components/schemas/(\w+)"', text):
        assert ref in doc["components"]["schemas"]
    for path, item in doc["paths"].items():
        declared = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{(\w+)}", path)), path
        assert set(item) <= {"get", "parameters"}, path


def test_openapi_documents_every_filter_the_list_accepts(db):
    from directory.filters import OrganisationFilter

    parameters = {p["name"] for p in document()["paths"]["/organizations"]["get"]["parameters"]}
    filters = set(OrganisationFilter.base_filters)
    assert filters | {"sort", "page", "per_page"} == parameters


# --- The data package ---------------------------------------------------------------------------------------
_CSV_CHECKS = {
    "number": lambda v: float(v),
    "integer": lambda v: int(v),
    "boolean": lambda v: {"true": True, "false": False}[v],
    "datetime": lambda v: dt.datetime.fromisoformat(v),
    "string": lambda v: v,
}


def _package(client) -> zipfile.ZipFile:
    response = client.get(reverse("api:datapackage"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="asfnet-organisations-')
    assert response["Access-Control-Allow-Origin"] == "*"
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_datapackage_resources_match_its_files_and_rows_parse(client, full_org, catalogue, unlisted):
    archive = _package(client)
    descriptor = json.loads(archive.read("datapackage.json"))
    assert re.fullmatch(r"[a-z0-9._-]+", descriptor["name"])
    assert descriptor["licenses"] and descriptor["resources"]
    paths = {r["path"] for r in descriptor["resources"]}
    assert paths == set(archive.namelist()) - {"datapackage.json"}
    assert {"organizations.csv", "services.csv", "organization_services.csv", "organizations.json"} <= paths

    tables: dict[str, list[dict]] = {}
    for resource in descriptor["resources"]:
        if resource["format"] != "csv":
            continue
        text = archive.read(resource["path"]).decode(resource["encoding"])
        reader = csv.DictReader(io.StringIO(text))
        fields = resource["schema"]["fields"]
        assert reader.fieldnames == [f["name"] for f in fields], resource["path"]
        rows = list(reader)
        for row in rows:
            for field in fields:
                value = row[field["name"]]
                if not value:
                    assert not field.get("constraints", {}).get("required"), (resource["path"], field["name"])
                    continue
                _CSV_CHECKS[field["type"]](value)
                if field.get("format") == "uuid":
                    uuid.UUID(value)
                pattern = field.get("constraints", {}).get("pattern")
                if pattern:
                    assert re.fullmatch(pattern, value), (field["name"], value)
        for key in resource["schema"].get("primaryKey", []):
            assert len({r[key] for r in rows}) == len(rows) or len(resource["schema"]["primaryKey"]) > 1
        tables[resource["name"]] = rows

    # Foreign keys resolve.
    link_resource = next(r for r in descriptor["resources"] if r["name"] == "organization_services")
    for foreign in link_resource["schema"]["foreignKeys"]:
        [column] = foreign["fields"]
        [target] = foreign["reference"]["fields"]
        targets = {row[target] for row in tables[foreign["reference"]["resource"]]}
        assert {row[column] for row in tables["organization_services"]} <= targets

    names = sorted(row["name"] for row in tables["organizations"])
    assert names == ["Café Kvarnen", "Norrbygg AB", "Returen Återbruk", "Trädgårdarna i Boden"]
    returen = next(row for row in tables["organizations"] if row["name"] == "Returen Återbruk")
    assert returen["orgnr"] == ORGNR_DISPLAY
    assert returen["municipalities_served"] == "2580;2582"
    assert returen["certifications"] == "skoopi:2099-01-01"
    assert {
        row["service"] for row in tables["organization_services"] if row["organization_id"] == str(full_org.code)
    } == {
        "aterbruk",
        "snickeri",
    }

    hsds = json.loads(archive.read("organizations.json"))
    assert len(hsds) == 4
    for org in hsds:
        assert conforms(org, SCHEMAS["Organization"]) == []


@pytest.mark.security("E28")
@pytest.mark.adversarial("E")
def test_datapackage_csv_cells_cannot_run_as_formulas(client, db):
    _org('=HYPERLINK("http://evil.example")', description_sv="+SUM(1)", city="@cmd")
    archive = _package(client)
    [row] = list(csv.DictReader(io.StringIO(archive.read("organizations.csv").decode())))
    assert row["name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["description_sv"] == "'+SUM(1)"
    assert row["city"] == "'@cmd"
    # The JSON copy keeps the value as it is.
    assert json.loads(archive.read("organizations.json"))[0]["name"] == '=HYPERLINK("http://evil.example")'


def test_empty_directory_gives_a_valid_empty_package(client, db):
    archive = _package(client)
    rows = list(csv.DictReader(io.StringIO(archive.read("organizations.csv").decode())))
    assert rows == []
    assert json.loads(archive.read("organizations.json")) == []
    assert json.loads(archive.read("datapackage.json"))["x_organisation_count"] == 0


# --- Nothing of one förbund in the national open data --------------------------------------------------------
COUNTY_REGIONS = {
    "Blekinge län": "Blekinge",
    "Dalarnas län": "Dalarna",
    "Gotlands län": "Gotland",
    "Gävleborgs län": "Gävleborg",
    "Hallands län": "Halland",
    "Jämtlands län": "Jämtland",
    "Jönköpings län": "Jönköping",
    "Kalmar län": "Kalmar",
    "Kronobergs län": "Kronoberg",
    "Norrbottens län": "Norrbotten",
    "Skåne län": "Skåne",
    "Stockholms län": "Stockholm",
    "Södermanlands län": "Södermanland",
    "Uppsala län": "Uppsala",
    "Värmlands län": "Värmland",
    "Västerbottens län": "Västerbotten",
    "Västernorrlands län": "Västernorrland",
    "Västmanlands län": "Västmanland",
    "Västra Götalands län": "Västra Götaland",
    "Örebro län": "Örebro",
    "Östergötlands län": "Östergötland",
}


def test_every_countys_region_is_its_name_without_genitive_and_lan(db):
    from directory.api.opendata import region_of
    from directory.models import Municipality

    counties = set(Municipality.objects.values_list("county_name", flat=True))
    assert counties == set(COUNTY_REGIONS)
    assert {county: region_of(county) for county in counties} == COUNTY_REGIONS


def test_an_address_in_jamtland_is_in_jamtlands_lan(client, db):
    org = OrganisationFactory(
        name="Östersunds Återbruk",
        kommunkod="2380",
        street_address="Storgatan 2",
        postal_code="831 30",
        city="Östersund",
    )
    [location] = client.get(detail_url(org)).json()["locations"]
    [address] = location["addresses"]
    assert (address["city"], address["region"], address["state_province"]) == ("Östersund", "Jämtland", "Jämtlands län")


def test_the_publisher_is_the_only_forbund_or_with_several_the_operator(client, db, settings):
    from directory.factories import ForbundFactory

    settings.OPERATOR_NAME = "Plattformen för ASF"
    ForbundFactory()
    alone = client.get(reverse("api:index")).json()["publisher"]
    ForbundFactory(second=True)
    several = client.get(reverse("api:index")).json()["publisher"]

    assert alone == {"name": "Samordningsförbundet Södra Norrbotten", "identifier": "SE-ON-222000-2204"}
    assert several == {"name": "Plattformen för ASF"}
