from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from asfnet.access import coordinator_required


@never_cache
@coordinator_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Funder reports: coordinators only."""
    return render(request, "reports/index.html")
