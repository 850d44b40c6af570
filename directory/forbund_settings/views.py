"""The förbund's settings page (/forbund/settings/): the coordinators of the request's förbund (others 403,
visitors to login). On a national host there is no förbund to set: 404 for everyone. The logo is uploaded and
removed from the same page, through forms that post to views of their own (logo_upload, logo_remove).

The logo itself (/forbund/logo.png) is public: the current portal's, 404 on a national host or without one."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from directory.access import coordinator_required, request_actor
from directory.forbund.middleware import request_forbund
from directory.forbund_settings import services
from directory.forbund_settings.forms import ForbundSettingsForm
from directory.models import Municipality
from directory.profile.forms import LogoForm
from kernel.decorators import checked_first
from kernel.downloads import inline_image, stored_file
from kernel.forms import act, form_page, posted


def _require_forbund_host(request: HttpRequest) -> None:
    """A page of the request's förbund: it does not exist on a national host (404, before any login)."""
    if request_forbund(request) is None:
        raise Http404


forbund_host_only = checked_first(_require_forbund_host)


@forbund_host_only
@coordinator_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest) -> HttpResponse:
    forbund = request_forbund(request)
    form = ForbundSettingsForm(posted(request), instance=forbund)
    return form_page(
        request,
        form,
        lambda: services.forbund_update(actor=request_actor(request), forbund=forbund, data=form.data_for_service()),
        success=_("The förbund's settings were saved."),
        then="forbund:settings",
        page=lambda: _settings_page(request, form=form, logo_form=LogoForm()),
    )


def _settings_page(request: HttpRequest, *, form: ForbundSettingsForm, logo_form: LogoForm) -> HttpResponse:
    forbund = request_forbund(request)
    context = {
        "form": form,
        "logo_form": logo_form,
        # What only the platform operator changes, shown for reference: the area and the portal's address.
        "area": Municipality.objects.filter(code__in=forbund.municipality_codes).in_swedish_order(),
    }
    return render(request, "forbund/settings.html", context)


@forbund_host_only
@coordinator_required
@require_POST
def logo_upload(request: HttpRequest) -> HttpResponse:
    """The upload is judged by LogoForm (the same rules and messages as an organisation's logo); a refused file
    shows the settings page again with the message at the file field, and nothing is stored."""
    forbund = request_forbund(request)
    logo_form = LogoForm(request.POST, request.FILES)
    return form_page(
        request,
        logo_form,
        lambda: services.forbund_logo_set(
            actor=request_actor(request), forbund=forbund, png=logo_form.cleaned_data["png"]
        ),
        success=_("The logo was saved."),
        default_field="logo",
        then="forbund:settings",
        page=lambda: _settings_page(request, form=ForbundSettingsForm(instance=forbund), logo_form=logo_form),
    )


@forbund_host_only
@coordinator_required
@require_POST
def logo_remove(request: HttpRequest) -> HttpResponse:
    forbund = request_forbund(request)
    if forbund.logo:
        act(
            request,
            lambda: services.forbund_logo_remove(actor=request_actor(request), forbund=forbund),
            success=_("The logo was removed."),
        )
    return redirect("forbund:settings")


@forbund_host_only
@require_GET
def logo(request: HttpRequest) -> FileResponse:
    """The portal's förbund's logo: always our own re-encoded PNG, sent as such. Pages link it with
    `?v=<Forbund.logo_version>`, so the browser's copy (kept a day) is replaced as soon as the logo changes."""
    forbund = request_forbund(request)
    if not forbund.logo:
        raise Http404
    return inline_image(stored_file(forbund.logo), content_type="image/png")
