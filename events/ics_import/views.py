"""Importing an organiser's calendar file: /events/import/ for members of an organisation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
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
        counts = [
            ngettext("%(count)d new draft event", "%(count)d new draft events", result.created),
            ngettext("%(count)d updated", "%(count)d updated", result.updated),
            ngettext("%(count)d unchanged", "%(count)d unchanged", result.unchanged),
            ngettext("%(count)d cancelled", "%(count)d cancelled", result.cancelled),
        ]
        numbers = [result.created, result.updated, result.unchanged, result.cancelled]
        parts = ", ".join(text % {"count": number} for text, number in zip(counts, numbers, strict=True))
        messages.success(request, _("The calendar was imported: %(parts)s.") % {"parts": parts})
        return redirect("events:ics_import")
    return render(request, "events/ics_import/import.html", {"form": form})
