"""Partner requests (a buyer needs a service; suggested ASF answer) and the buyer's list of ASF eligible for
reserved contracts with its CSV invitation list. Access: matchmaking.partners.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from directory.access import organisations_to_act_for
from kernel import tabular
from kernel.downloads import attachment
from kernel.forms import form_page, posted
from kernel.pagination import paginate
from matchmaking.partners import services
from matchmaking.partners.forms import PartnerRequestForm, PartnerResponseForm, ReservedAsfFilterForm
from matchmaking.partners.models import PartnerRequest, PartnerRequestStatus

PAGE_SIZE = 25


@login_required
@require_GET
def partner_request_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, services.partner_request_list(request.actor), PAGE_SIZE)
    actor = request.actor
    own = set(actor.organisation_ids)
    return render(
        request,
        "matchmaking/partners/list.html",
        {"page": page, "own_organisation_ids": own, "can_create": bool(own) or actor.is_coordinator},
    )


@login_required
@require_http_methods(["GET", "POST"])
def partner_request_create(request: HttpRequest) -> HttpResponse:
    organisations = organisations_to_act_for(request.actor)
    form = PartnerRequestForm(posted(request), organisations=organisations)
    return form_page(
        request,
        form,
        lambda: services.partner_request_create(
            actor=request.actor,
            organisation=form.cleaned_data["organisation"],
            data={name: form.cleaned_data[name] for name in PartnerRequestForm.Meta.fields},
        ),
        success=_("Your request was posted. Suggested ASF can now answer it."),
        template="matchmaking/partners/create.html",
    )


def _detail(request: HttpRequest, partner_request: PartnerRequest, response_form: PartnerResponseForm | None = None):
    manage = services.can_manage_request(request.actor, partner_request)
    responders = services.responding_organisations(request.actor, partner_request)
    context = {
        "partner_request": partner_request,
        "manage": manage,
        "is_open": partner_request.status == PartnerRequestStatus.OPEN,
        "municipality_name": partner_request.municipality.name if partner_request.municipality_id else "",
    }
    if manage:
        suggested = services.suggestions(partner_request)
        context["suggestions"] = suggested
        context["other_responses"] = services.other_responses(partner_request, suggested)
    if responders:
        context["own_responses"] = list(services.own_responses(request.actor, partner_request).values())
        context["response_form"] = response_form or PartnerResponseForm(organisations=responders)
    return render(request, "matchmaking/partners/detail.html", context)


@login_required
@require_GET
def partner_request_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _detail(request, services.partner_request_for_user(actor=request.actor, code=code))


@login_required
@require_POST
def partner_request_close(request: HttpRequest, code: str) -> HttpResponse:
    partner_request = services.partner_request_for_user(actor=request.actor, code=code, manage=True)
    services.partner_request_close(actor=request.actor, request=partner_request)
    messages.success(request, _("The request is closed."))
    return redirect(partner_request)


@login_required
@require_POST
def partner_response(request: HttpRequest, code: str) -> HttpResponse:
    partner_request = services.partner_request_for_user(actor=request.actor, code=code)
    responders = services.responding_organisations(request.actor, partner_request)
    if not responders:
        raise PermissionDenied
    form = PartnerResponseForm(posted(request), organisations=responders)
    return form_page(
        request,
        form,
        lambda: services.partner_response_set(actor=request.actor, request=partner_request, **form.cleaned_data),
        success=_("Thank you. The requester can now see your answer."),
        then=partner_request.get_absolute_url(),
        page=lambda: _detail(request, partner_request, response_form=form),
    )


# --- ASF eligible for reserved contracts --------------------------------------------------------------------
def _reserved_filter(request: HttpRequest) -> tuple[ReservedAsfFilterForm, dict]:
    """The valid filters; an invalid one is shown as an error on the page and otherwise ignored."""
    form = ReservedAsfFilterForm(request.GET or None)
    if not request.GET:
        return form, {}
    form.is_valid()
    return form, {
        "service": form.cleaned_data.get("service"),
        "municipality": form.cleaned_data.get("municipality") or "",
    }


@login_required
@require_GET
def reserved_asf(request: HttpRequest) -> HttpResponse:
    form, filters = _reserved_filter(request)
    organisations = list(services.reserved_asf(**filters))
    return render(
        request,
        "matchmaking/partners/reserved.html",
        {
            "form": form,
            "organisations": organisations,
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_GET
def reserved_asf_export(request: HttpRequest) -> HttpResponse:
    _form, filters = _reserved_filter(request)
    return attachment(
        services.reserved_asf_csv(services.reserved_asf(**filters)),
        filename=f"reserved-contracts-asf-{timezone.localdate().isoformat()}.csv",
        content_type=tabular.CONTENT_TYPES["csv"],
    )
