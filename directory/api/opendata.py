"""Open data: the directory's listed organisations as JSON shaped after Open Referral HSDS 3.0 (the API,
directory/api/views.py; the same objects go into the data package, directory/api/datapackage.py).

What goes out: only *listed* organisations (published and confirmed by their members within
DIRECTORY_HIDE_AFTER_MONTHS, `Organisation.objects.listed()`), and only the public profile fields. Never
memberships, users, e-mail addresses of people, the change history, who confirmed or verified, or the
search internals. Every function here starts from `listed()`.

HSDS choices (schema: github.com/openreferral/specification, 3.0):
* organization.id is the organisation's public UUID `code`; the ids of nested objects (identifier, phone,
  location, address, service, service area, attribute, taxonomy term) are UUIDv5 derived from it, so they
  are stable between requests without being stored;
* the orgnr is an organization_identifier with the org-id.guide scheme `SE-ON`, written NNNNNN-NNNN;
* each service category an organisation offers is an HSDS service; the municipalities it serves are the
  service's service_areas (HSDS puts service areas on services) and, for organisations with no service,
  also in `x_asfnet.municipalities_served`;
* a location's postal address is in `addresses` (HSDS 3.0 name; a list);
* fields HSDS does not have are in one extension object, `x_asfnet`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from directory.filters import OrganisationFilter, load_choices, search_ordered, search_sort
from directory.forbund.registry import registry
from directory.models import Certification, Municipality, Organisation, ServiceCategory, months_ago
from directory.search import swedish_name_order

HSDS_VERSION = "3.0"
# Stable namespace for the derived UUIDs (uuid5(NAMESPACE_URL, "urn:asfnet:open-data")). Never change it:
# every derived id in published data would change with it.
NAMESPACE = uuid.UUID("b7f6faaa-fce4-5d5f-b494-d13c0bbb78bc")
_NAMESPACE_BYTES = NAMESPACE.bytes
ORGNR_SCHEME = "SE-ON"  # org-id.guide: Business Registration Number (Organisationsnummer), Sweden
ORGNR_TYPE = "organisationsnummer"
COUNTRY = "SE"
TAXONOMY_NAME = "asfnet-services"
DEFAULT_PER_PAGE = 25
CACHE_SECONDS = 300  # how long clients may cache a response (Cache-Control max-age)
MAX_PER_PAGE = 100
LICENSE = {
    "name": "CC0-1.0",
    "title": "Creative Commons Zero v1.0 Universal",
    "path": "https://creativecommons.org/publicdomain/zero/1.0/",
}

# The first digit of an organisationsnummer is its group number, which indicates the legal form
# (Skatteverket; Bolagsverket notes it is indicative, not certain).
LEGAL_FORM_GROUPS = {
    "1": "Dödsbo",
    "2": "Stat, region, kommun eller församling",
    "3": "Utländskt företag",
    "5": "Aktiebolag",
    "6": "Enkelt bolag",
    "7": "Ekonomisk förening, bostadsrättsförening eller samfällighet",
    "8": "Ideell förening eller stiftelse",
    "9": "Handelsbolag eller kommanditbolag",
}

# Everything an organisation's JSON needs, read in one query per relation whatever the number of rows.
PREFETCHES = (
    Prefetch("services", queryset=ServiceCategory.objects.order_by("position", "name_sv")),
    Prefetch("municipalities_served", queryset=Municipality.objects.order_by("code")),
    Prefetch(
        "certifications",
        queryset=Certification.objects.valid().order_by("kind", "valid_until"),
        to_attr="valid_certifications",
    ),
)


class BadParameter(ValueError):
    """A query parameter the API cannot use; the view answers 400 with these messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def derived_id(*parts: object) -> str:
    """str(uuid.uuid5(NAMESPACE, "part:part:…")), without building UUID objects (a data package of 10,000
    organisations derives some 150,000 ids)."""
    name = ":".join(map(str, parts)).encode()
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name, usedforsecurity=False).digest()[:16])  # RFC 4122 §4.3
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def legal_status(orgnr: str) -> str | None:
    return LEGAL_FORM_GROUPS.get((orgnr or "")[:1])


def iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _number(value: Any) -> float | None:
    return float(value) if value is not None else None


# --- Taxonomy ------------------------------------------------------------------------------------------
TAXONOMY_ID = derived_id("taxonomy", TAXONOMY_NAME)


def term_id(slug: str) -> str:
    return derived_id("taxonomy_term", slug)


def taxonomy_detail() -> dict[str, Any]:
    return {
        "id": TAXONOMY_ID,
        "name": TAXONOMY_NAME,
        "description": "asfnet:s tjänstekategorier för arbetsintegrerande sociala företag (ASF).",
        "uri": site_url(reverse("api:service_taxonomy")),
        "version": "1",
    }


def service_taxonomy() -> dict[str, Any]:
    """Every category, in use or retired (a retired one may still be attached to an organisation)."""
    serialiser = Serialiser()
    terms = [serialiser.term(c) for c in ServiceCategory.objects.order_by("position", "name_sv")]
    return {
        **page_envelope(total=len(terms), page_number=1, per_page=max(len(terms), 1), contents=terms),
        "taxonomy": taxonomy_detail(),
    }


# --- Organisations -------------------------------------------------------------------------------------
class Serialiser:
    """Turns listed organisations (with PREFETCHES) into HSDS objects. What every object shares — URL
    prefixes, taxonomy terms, the freshness threshold — is computed once, so serialising 10,000
    organisations costs no reverse() or date arithmetic per row."""

    def __init__(self) -> None:
        probe = uuid.UUID(int=0)
        self._profile_url = site_url(reverse("directory:detail", kwargs={"code": probe})).replace(str(probe), "{}")
        self._search_url = site_url(reverse("directory:index"))
        self._needs_update_before = months_ago(settings.DIRECTORY_NEEDS_UPDATE_MONTHS)
        self._terms: dict[str, dict[str, Any]] = {}

    def profile_url(self, org: Organisation) -> str:
        return self._profile_url.format(org.code)

    def term(self, category: ServiceCategory) -> dict[str, Any]:
        if category.slug not in self._terms:
            self._terms[category.slug] = {
                "id": term_id(category.slug),
                "code": category.slug,
                "name": category.name_sv,
                "description": "",
                "parent_id": None,
                "taxonomy": TAXONOMY_NAME,
                "taxonomy_id": TAXONOMY_ID,
                "language": "sv",
                "x_name_en": category.name_en,
                "x_active": category.active,
                "x_search_url": f"{self._search_url}?service={category.slug}",
            }
        return self._terms[category.slug]

    def _service(self, org_id: str, category: ServiceCategory, served: list[Municipality]) -> dict[str, Any]:
        service_id = derived_id(org_id, "service", category.slug)
        return {
            "id": service_id,
            "organization_id": org_id,
            "name": category.name_sv,
            "description": "",
            "status": "active",
            "attributes": [
                {
                    "id": derived_id(service_id, "attribute"),
                    "link_id": service_id,
                    "link_type": "service_category",
                    "link_entity": "service",
                    "taxonomy_term_id": term_id(category.slug),
                    "value": None,
                    "taxonomy_term": self.term(category),
                }
            ],
            "service_areas": [
                {
                    "id": derived_id(service_id, "service_area", municipality.code),
                    "service_id": service_id,
                    "name": municipality.name,
                    "description": "",
                    "x_kommunkod": municipality.code,
                }
                for municipality in served
            ],
            "x_category": category.slug,
        }

    @staticmethod
    def _locations(org: Organisation, org_id: str, municipality_name: str | None) -> list[dict[str, Any]]:
        has_address = bool(org.street_address or org.city or org.postal_code)
        if not (has_address or org.has_coordinates):
            return []
        location_id = derived_id(org_id, "location")
        location: dict[str, Any] = {
            "id": location_id,
            "location_type": "physical",
            "organization_id": org_id,
            "name": org.name,
            "latitude": _number(org.latitude),
            "longitude": _number(org.longitude),
            "addresses": [],
            "accessibility": [],
        }
        if has_address:
            location["addresses"].append(
                {
                    "id": derived_id(location_id, "address"),
                    "location_id": location_id,
                    "address_1": org.street_address,
                    "city": org.city or municipality_name or "",
                    "region": region_of(org.kommunkod.county_name) if org.kommunkod_id else "",
                    "state_province": org.kommunkod.county_name if org.kommunkod_id else "",
                    "postal_code": org.postal_code,
                    "country": COUNTRY,
                    "address_type": "physical",
                }
            )
        if org.premises_accessibility:
            location["accessibility"].append(
                {
                    "id": derived_id(location_id, "accessibility"),
                    "location_id": location_id,
                    "description": org.premises_accessibility,
                }
            )
        return [location]

    def organisation(self, org: Organisation) -> dict[str, Any]:
        """One listed organisation as an HSDS 3.0 organization."""
        org_id = str(org.code)
        served = list(org.municipalities_served.all())
        municipality_name = municipality_of(org)
        return {
            "id": org_id,
            "name": org.name,
            "alternate_name": org.legal_name or None,
            "description": org.description_sv,
            "email": org.email or None,
            "website": org.website or None,
            "year_incorporated": None,
            "legal_status": legal_status(org.orgnr),
            "organization_identifiers": [
                {
                    "id": derived_id(org_id, "identifier", ORGNR_SCHEME),
                    "organization_id": org_id,
                    "identifier_scheme": ORGNR_SCHEME,
                    "identifier_type": ORGNR_TYPE,
                    "identifier": org.orgnr_display,
                }
            ],
            "phones": (
                [{"id": derived_id(org_id, "phone"), "organization_id": org_id, "number": org.phone, "type": "voice"}]
                if org.phone
                else []
            ),
            "services": [self._service(org_id, category, served) for category in org.services.all()],
            "locations": self._locations(org, org_id, municipality_name),
            "x_asfnet": {
                "kind": org.kind,
                "kommunkod": org.kommunkod_id,
                "municipality": municipality_name,
                "municipalities_served": [{"kommunkod": m.code, "name": m.name} for m in served],
                "description_en": org.description_en,
                "summary_easy_sv": org.summary_easy_sv,
                "takes_placements": org.takes_placements,
                "placement_capacity": org.placement_capacity,
                "support_offered": list(org.support_offered or []),
                "employees": org.employees,
                "sni_codes": list(org.sni_codes or []),
                "sni_version": org.sni_version,
                "certifications": [
                    {"kind": c.kind, "name": c.name or None, "valid_until": iso(c.valid_until)}
                    for c in org.valid_certifications  # type: ignore[attr-defined]
                ],
                "verified_at": iso(org.verified_at),
                # A verification holds VERIFICATION_VALID_MONTHS: null when never verified or expired.
                "verified_until": iso(org.verification_expires_at) if org.is_verified else None,
                "confirmed_at": iso(org.confirmed_at),
                # Listed organisations are never "hidden"; they may need an update.
                "freshness": "needs_update" if org.confirmed_at < self._needs_update_before else "fresh",
                "profile_url": self.profile_url(org),
            },
        }


