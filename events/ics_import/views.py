"""Importing an organiser's calendar file: /events/import/ for members of an organisation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from events import ics_import as services
from events.ics_import.forms import IcsImportForm
from kernel.forms import submit


@login_required
@require_http_methods(["GET", "POST"])
def import_calendar(request: HttpRequest) -> HttpResponse:
    form = IcsImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        actor=request.actor,
    )
    if not form.fields["organiser"].queryset.exists():
        raise PermissionDenied
    if saved := submit(
        request,
        form,
        lambda: services.ics_import(
            actor=request.actor, organiser=form.cleaned_data["organiser"], content=form.content()
        ),
        default_field="file",
    ):
        result = saved.value
        messages.success(
            request,
            _(
                "The calendar was imported: %(created)d new draft events, %(updated)d updated, "
                "%(unchanged)d unchanged, %(cancelled)d cancelled."
            )
            % result.__dict__,
        )
        return redirect("events:ics_import")
    return render(request, "events/ics_import/import.html", {"form": form})
