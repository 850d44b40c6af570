"""Which förbund a request is for: `request.forbund` from the host name (registry.Registry.for_host). A host
that is neither a förbund's nor national is refused with 400 and never shows another förbund's pages."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string

from directory.forbund.registry import UnknownHost, registry
from kernel.request_context import reset_forbund_id, set_forbund_id

# Health checks come from load balancers, which may use any host name (docs/scaling.md).
UNROUTED_PATHS = ("/healthz",)


class ForbundMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            # HttpRequest declares no `forbund`: the site adds it.
            request.forbund = registry().for_host(request.get_host())  # type: ignore[attr-defined]
        except UnknownHost:
            if request.path.startswith(UNROUTED_PATHS):
                request.forbund = None  # type: ignore[attr-defined]
                return self.get_response(request)
            return HttpResponseBadRequest(render_to_string("400.html", request=None))
        # The audit log notes the portal each action was taken on (kernel.audit).
        token = set_forbund_id(request.forbund.pk if request.forbund else None)  # type: ignore[attr-defined]
        try:
            return self.get_response(request)
        finally:
            reset_forbund_id(token)


def request_forbund(request: HttpRequest):
    """The request's förbund; for a request that did not pass the middleware (RequestFactory, an early error
    page), the installation's only förbund."""
    if hasattr(request, "forbund"):
        return request.forbund
    return registry().single
