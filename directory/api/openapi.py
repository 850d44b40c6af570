"""The OpenAPI 3.1 document of the open data API (/api/v1/openapi.json), written by hand.

tests/directory/test_api.py checks that it lists exactly the paths of directory/api/urls.py and that the
responses have the keys the schemas below require; keep the three in step."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from directory.api.opendata import DEFAULT_PER_PAGE, HSDS_VERSION, LICENSE, MAX_PER_PAGE, ORGNR_SCHEME
from directory.models import OrganisationKind


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _query(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema, **extra}


def _json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERROR_400 = _json_response("A parameter cannot be used.", _ref("Error"))
_ERROR_404 = _json_response("No listed organisation has this id.", _ref("Error"))

_FILTERS = [
    _query(
        "q",
        "Free text, searched the way Swedish users type (stemming, parts of words, small typos).",
        {"type": "string", "maxLength": 200},
    ),
    _query(
        "kind",
        "Kind of organisation; repeat for several (either matches). Unknown values are ignored.",
        {"type": "array", "items": {"type": "string", "enum": list(OrganisationKind.values)}},
        style="form",
        explode=True,
    ),
    _query(
        "municipality",
        "Kommunkod (4 digits) of the organisation's seat; repeatable.",
        {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{4}$"}},
        style="form",
        explode=True,
    ),
    _query(
        "service",
        "Service category code (taxonomy term `code`, see /taxonomies/services); repeatable.",
        {"type": "array", "items": {"type": "string"}},
        style="form",
        explode=True,
    ),
    _query("placements", "`1` or `true`: only organisations that take placements.", {"type": "string"}),
    _query(
        "certified",
        "`1` or `true`: only organisations with a valid Skoopi certification or eligibility for "
        "reserved contracts (LOU 4 kap. 18 §).",
        {"type": "string"},
    ),
    _query(
        "sort",
        "Order: `relevance` (default with q), `name` (Swedish alphabetical order; default without q), "
        "`updated` (recently confirmed first).",
        {"type": "string", "enum": ["relevance", "name", "updated"]},
    ),
    _query(
        "page",
        "Page number, from 1. A page past the last answers with empty contents.",
        {"type": "integer", "minimum": 1, "default": 1},
    ),
    _query(
        "per_page",
        f"Organisations per page; larger values are capped at {MAX_PER_PAGE}.",
        {"type": "integer", "minimum": 1, "default": DEFAULT_PER_PAGE},
    ),
]

_STRING_OR_NULL = {"type": ["string", "null"]}
_STRING = {"type": "string"}
_UUID = {"type": "string", "format": "uuid"}

SCHEMAS: dict[str, Any] = {
    "Page": {
        "type": "object",
        "description": "HSDS 3.0 paginated response.",
        "required": [
            "total_items",
            "total_pages",
            "page_number",
            "size",
            "first_page",
            "last_page",
            "empty",
            "contents",
        ],
        "properties": {
            "total_items": {"type": "integer", "description": "Number of matching items on all pages."},
            "total_pages": {"type": "integer"},
            "page_number": {"type": "integer"},
            "size": {"type": "integer", "description": "Number of items on this page."},
            "first_page": {"type": "boolean"},
            "last_page": {"type": "boolean"},
            "empty": {"type": "boolean", "description": "True when this page has no items."},
            "per_page": {"type": "integer", "description": "Items per page after capping."},
            "contents": {"type": "array"},
        },
    },
    "OrganizationIdentifier": {
        "type": "object",
        "required": ["id", "identifier_scheme", "identifier_type", "identifier"],
        "properties": {
            "id": _UUID,
            "organization_id": _UUID,
            "identifier_scheme": {"type": "string", "const": ORGNR_SCHEME, "description": "org-id.guide list code."},
            "identifier_type": {"type": "string", "const": "organisationsnummer"},
            "identifier": {"type": "string", "pattern": "^[0-9]{6}-[0-9]{4}$"},
        },
    },
    "TaxonomyTerm": {
        "type": "object",
        "description": "HSDS 3.0 taxonomy_term; `code` is the value of the `service` filter.",
        "required": ["id", "code", "name", "description", "taxonomy", "language"],
        "properties": {
            "id": _UUID,
            "code": _STRING,
            "name": {"type": "string", "description": "Name in Swedish."},
            "description": _STRING,
            "parent_id": _STRING_OR_NULL,
            "taxonomy": _STRING,
            "taxonomy_id": _UUID,
            "language": {"type": "string", "const": "sv"},
            "x_name_en": {"type": "string", "description": "Name in English."},
            "x_active": {"type": "boolean", "description": "False for a retired category."},
            "x_search_url": {"type": "string", "format": "uri"},
        },
    },
    "Service": {
        "type": "object",
        "description": "HSDS 3.0 service: one service category an organisation offers.",
        "required": ["id", "organization_id", "name", "status", "attributes", "service_areas"],
        "properties": {
            "id": _UUID,
            "organization_id": _UUID,
            "name": _STRING,
            "description": _STRING,
            "status": {"type": "string", "enum": ["active", "inactive", "defunct", "temporarily closed"]},
            "attributes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "link_id", "link_entity", "taxonomy_term_id", "taxonomy_term"],
                    "properties": {
                        "id": _UUID,
                        "link_id": _UUID,
                        "link_type": _STRING,
                        "link_entity": {"type": "string", "const": "service"},
                        "taxonomy_term_id": _UUID,
                        "value": _STRING_OR_NULL,
                        "taxonomy_term": _ref("TaxonomyTerm"),
                    },
                },
            },
            "service_areas": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "service_id", "name", "x_kommunkod"],
                    "properties": {
                        "id": _UUID,
                        "service_id": _UUID,
                        "name": {"type": "string", "description": "Municipality served."},
                        "description": _STRING,
                        "x_kommunkod": {"type": "string", "pattern": "^[0-9]{4}$"},
                    },
                },
            },
            "x_category": {"type": "string", "description": "The category's code."},
        },
    },
    "Location": {
        "type": "object",
        "required": ["id", "location_type", "addresses"],
        "properties": {
            "id": _UUID,
            "location_type": {"type": "string", "const": "physical"},
            "organization_id": _UUID,
            "name": _STRING,
            "latitude": {"type": ["number", "null"], "description": "WGS84 decimal degrees."},
            "longitude": {"type": ["number", "null"], "description": "WGS84 decimal degrees."},
            "addresses": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "address_1", "city", "state_province", "postal_code", "country", "address_type"],
                    "properties": {
                        "id": _UUID,
                        "location_id": _UUID,
                        "address_1": _STRING,
                        "city": _STRING,
                        "region": _STRING,
                        "state_province": _STRING,
                        "postal_code": _STRING,
                        "country": {"type": "string", "const": "SE"},
                        "address_type": {"type": "string", "const": "physical"},
                    },
                },
            },
            "accessibility": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "description"],
                    "properties": {
                        "id": _UUID,
                        "location_id": _UUID,
                        "description": {"type": "string", "description": "Accessibility of the premises."},
                    },
                },
            },
        },
    },
    "Organization": {
        "type": "object",
        "description": "HSDS 3.0 organization, with the fields HSDS does not have in `x_asfnet`.",
        "required": ["id", "name", "description", "organization_identifiers", "services", "locations", "x_asfnet"],
        "properties": {
            "id": _UUID,
            "name": _STRING,
            "alternate_name": {**_STRING_OR_NULL, "description": "Legal name, where it differs."},
            "description": {"type": "string", "description": "Description in Swedish."},
            "email": {**_STRING_OR_NULL, "format": "email", "description": "The organisation's contact e-mail."},
            "website": {**_STRING_OR_NULL, "format": "uri"},
            "year_incorporated": {"type": ["number", "null"]},
            "legal_status": {
                **_STRING_OR_NULL,
                "description": "Legal form indicated by the organisationsnummer's group digit (indicative).",
            },
            "organization_identifiers": {"type": "array", "items": _ref("OrganizationIdentifier")},
            "phones": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "number"],
                    "properties": {
                        "id": _UUID,
                        "organization_id": _UUID,
                        "number": _STRING,
                        "type": _STRING,
                    },
                },
            },
            "services": {"type": "array", "items": _ref("Service")},
            "locations": {"type": "array", "items": _ref("Location")},
            "x_asfnet": {
                "type": "object",
                "required": ["kind", "kommunkod", "takes_placements", "certifications", "confirmed_at"],
                "properties": {
                    "kind": {"type": "string", "enum": list(OrganisationKind.values)},
                    "kommunkod": {"type": "string", "pattern": "^[0-9]{4}$"},
                    "municipality": _STRING_OR_NULL,
                    "municipalities_served": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"kommunkod": _STRING, "name": _STRING},
                        },
                    },
                    "description_en": _STRING,
                    "summary_easy_sv": {"type": "string", "description": "Easy-to-read summary (lättläst)."},
                    "takes_placements": {"type": "boolean"},
                    "placement_capacity": {"type": ["integer", "null"]},
                    "support_offered": {"type": "array", "items": _STRING},
                    "employees": {"type": ["integer", "null"]},
                    "sni_codes": {"type": "array", "items": _STRING},
                    "sni_version": _STRING,
                    "certifications": {
                        "type": "array",
                        "description": "Valid certifications only: approved by a coordinator, within their validity.",
                        "items": {
                            "type": "object",
                            "required": ["kind", "valid_until"],
                            "properties": {
                                "kind": {"type": "string", "enum": ["skoopi", "lou_reserved", "other"]},
                                "name": _STRING_OR_NULL,
                                "valid_until": {"type": "string", "format": "date"},
                            },
                        },
                    },
                    "verified_at": {**_STRING_OR_NULL, "format": "date-time"},
                    "verified_until": {
                        **_STRING_OR_NULL,
                        "format": "date-time",
                        "description": "When the verification expires; null when never verified or expired.",
                    },
                    "confirmed_at": {"type": "string", "format": "date-time"},
                    "freshness": {"type": "string", "enum": ["fresh", "needs_update"]},
                    "profile_url": {"type": "string", "format": "uri"},
                },
            },
        },
    },
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "enum": ["bad_request", "not_found", "method_not_allowed"]},
            "message": _STRING,
            "errors": {
                "type": "object",
                "description": "Messages per parameter.",
                "additionalProperties": {"type": "array", "items": _STRING},
            },
        },
    },
}


def document() -> dict[str, Any]:
    """The OpenAPI document. Paths are relative to the server URL (SITE_URL + /api/v1)."""
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "asfnet open data API",
            "version": "1.0.0",
            "summary": "Read-only open data of the asfnet directory, shaped after Open Referral HSDS 3.0.",
            "description": (
                "Organisations listed in the public directory (published and confirmed by their members "
                f"within {settings.DIRECTORY_HIDE_AFTER_MONTHS} months), their services and the service taxonomy. "
                "No authentication. Responses may be cached for 5 minutes and may be read from any origin (CORS)."
            ),
            "license": {"name": LICENSE["name"], "identifier": LICENSE["name"]},
        },
        "servers": [{"url": f"{settings.SITE_URL}/api/v1"}],
        "paths": {
            "/": {
                "get": {
                    "operationId": "getApiIndex",
                    "summary": "About this API: HSDS version and links to the other endpoints.",
                    "responses": {
                        "200": _json_response(
                            "Information about this API.",
                            {
                                "type": "object",
                                "required": ["version", "openapi_url", "links"],
                                "properties": {
                                    "version": {"type": "string", "const": HSDS_VERSION},
                                    "openapi_url": {"type": "string", "format": "uri"},
                                    "description": _STRING,
                                    "publisher": {"type": "object"},
                                    "links": {
                                        "type": "object",
                                        "additionalProperties": {"type": "string", "format": "uri"},
                                    },
                                },
                            },
                        )
                    },
                }
            },
            "/organizations": {
                "get": {
                    "operationId": "getPaginatedListOfOrganizations",
                    "summary": "Listed organisations, filtered as on the directory's search page, paginated.",
                    "parameters": _FILTERS,
                    "responses": {
                        "200": _json_response(
                            "A page of organisations.",
                            {
                                "allOf": [_ref("Page")],
                                "properties": {"contents": {"type": "array", "items": _ref("Organization")}},
                            },
                        ),
                        "400": _ERROR_400,
                    },
                }
            },
            "/organizations/{organization_id}": {
                "parameters": [
                    {
                        "name": "organization_id",
                        "in": "path",
                        "required": True,
                        "description": "The organisation's id (a UUID).",
                        "schema": _UUID,
                    }
                ],
                "get": {
                    "operationId": "getOrganizationById",
                    "summary": "One listed organisation, fully nested.",
                    "responses": {"200": _json_response("The organisation.", _ref("Organization")), "404": _ERROR_404},
                },
            },
            "/taxonomies/services": {
                "get": {
                    "operationId": "getServiceTaxonomy",
                    "summary": "The service categories, as HSDS taxonomy terms, all on one page.",
                    "responses": {
                        "200": _json_response(
                            "The taxonomy's terms.",
                            {
                                "allOf": [_ref("Page")],
                                "properties": {
                                    "contents": {"type": "array", "items": _ref("TaxonomyTerm")},
                                    "taxonomy": {"type": "object", "description": "HSDS 3.0 taxonomy."},
                                },
                            },
                        )
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApiDocument",
                    "summary": "This document.",
                    "responses": {"200": _json_response("OpenAPI 3.1 document.", {"type": "object"})},
                }
            },
            "/datapackage.zip": {
                "get": {
                    "operationId": "getDataPackage",
                    "summary": "All listed organisations as a Frictionless Data Package: datapackage.json, "
                    "organizations.csv, services.csv, organization_services.csv and organizations.json (HSDS).",
                    "responses": {
                        "200": {
                            "description": "A zip file.",
                            "content": {
                                "application/zip": {"schema": {"type": "string", "contentMediaType": "application/zip"}}
                            },
                        }
                    },
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }
