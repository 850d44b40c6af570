"""Merging duplicates, for coordinators: find the duplicate of an organisation, see what will move, merge.
Anyone else gets 404 (the pages do not exist for them); anonymous visitors are sent to log in."""

from __future__ import annotations

import contextlib
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from directory.merge import services
from directory.merge.forms import DuplicateSearchForm
from directory.models import Organisation
from kernel.forms import act

CANDIDATES_SHOWN = 20


def _for_coordinator(request: HttpRequest, code: str) -> Organisation:
    if not request.actor.is_coordinator:
        raise Http404
    return get_object_or_404(Organisation, code=code)


def _candidates(keep: Organisation, query: str) -> QuerySet[Organisation]:
    query = query.strip()
    if not query:
        return Organisation.objects.none()
    match = Q(name__icontains=query) | Q(legal_name__icontains=query) | Q(orgnr=query.replace("-", "").replace(" ", ""))
    with contextlib.suppress(ValueError):
        match |= Q(code=uuid.UUID(query))
    return Organisation.objects.filter(match).exclude(pk=keep.pk).select_related("kommunkod").order_by("name")


@login_required
@require_GET
def merge(request: HttpRequest, code: str) -> HttpResponse:
    keep = _for_coordinator(request, code)
    form = DuplicateSearchForm(request.GET or None)
    candidates = _candidates(keep, form.cleaned_data["q"])[:CANDIDATES_SHOWN] if form.is_valid() else []
    return render(
        request, "directory/merge/search.html", {"organisation": keep, "form": form, "candidates": candidates}
    )


@login_required
@require_http_methods(["GET", "POST"])
def merge_confirm(request: HttpRequest, code: str, duplicate: str) -> HttpResponse:
    keep = _for_coordinator(request, code)
    other = get_object_or_404(Organisation, code=duplicate)
    if other.pk == keep.pk:
        messages.error(request, _("An organisation cannot be merged into itself. Choose another organisation."))
        return redirect("directory:merge", code=keep.code)
    if request.method == "POST":
        name = other.name
        if act(
            request,
            lambda: services.organisation_merge(actor=request.actor, keep=keep, duplicate=other),
            success=_("%(duplicate)s was merged into %(kept)s.") % {"duplicate": name, "kept": keep.name},
        ):
            return redirect(keep)
        return redirect("directory:merge", code=keep.code)
    context = {
        "organisation": keep,
        "duplicate": other,
        "preview": services.merge_preview(keep=keep, duplicate=other),
    }
    return render(request, "directory/merge/confirm.html", context)
