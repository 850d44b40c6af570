"""Public placement opportunities (`/opportunities/`, no login): the list with filters, one page per
opportunity that an officer or a job coach can share, and the same list as JSON for other sites.

Shown: what, where, type, hours, times, adaptations, supervisor, period, places left and the organisation.
Never shown: anything about the people proposed for or placed at an opportunity. The members' own pages
(editing, reverse matching, the placements at an opportunity) stay under /matchmaking/opportunities/."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from directory.access import can_edit_organisation
from kernel.pagination import paginate
from matchmaking.models import Adaptation, Opportunity, Weekday
from matchmaking.occupations import occupation_label
from matchmaking.public_opportunities import selectors

PAGE_SIZE = 20
FILTERS = ("q", "type", "municipality", "service", "adaptation", "hours")
JSON_LIMIT = 200


@require_GET
def opportunity_list(request: HttpRequest) -> HttpResponse:
    filterset, opportunities = selectors.public_opportunity_list(params=request.GET)
    page = paginate(request, opportunities, PAGE_SIZE, keep=FILTERS)
    context = {
        "filter": filterset,
        "page": page,
        "json_url": reverse("opportunities:json") + (f"?{page.query}" if page.query else ""),  # type: ignore[attr-defined]
    }
    return render(request, "matchmaking/public_opportunities/list.html", context)


def share_url(opportunity: Opportunity) -> str:
    return settings.SITE_URL + reverse("opportunities:detail", kwargs={"code": opportunity.code})


@require_GET
def opportunity_detail(request: HttpRequest, code: str) -> HttpResponse:
    opportunity = selectors.public_opportunity(code=code)
    link = share_url(opportunity)
    mail = urlencode(
        {
            "subject": _("Placement opportunity: %(title)s") % {"title": opportunity.title},
            "body": _("A placement opportunity at %(organisation)s that may suit you:\n%(link)s")
            % {"organisation": opportunity.organisation.name, "link": link},
        },
        quote_via=quote,  # %20, not +: mail programs show a + in a mailto body as it is
    )
    context = {
        "opportunity": opportunity,
        "occupation": occupation_label(opportunity.occupation_code) if opportunity.occupation_code else "",
        "share_url": link,
        "mailto": f"mailto:?{mail}",
        # Members of the network also get the working page (propose a participant, edit the opportunity).
        "members_page": request.actor.is_authenticated,
        "can_edit": can_edit_organisation(request.actor, opportunity.organisation),
    }
    return render(request, "matchmaking/public_opportunities/detail.html", context)


def as_json(opportunity: Opportunity) -> dict[str, Any]:
    """The public facts of an opportunity, as the JSON list gives them (labels in the request's language)."""
    times, adaptations = dict(Weekday.choices), dict(Adaptation.choices)
    organisation = opportunity.organisation
    return {
        "code": str(opportunity.code),
        "url": share_url(opportunity),
        "title": opportunity.title,
        "type": {"code": opportunity.type, "label": str(opportunity.get_type_display())},
        "description": opportunity.description,
        "organisation": {
            "name": organisation.name,
            "url": settings.SITE_URL + organisation.get_absolute_url(),
        },
        "municipality": {"code": opportunity.municipality_id, "name": opportunity.municipality.name}
        if opportunity.municipality_id
        else None,
        "kind_of_work": opportunity.service.name if opportunity.service_id else None,
        "occupational_field": occupation_label(opportunity.occupation_code) if opportunity.occupation_code else None,
        "hours_per_week": {"from": opportunity.hours_per_week_min, "up_to": opportunity.hours_per_week_max},
        "times": [{"code": t, "label": str(times.get(t, t))} for t in opportunity.times or []],
        "adaptations": [{"code": a, "label": str(adaptations.get(a, a))} for a in opportunity.adaptations or []],
        "supervisor_on_site": opportunity.supervisor_available,
        "places_left": opportunity.places_available,
        "available_from": opportunity.starts_on.isoformat(),
        "available_until": opportunity.ends_on.isoformat() if opportunity.ends_on else None,
        "last_confirmed": opportunity.refreshed_at.date().isoformat(),
    }


@require_GET
def opportunity_list_json(request: HttpRequest) -> JsonResponse:
    """The list's filters, at most JSON_LIMIT opportunities: for a municipality's or an ASF's own website."""
    _filterset, opportunities = selectors.public_opportunity_list(params=request.GET)
    rows = list(opportunities[: JSON_LIMIT + 1])
    response = JsonResponse(
        {
            "opportunities": [as_json(o) for o in rows[:JSON_LIMIT]],
            "truncated": len(rows) > JSON_LIMIT,
            "list": settings.SITE_URL + reverse("opportunities:list"),
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Access-Control-Allow-Origin"] = "*"  # public data, meant to be shown on other sites
    return response
