"""The förbund's settings page (/forbund/settings/): the coordinators of the request's förbund (others 403,
visitors to login). On a national host there is no förbund to set: 404 for everyone."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from directory.access import coordinator_required, request_actor
from directory.forbund.middleware import request_forbund
from directory.forbund_settings import services
from directory.forbund_settings.forms import ForbundSettingsForm
from directory.models import Municipality
from kernel.forms import submit


def forbund_host_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of the request's förbund: it does not exist on a national host (404, before any login)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request_forbund(request) is None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@forbund_host_only
@coordinator_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest) -> HttpResponse:
    forbund = request_forbund(request)
    form = ForbundSettingsForm(request.POST or None, instance=forbund)
    if submit(
        request,
        form,
        lambda: services.forbund_update(actor=request_actor(request), forbund=forbund, data=form.data_for_service()),
        success=_("The förbund's settings were saved."),
    ):
        return redirect("forbund:settings")
    context = {
        "form": form,
        # What only the platform operator changes, shown for reference: the area and the portal's address.
        "area": Municipality.objects.filter(code__in=forbund.municipality_codes).in_swedish_order(),
    }
    return render(request, "forbund/settings.html", context)
