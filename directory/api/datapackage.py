"""The directory's open data as a Frictionless Data Package (datapackage.org), built in memory:
datapackage.json, organizations.csv, services.csv, organization_services.csv and organizations.json (the
same organisations as HSDS 3.0 objects, see directory/api/opendata.py). Only listed organisations, only public
fields: everything starts from `opendata.all_listed()`."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import zipfile
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone

from directory.api.opendata import (
    CACHE_SECONDS,
    LICENSE,
    Serialiser,
    all_listed,
    derived_id,
    iso,
    legal_status,
    municipality_of,
    site_url,
    term_id,
)
from directory.models import Organisation, OrganisationKind, ServiceCategory
from kernel import tabular

logger = logging.getLogger(__name__)

CACHE_KEY = "opendata:datapackage:v1"


def organisation_row(serialiser: Serialiser, org: Organisation) -> dict[str, Any]:
    """One listed organisation as a row of organizations.csv."""
    return {
        "id": org.code,
        "name": org.name,
        "legal_name": org.legal_name,
        "orgnr": org.orgnr_display,
        "kind": org.kind,
        "legal_status": legal_status(org.orgnr),
        "kommunkod": org.kommunkod_id,
        "municipality": municipality_of(org),
        "municipalities_served": ";".join(m.code for m in org.municipalities_served.all()),
        "street_address": org.street_address,
        "postal_code": org.postal_code,
        "city": org.city,
        "latitude": org.latitude,
        "longitude": org.longitude,
        "website": org.website,
        "email": org.email,
        "phone": org.phone,
        "description_sv": org.description_sv,
        "description_en": org.description_en,
        "takes_placements": org.takes_placements,
        "placement_capacity": org.placement_capacity,
        "employees": org.employees,
        "certifications": ";".join(
            f"{c.kind}:{c.valid_until.isoformat()}"
            for c in org.valid_certifications  # type: ignore[attr-defined]
        ),
        "verified_at": iso(org.verified_at),
        "verified_until": iso(org.verification_expires_at) if org.is_verified else None,
        "confirmed_at": iso(org.confirmed_at),
        "profile_url": serialiser.profile_url(org),
    }


def _field(name: str, type_: str, description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "description": description, **extra}


ORGANISATION_FIELDS = [
    _field(
        "id",
        "string",
        "The organisation's public identifier (HSDS organization.id).",
        format="uuid",
        constraints={"required": True, "unique": True},
    ),
    _field("name", "string", "Name.", constraints={"required": True}),
    _field("legal_name", "string", "Legal name, where it differs from the name."),
    _field(
        "orgnr",
        "string",
        "Organisationsnummer, NNNNNN-NNNN (org-id.guide scheme SE-ON).",
        constraints={"required": True, "unique": True, "pattern": r"\d{6}-\d{4}"},
    ),
    _field(
        "kind",
        "string",
        "Kind of organisation.",
        constraints={
            "required": True,
            "enum": list(OrganisationKind.values),
        },
    ),
    _field("legal_status", "string", "Legal form indicated by the organisationsnummer's group digit."),
    _field(
        "kommunkod",
        "string",
        "Municipality code (4 digits) of the organisation's seat.",
        constraints={"pattern": r"\d{4}"},
    ),
    _field("municipality", "string", "Name of that municipality."),
    _field("municipalities_served", "string", "Municipality codes served, separated by “;”."),
    _field("street_address", "string", "Street address."),
    _field("postal_code", "string", "Postal code."),
    _field("city", "string", "City."),
    _field("latitude", "number", "Latitude, WGS84 decimal degrees."),
    _field("longitude", "number", "Longitude, WGS84 decimal degrees."),
    _field("website", "string", "Website.", format="uri"),
    _field("email", "string", "The organisation's contact e-mail.", format="email"),
    _field("phone", "string", "The organisation's phone number."),
    _field("description_sv", "string", "Description in Swedish."),
    _field("description_en", "string", "Description in English."),
    _field("takes_placements", "boolean", "Takes placements (arbetsträning, praktik …)."),
    _field("placement_capacity", "integer", "How many placements at a time, if given."),
    _field("employees", "integer", "Number of employees, if given."),
    _field(
        "certifications",
        "string",
        "Valid certifications (approved by a coordinator) as kind:valid-until, separated by “;”.",
    ),
    _field("verified_at", "datetime", "When a coordinator last verified the details."),
    _field("verified_until", "datetime", "When the verification expires; empty when never verified or expired."),
    _field(
        "confirmed_at",
        "datetime",
        "When the organisation's members last confirmed the details.",
        constraints={"required": True},
    ),
    _field("profile_url", "string", "The organisation's page in the directory.", format="uri"),
]
SERVICE_FIELDS = [
    _field(
        "id",
        "string",
        "The category's identifier, as in ?service=<id>.",
        constraints={"required": True, "unique": True},
    ),
    _field("name_sv", "string", "Name in Swedish.", constraints={"required": True}),
    _field("name_en", "string", "Name in English."),
    _field("active", "boolean", "In use (retired categories stay for the organisations that have them)."),
    _field("taxonomy_term_id", "string", "HSDS taxonomy_term.id of the category.", format="uuid"),
]
ORGANISATION_SERVICE_FIELDS = [
    _field("organization_id", "string", "organizations.id", format="uuid", constraints={"required": True}),
    _field("service", "string", "services.id", constraints={"required": True}),
    _field("service_id", "string", "HSDS service.id of this organisation's service.", format="uuid"),
]

# Columns written as they are: identifiers, numbers, addresses and times a program reads. Every other text
# cell is neutralised by kernel.tabular against spreadsheet formulas (docs/security-checks.md E28).
_RAW_COLUMNS = {
    "id",
    "orgnr",
    "phone",
    "latitude",
    "longitude",
    "website",
    "email",
    "profile_url",
    "verified_at",
    "verified_until",
    "confirmed_at",
    "organization_id",
    "service",
    "service_id",
    "taxonomy_term_id",
}


def _csv(fields: list[dict[str, Any]], rows: Iterable[dict[str, Any]]) -> bytes:
    names = [f["name"] for f in fields]
    return tabular.write_csv(
        names, ([row.get(name) for name in names] for row in rows), bom=False, raw_columns=_RAW_COLUMNS
    )


def _resource(name: str, path: str, fields: list[dict[str, Any]], description: str, **schema: Any) -> dict:
    return {
        "name": name,
        "path": path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": description,
        "dialect": {"delimiter": ",", "header": True, "lineTerminator": "\r\n"},
        "schema": {"fields": fields, **schema},
    }


CSV_NOTE = (
    " Text cells that would begin with =, +, - or @ start with an apostrophe so that spreadsheet programs do not"
    " run them as formulas; organizations.json has the values as they are."
)


def datapackage_descriptor(*, created: dt.datetime, count: int) -> dict[str, Any]:
    return {
        "profile": "tabular-data-package",
        "name": "asfnet-organisations",
        "title": "asfnet: katalogen över arbetsintegrerande sociala företag och deras partner",
        "description": (
            "Listed organisations of the asfnet directory (published, confirmed by their members within "
            f"{settings.DIRECTORY_HIDE_AFTER_MONTHS} months), their service categories and the service taxonomy. "
            "organizations.json has the same organisations shaped after Open Referral HSDS 3.0."
        ),
        "homepage": site_url(reverse("api:index")),
        "version": "1.0.0",
        "created": created.isoformat(),
        "licenses": [LICENSE],
        "x_organisation_count": count,
        "resources": [
            _resource(
                "organizations",
                "organizations.csv",
                ORGANISATION_FIELDS,
                "One row per listed organisation." + CSV_NOTE,
                primaryKey=["id"],
            ),
            _resource(
                "services",
                "services.csv",
                SERVICE_FIELDS,
                "The service taxonomy: categories of services." + CSV_NOTE,
                primaryKey=["id"],
            ),
            _resource(
                "organization_services",
                "organization_services.csv",
                ORGANISATION_SERVICE_FIELDS,
                "Which organisation offers which service category.",
                primaryKey=["organization_id", "service"],
                foreignKeys=[
                    {"fields": ["organization_id"], "reference": {"resource": "organizations", "fields": ["id"]}},
                    {"fields": ["service"], "reference": {"resource": "services", "fields": ["id"]}},
                ],
            ),
            {
                "name": "organizations_hsds",
                "path": "organizations.json",
                "format": "json",
                "mediatype": "application/json",
                "encoding": "utf-8",
                "description": "The same organisations as a JSON list of HSDS 3.0 organization objects.",
            },
        ],
    }


def cached_datapackage_zip() -> bytes:
    """The data package, built at most once per CACHE_SECONDS (it reads every listed
    organisation: seconds for 10,000). Kept in the cache (Redis), never in a file; with the cache down it is
    built for every request."""
    try:
        data = cache.get(CACHE_KEY)
    except Exception:  # the cache being down must not take the open data with it
        logger.warning("opendata: cache unavailable, building the data package", exc_info=True)
        data = None
    if data is None:
        data = datapackage_zip()
        try:
            cache.set(CACHE_KEY, data, CACHE_SECONDS)
        except Exception:
            logger.warning("opendata: could not cache the data package", exc_info=True)
    return data


def datapackage_zip() -> bytes:
    """The whole open data set as a zip, built in memory."""
    organisations = all_listed()
    categories = list(ServiceCategory.objects.order_by("position", "name_sv"))
    created = timezone.now().replace(microsecond=0)
    serialiser = Serialiser()
    organisation_csv = _csv(ORGANISATION_FIELDS, (organisation_row(serialiser, o) for o in organisations))
    service_csv = _csv(
        SERVICE_FIELDS,
        (
            {
                "id": c.slug,
                "name_sv": c.name_sv,
                "name_en": c.name_en,
                "active": c.active,
                "taxonomy_term_id": term_id(c.slug),
            }
            for c in categories
        ),
    )
    link_csv = _csv(
        ORGANISATION_SERVICE_FIELDS,
        (
            {"organization_id": o.code, "service": c.slug, "service_id": derived_id(o.code, "service", c.slug)}
            for o in organisations
            for c in o.services.all()
        ),
    )
    hsds = [serialiser.organisation(o) for o in organisations]
    descriptor = datapackage_descriptor(created=created, count=len(organisations))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", json.dumps(descriptor, ensure_ascii=False, indent=2))
        archive.writestr("organizations.csv", organisation_csv)
        archive.writestr("services.csv", service_csv)
        archive.writestr("organization_services.csv", link_csv)
        archive.writestr("organizations.json", json.dumps(hsds, ensure_ascii=False, cls=DjangoJSONEncoder))
    return buffer.getvalue()