def page_envelope(*, total: int, page_number: int, per_page: int, contents: list) -> dict[str, Any]:
    """The HSDS 3.0 paginated response (components/schemas/Page of the HSDS OpenAPI document)."""
    total_pages = max((total + per_page - 1) // per_page, 1)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(contents),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def _positive_int(params: QueryDict, name: str, default: int) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    # ASCII digits only (int() would also take "1_000", " 5" or other scripts' digits), and few enough
    # that the offset stays a sane number.
    value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else 0
    if value < 1:
        raise BadParameter({name: [_("“%(name)s” must be a whole number of 1 or more.") % {"name": name}]})
    return value


@dataclass
class ListQuery:
    organisations: QuerySet[Organisation]
    serialiser: Serialiser
    page_number: int
    per_page: int


def organisation_query(*, params: QueryDict) -> ListQuery:
    """The listed organisations matching the search page's parameters (`q, kind, municipality, service,
    placements, certified, sort`), and the page asked for. Raises BadParameter for what cannot be used.
    Unknown facet values are dropped (as on the search page), so a stale link still answers."""
    page_number = _positive_int(params, "page", 1)
    per_page = min(_positive_int(params, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    choices = load_choices()
    filterset = OrganisationFilter(params, queryset=Organisation.objects.listed(), choices=choices)
    if not filterset.is_valid():
        raise BadParameter({name: [str(m) for m in messages] for name, messages in filterset.errors.items()})
    sort = search_sort(params.get("sort", ""), filterset.form.cleaned_data.get("q") or "")
    return ListQuery(
        organisations=search_ordered(filterset.qs, sort).select_related("kommunkod"),
        serialiser=Serialiser(),
        page_number=page_number,
        per_page=per_page,
    )


def organisation_page(*, params: QueryDict) -> dict[str, Any]:
    """One page of listed organisations as HSDS organizations in the HSDS page envelope. A constant
    number of queries whatever the page size: choices (2), count, rows, and one per prefetched relation."""
    query = organisation_query(params=params)
    total = query.organisations.count()
    total_pages = max((total + query.per_page - 1) // query.per_page, 1)
    rows: list[Organisation] = []
    if query.page_number <= total_pages and total:
        start = (query.page_number - 1) * query.per_page
        rows = list(query.organisations[start : start + query.per_page])
        prefetch_related_objects(rows, *PREFETCHES)
    contents = [query.serialiser.organisation(org) for org in rows]
    envelope = page_envelope(total=total, page_number=query.page_number, per_page=query.per_page, contents=contents)
    envelope["per_page"] = query.per_page
    return envelope


def organisation_detail(*, code: str) -> dict[str, Any] | None:
    """A listed organisation by its public code, or None (unknown, unpublished, stale, malformed code)."""
    try:
        parsed = uuid.UUID(str(code))
    except (ValueError, AttributeError):
        return None
    org = (
        Organisation.objects.listed()
        .filter(code=parsed)
        .select_related("kommunkod")
        .prefetch_related(*PREFETCHES)
        .first()
    )
    if org is None:
        return None
    return Serialiser().organisation(org)


def all_listed() -> list[Organisation]:
    """Every listed organisation with its municipality and PREFETCHES, in Swedish name order."""
    return list(
        Organisation.objects.listed()
        .order_by(*swedish_name_order())
        .select_related("kommunkod")
        .prefetch_related(*PREFETCHES)
    )


def region_of(county: str) -> str:
    """The county as a region: "Norrbottens län" → "Norrbotten", "Skåne län" → "Skåne", "Västra Götalands län"
    → "Västra Götaland" (every county's name is its region's, in the genitive where it ends in -s, and "län")."""
    name = county.removesuffix(" län")
    return name.removesuffix("s") if name != county else county


def publisher() -> dict[str, str]:
    """Who publishes the open data: the förbund of a one-förbund installation (by its organisation number,
    org-id.guide's SE-ON), else the platform operator (settings.OPERATOR_NAME)."""
    forbund = registry().single
    if forbund is not None:
        return {"name": forbund.name, "identifier": f"{ORGNR_SCHEME}-{forbund.orgnr}"}
    return {"name": settings.OPERATOR_NAME}


def municipality_of(org: Organisation) -> str | None:
    """The name of the organisation's municipality (loaded with select_related("kommunkod")), or None."""
    return org.kommunkod.name if org.kommunkod_id else None
