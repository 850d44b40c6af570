"""The open data API, /api/v1/: read-only, public, JSON shaped after Open Referral HSDS 3.0.

Views are thin: parse, call one function of directory/api/opendata.py, answer. Every response may be read from
any origin (CORS `*`; no credentials are involved) and cached for five minutes. What goes out, and why
nothing private can: see directory/api/opendata.py."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.api import datapackage, openapi, opendata
from kernel.downloads import attachment

ALLOWED_METHODS = ("GET", "HEAD", "OPTIONS")
MAX_AGE = opendata.CACHE_SECONDS


def _open_data_headers(request: HttpRequest, response: HttpResponse, *, cacheable: bool = True) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    # Open data is meant to be embedded and fetched from other sites.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    if not cacheable:
        response["Cache-Control"] = "no-cache"
    elif request.user.is_authenticated:
        # The same data, but the response may carry a refreshed session cookie: no shared cache may keep it.
        response["Cache-Control"] = f"private, max-age={MAX_AGE}"
    else:
        response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


def _json(request: HttpRequest, data: Any, *, status: int = 200) -> HttpResponse:
    response = JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    return _open_data_headers(request, response, cacheable=status == 200)


def error(request: HttpRequest, status: int, code: str, message: str, errors: dict | None = None) -> HttpResponse:
    body: dict[str, Any] = {"error": code, "message": message}
    if errors:
        body["errors"] = errors
    return _json(request, body, status=status)


def api_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET and HEAD only (a CORS preflight OPTIONS is answered); anything else: 405 as JSON."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
            response["Access-Control-Max-Age"] = "86400"
            response["Allow"] = ", ".join(ALLOWED_METHODS)
            return _open_data_headers(request, response, cacheable=False)
        if request.method not in ("GET", "HEAD"):
            response = error(request, 405, "method_not_allowed", _("This API is read-only: use GET."))
            response["Allow"] = ", ".join(ALLOWED_METHODS)
            return response
        return view(request, *args, **kwargs)

    return wrapper


@api_view
def index(request: HttpRequest) -> HttpResponse:
    def link(name: str) -> str:
        return opendata.site_url(reverse(name))

    return _json(
        request,
        {
            "version": opendata.HSDS_VERSION,
            "openapi_url": link("api:openapi"),
            "description": "asfnet: open data of the directory of work-integration social enterprises (ASF) and "
            "their partners in Sweden.",
            "publisher": opendata.publisher(),
            "license": opendata.LICENSE,
            "links": {
                "organizations": link("api:organization_list"),
                "service_taxonomy": link("api:service_taxonomy"),
                "datapackage": link("api:datapackage"),
                "openapi": link("api:openapi"),
                "directory": link("directory:index"),
            },
        },
    )


@api_view
def organization_list(request: HttpRequest) -> HttpResponse:
    try:
        page = opendata.organisation_page(params=request.GET)
    except opendata.BadParameter as bad:
        return error(request, 400, "bad_request", _("Some parameters cannot be used."), bad.errors)
    return _json(request, page)


@api_view
def organization_detail(request: HttpRequest, organization_id: str) -> HttpResponse:
    organisation = opendata.organisation_detail(code=organization_id)
    if organisation is None:
        return error(request, 404, "not_found", _("No listed organisation has this id."))
    return _json(request, organisation)


@api_view
def service_taxonomy(request: HttpRequest) -> HttpResponse:
    return _json(request, opendata.service_taxonomy())


@api_view
def openapi_document(request: HttpRequest) -> HttpResponse:
    return _json(request, openapi.document())


@api_view
def datapackage_download(request: HttpRequest) -> HttpResponse:
    response = attachment(
        datapackage.cached_datapackage_zip(),
        filename=f"asfnet-organisations-{timezone.localdate():%Y%m%d}.zip",
        content_type="application/zip",
        public=True,
    )
    return _open_data_headers(request, response)
