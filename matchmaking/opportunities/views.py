"""Placement opportunities: the list and page for logged-in members, upkeep for the publishing
organisation's members (`opportunity_for_user(write=True)`: anyone else 404), and reverse matching for
officers ("which of my participants' needs fit this?")."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from directory.access import Role, can_edit_organisation, organisations_to_act_for, role_required
from kernel.forms import form_page, posted
from kernel.pagination import paginate
from matchmaking import selectors, services
from matchmaking.access import opportunity_for_user
from matchmaking.dashboard.views import PAGE_SIZE
from matchmaking.models import Opportunity
from matchmaking.occupations import occupation_label
from matchmaking.opportunities import services as opportunity_services
from matchmaking.opportunities.forms import OpportunityCreateForm, OpportunityForm


@login_required
@require_GET
def opportunity_list(request: HttpRequest) -> HttpResponse:
    """Open opportunities: `?type=…&municipality=…&service=…&page=…` (nothing about participants)."""
    filterset, opportunities = selectors.opportunity_list(actor=request.actor, params=request.GET)
    page = paginate(request, opportunities, PAGE_SIZE, keep=("type", "municipality", "service"))
    context = {
        "filter": filterset,
        "page": page,
    }
    return render(request, "matchmaking/opportunities/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_create(request: HttpRequest) -> HttpResponse:
    organisations = organisations_to_act_for(request.actor)
    form = OpportunityCreateForm(posted(request), organisations=organisations)
    return form_page(
        request,
        form,
        lambda: services.opportunity_create(
            actor=request.actor, organisation=form.cleaned_data["organisation"], data=form.data_for_service()
        ),
        success=_("The placement opportunity was published."),
        then=lambda opportunity: redirect("matchmaking:opportunity_detail", code=opportunity.code),
        template="matchmaking/opportunities/form.html",
        context={"creating": True, "refresh_weeks": settings.OPPORTUNITY_REFRESH_WEEKS},
    )


@login_required
@require_GET
def opportunity_detail(request: HttpRequest, code: str) -> HttpResponse:
    opportunity = opportunity_for_user(actor=request.actor, code=code)
    can_edit = can_edit_organisation(request.actor, opportunity.organisation)
    selectors.annotate_freshness([opportunity])
    context = {
        "opportunity": opportunity,
        "occupation": occupation_label(opportunity.occupation_code) if opportunity.occupation_code else "",
        "can_edit": can_edit,
        "is_officer": request.actor.is_officer,
        # Open at a public organisation: the page anyone can open, to share with a person it may suit.
        "is_public": Opportunity.objects.public().filter(pk=opportunity.pk).exists(),
        # The organisation's own placements here: participant code and status only (hosts never see more).
        "placements": selectors.opportunity_placements(actor=request.actor, opportunity=opportunity)
        if can_edit
        else [],
    }
    return render(request, "matchmaking/opportunities/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_edit(request: HttpRequest, code: str) -> HttpResponse:
    opportunity = opportunity_for_user(actor=request.actor, code=code, write=True)
    form = OpportunityForm(posted(request), instance=opportunity)
    return form_page(
        request,
        form,
        lambda: opportunity_services.opportunity_update(
            actor=request.actor, opportunity=opportunity, data=form.data_for_service()
        ),
        success=_("The placement opportunity was saved."),
        then=reverse("matchmaking:opportunity_detail", kwargs={"code": opportunity.code}),
        template="matchmaking/opportunities/form.html",
        context={"opportunity": opportunity, "creating": False, "refresh_weeks": settings.OPPORTUNITY_REFRESH_WEEKS},
    )


@login_required
@require_POST
def opportunity_refresh(request: HttpRequest, code: str) -> HttpResponse:
    """ "Still offered": the organisation confirms the opportunity, which keeps it from expiring."""
    opportunity = opportunity_for_user(actor=request.actor, code=code, write=True)
    services.opportunity_refresh(actor=request.actor, opportunity=opportunity)
    messages.success(request, _("Thank you. “%(title)s” stays open.") % {"title": opportunity.title})
    if request.POST.get("back") == "dashboard":
        return redirect("matchmaking:index")
    return redirect("matchmaking:opportunity_detail", code=opportunity.code)


@role_required(Role.OFFICER)
@require_GET
def opportunity_needs(request: HttpRequest, code: str) -> HttpResponse:
    """Reverse matching: the open needs of the officer's own participants that fit this opportunity."""
    opportunity = opportunity_for_user(actor=request.actor, code=code)
    rows = selectors.needs_for_opportunity(actor=request.actor, opportunity=opportunity)
    selectors.audit_participant_list(actor=request.actor, page_number=1, shown=len(rows), purpose="reverse_match")
    return render(request, "matchmaking/opportunities/needs.html", {"opportunity": opportunity, "rows": rows})
