from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from asfnet.access import memberships, role_of


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Starting point for matchmaking: what this person can do here depends on their role."""
    return render(
        request,
        "matchmaking/index.html",
        {"role": role_of(request.user), "my_memberships": memberships(request.user)},
    )
