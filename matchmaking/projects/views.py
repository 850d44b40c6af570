"""Funded projects (/matchmaking/projects/): coordinators only (others 403, visitors to login)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from directory.access import coordinator_required, request_actor
from kernel.forms import form_page, posted
from matchmaking.models import FundedProject
from matchmaking.projects import selectors, services
from matchmaking.projects.forms import FundedProjectForm


@coordinator_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    return render(request, "matchmaking/projects/list.html", {"projects": selectors.project_list(request.actor)})


@coordinator_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    form = FundedProjectForm(posted(request))
    return form_page(
        request,
        form,
        lambda: services.project_create(actor=request_actor(request), data=form.data_for_service()),
        success=_("The project was created."),
        then="matchmaking:project_list",
        template="matchmaking/projects/form.html",
        context={"project": None},
    )


@coordinator_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, code: str) -> HttpResponse:
    project = get_object_or_404(FundedProject.objects.visible_to(request_actor(request)), code=code)
    form = FundedProjectForm(posted(request), instance=project)
    return form_page(
        request,
        form,
        lambda: services.project_update(actor=request_actor(request), project=project, data=form.data_for_service()),
        success=_("The project was saved."),
        then="matchmaking:project_list",
        template="matchmaking/projects/form.html",
        context={"project": project},
    )
