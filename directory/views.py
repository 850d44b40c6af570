from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from directory import facet_cache, selectors, services
from directory.access import can_edit_organisation, can_manage_members, organisation_for_user
from directory.adapters import INVITATION_SESSION_KEY
from directory.filters import SORTS
from directory.forbund.middleware import request_forbund
from directory.forms import InvitationForm, OrganisationForm
from directory.map.background import map_background
from directory.merge.services import organisation_by_redirect
from directory.models import Invitation, Membership, Organisation
from directory.panels import render_profile_panels
from directory.profile_statement import profile_organisation
from kernel.forms import act, form_page, posted, submit
from kernel.models import User
from kernel.pagination import page_of, paginate, query_without_page, requested_page

PAGE_SIZE = 25


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The directory search. Stable, shareable URLs:
    /directory/?q=<text>&kind=<kind>&municipality=<kommunkod>&service=<slug>&page=<n> (facets repeatable).
    With HTMX only the results region is re-rendered; without JavaScript the form submits normally.

    A visitor who is not logged in gets the results region from the cache while no organisation, service,
    certification or category has changed (directory.facet_cache: the same generation as the facet counts,
    so a change shows on the next request); the results region holds no per-visitor data (the page around
    it, with its CSRF token, is rendered for each request).

    On the host of a förbund with municipalities the search opens on that förbund's area, and `?area=all`
    searches the whole country (selectors.search_area); the cached region is kept per förbund and area."""
    context: dict[str, Any] = {}
    area = selectors.search_area(request_forbund(request), request.GET)
    if request.actor.is_authenticated:
        results, query = _results(request, area)
        # "Save this search" (logged-in people only) keeps the search's own parameters, without the page.
        context["page_query"] = query_without_page(request)
    else:
        key = {
            "view": "directory:index",
            "params": sorted((name, request.GET.getlist(name)) for name in request.GET),
            "language": get_language(),
            "area": area.cache_key(),
        }
        results, query = facet_cache.cached(key=key, compute=lambda: _results(request, area))
    if request.htmx:
        return HttpResponse(results)
    context.update(results=mark_safe(results), query=query)  # noqa: S308 - rendered by our own template
    return render(request, "directory/index.html", context)


def _results(request: HttpRequest, area: selectors.SearchArea) -> tuple[str, str]:
    """The results region (directory/_results.html) as HTML, and the search text it was made for."""
    number = requested_page(request)
    page_request = (number, PAGE_SIZE) if number is not None else None
    result = selectors.organisation_search(actor=request.actor, params=request.GET, area=area.codes, page=page_request)
    # The stored search columns (a tsvector of every description) are for the database only, never shown.
    shown = ("search_vector", "search_text")
    if result.page_ids is not None and number is not None:  # the page's ids were read with the facets: by key
        rows = Organisation.objects.searchable_by(request.actor).select_related("kommunkod").defer(*shown)
        found = rows.in_bulk(result.page_ids)
        in_order = [found[pk] for pk in result.page_ids if pk in found]
        page = page_of(request, in_order, number, PAGE_SIZE, count=result.total or 0)
    else:
        rows = result.organisations.select_related("kommunkod").defer(*shown)
        page = paginate(request, rows, PAGE_SIZE, count=result.total)
    prefetch_related_objects(page.object_list, "services")
    context = {
        "result": result,
        "page": page,
        "query": result.query,
        "sorts": SORTS,
        "page_query": page.query,
        "area": area,
    }
    return render_to_string("directory/_results.html", context, request=request), result.query


@require_GET
def detail(request: HttpRequest, code: str) -> HttpResponse:
    """The public profile; members and coordinators also see the upkeep buttons and the freshness notice. The
    code of an organisation merged into another answers 301 to the kept one (when the visitor may see it)."""
    # One query: the organisation, the directory's generation (for the cached facts), what the panels of the
    # other apps need to know (whether they have anything to show: most have not, and then read nothing) and,
    # unless an anonymous visitor's facts are in the cache, the facts themselves (directory.profile_statement:
    # for anonymous visitors a statement built once per process). Anonymous visitors see the same facts: from
    # this process's cache while the directory has not changed (facet_cache.peek), looked up first.
    anonymous = not request.actor.is_authenticated
    key = {"view": "directory:detail", "organisation": str(code), "language": get_language()}
    peeked = facet_cache.peek(key=key) if anonymous else None
    try:
        organisation = profile_organisation(actor=request.actor, code=code, facts=peeked is None or peeked.missing)
    except Http404:
        kept = organisation_by_redirect(code=code)
        if kept is None or not Organisation.objects.visible_to(request.actor).filter(pk=kept.pk).exists():
            raise
        return redirect("directory:detail", code=kept.code, permanent=True)
    map_data = _profile_map_data(organisation)

    def facts() -> str:
        profile = selectors.organisation_profile(organisation=organisation)
        context = {"organisation": organisation, "profile": profile, "map_data": map_data}
        # Without the request: the facts hold nothing of the visitor's (they are kept for every anonymous
        # visitor), so the context processors, which are the visitor's, are neither needed nor run.
        return render_to_string("directory/_profile_facts.html", context)

    if peeked is None:
        facts_html = facts()
    else:
        facts_html = peeked.value(known=facet_cache.annotated_generation(organisation), compute=facts)
    context = {
        "organisation": organisation,
        "facts": mark_safe(facts_html),  # noqa: S308 - rendered by our own template
        "can_edit": can_edit_organisation(request.actor, organisation),
        "panels": render_profile_panels(request, organisation),
        "map_data": map_data,
    }
    return render(request, "directory/detail.html", context)


def _profile_map_data(organisation: Organisation) -> dict[str, Any] | None:
    """The small map's data for static/js/profile-map.js, or None when there is nothing to place."""
    if not organisation.has_coordinates:
        return None
    point = {"name": organisation.name, "lat": float(organisation.latitude), "lng": float(organisation.longitude)}
    return {**map_background(), "point": point}


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, code: str) -> HttpResponse:
    organisation = organisation_for_user(actor=request.actor, code=code, write=True)
    name = organisation.name  # the heading keeps the saved name while the form shows errors
    form = OrganisationForm(posted(request), instance=organisation)
    # The ModelForm has already applied its data to `organisation`; the service validates again,
    # records the history, audits and saves in one transaction (nothing is saved on an error).
    return form_page(
        request,
        form,
        lambda: services.organisation_update(
            actor=request.actor,
            organisation=organisation,
            data=form.profile_data(),
            confirm=form.cleaned_data["confirm"],
        ),
        success=_("The organisation's details were saved."),
        template="directory/edit.html",
        context={"organisation": organisation, "name": name},
    )


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, code: str) -> HttpResponse:
    organisation = organisation_for_user(actor=request.actor, code=code, write=True)
    may_manage = can_manage_members(request.actor, organisation)
    form = InvitationForm(inviter=request.actor)
    if request.method == "POST":
        organisation = organisation_for_user(actor=request.actor, code=code, manage_members=True)
        form = InvitationForm(request.POST, inviter=request.actor)
        if submit(
            request,
            form,
            lambda: services.invitation_create(inviter=request.actor, organisation=organisation, **form.cleaned_data),
        ):
            messages.success(request, _("An invitation was sent to %(email)s.") % {"email": form.cleaned_data["email"]})
            return redirect("directory:members", code=organisation.code)
    context = {
        "organisation": organisation,
        "memberships": selectors.membership_list(organisation=organisation),
        "invitations": selectors.open_invitation_list(organisation=organisation) if may_manage else [],
        "may_manage": may_manage,
        "form": form,
    }
    return render(request, "directory/members.html", context)


