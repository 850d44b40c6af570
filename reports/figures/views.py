"""Key figures (/figures/): coordinators only (others 403, anonymous → login)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from directory.access import coordinator_required, request_actor
from reports.figures import selectors


@coordinator_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    figures = selectors.key_figures(forbund_id=request_actor(request).require_forbund_id())
    return render(request, "reports/figures/index.html", {"figures": figures, "charts": selectors.charts(figures)})
