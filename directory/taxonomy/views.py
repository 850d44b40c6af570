"""The service taxonomy pages (/directory/taxonomy/): coordinators only (others 403, visitors to login)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from directory.access import coordinator_required, request_actor
from directory.models import ServiceCategory
from directory.taxonomy import selectors, services
from directory.taxonomy.forms import ServiceCategoryForm
from kernel.forms import form_page, posted


@coordinator_required
@require_GET
def category_list(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/taxonomy/list.html", {"categories": selectors.category_list()})


@coordinator_required
@require_http_methods(["GET", "POST"])
def category_create(request: HttpRequest) -> HttpResponse:
    form = ServiceCategoryForm(posted(request))
    return form_page(
        request,
        form,
        lambda: services.category_create(actor=request_actor(request), data=form.data_for_service()),
        success=_("The service category was created."),
        then="directory:taxonomy",
        template="directory/taxonomy/form.html",
        context={"category": None},
    )


@coordinator_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(ServiceCategory, slug=slug)
    form = ServiceCategoryForm(posted(request), instance=category)
    return form_page(
        request,
        form,
        lambda: services.category_update(actor=request_actor(request), category=category, data=form.data_for_service()),
        success=_("The service category was saved."),
        then="directory:taxonomy",
        template="directory/taxonomy/form.html",
        context={"category": category},
    )


@coordinator_required
@require_POST
def category_delete(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(ServiceCategory, slug=slug)
    try:
        services.category_delete(actor=request_actor(request), category=category)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("directory:taxonomy_edit", slug=category.slug)
    messages.success(request, _("%(name)s was deleted.") % {"name": category.name})
    return redirect("directory:taxonomy")