@login_required
@require_POST
def member_remove(request: HttpRequest, code: str, member: str) -> HttpResponse:
    organisation = organisation_for_user(actor=request.actor, code=code, manage_members=True)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "organisation"), organisation=organisation, code=member
    )
    act(
        request,
        lambda: services.membership_remove(actor=request.actor, membership=membership),
        success=_("%(name)s was removed from the organisation.") % {"name": membership.user},
    )
    return redirect("directory:members", code=organisation.code)


@login_required
@require_POST
def invitation_withdraw(request: HttpRequest, code: str, invitation: str) -> HttpResponse:
    """An administrator of the organisation (or a coordinator) withdraws an open invitation; its link
    stops working. Outside the organisation 404, a plain member 403."""
    organisation = organisation_for_user(actor=request.actor, code=code, manage_members=True)
    target = get_object_or_404(
        Invitation.objects.select_related("organisation"), organisation=organisation, code=invitation
    )
    try:
        services.invitation_revoke(actor=request.actor, invitation=target)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": target.email})
    return redirect("directory:members", code=organisation.code)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation e-mail. Anonymous visitors go on to signup (or login, when they already
    have an account); a logged-in person with the invited address accepts with a POST."""
    invitation = services.invitation_by_token(token)
    if invitation is None:
        request.session.pop(INVITATION_SESSION_KEY, None)
        context = {"withdrawn": services.invitation_was_withdrawn(token)}
        return render(request, "directory/invitation_invalid.html", context, status=404)
    if not request.user.is_authenticated:
        request.session[INVITATION_SESSION_KEY] = token

        if User.objects.filter(email__iexact=invitation.email).exists():
            messages.info(request, _("Log in to accept the invitation to %(org)s.") % {"org": invitation.organisation})
            return redirect("account_login")
        # The person followed a link sent to this address: it counts as verified.
        get_adapter(request).stash_verified_email(request, invitation.email)
        return redirect("account_signup")
    if request.method == "POST":
        try:
            services.invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return render(request, "directory/invitation_accept.html", {"invitation": invitation}, status=400)
        request.session.pop(INVITATION_SESSION_KEY, None)
        messages.success(request, _("You are now a member of %(org)s.") % {"org": invitation.organisation})
        return redirect(invitation.organisation)
    return render(request, "directory/invitation_accept.html", {"invitation": invitation})
