"""Importing an organiser's calendar (a file or its address): /events/import/ for members of an organisation."""

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
from events.ics_import.services import ImportResult
from kernel.forms import posted, submit


def _import(request: HttpRequest, form: IcsImportForm) -> ImportResult:
    organiser = form.cleaned_data["organiser"]
    if form.source_field() == "url":
        return services.ics_import_url(actor=request.actor, organiser=organiser, url=form.cleaned_data["url"])
    return services.ics_import(actor=request.actor, organiser=organiser, content=form.content())


@login_required
@require_http_methods(["GET", "POST"])
def import_calendar(request: HttpRequest) -> HttpResponse:
    form = IcsImportForm(posted(request), request.FILES or None, actor=request.actor)
    if not form.fields["organiser"].queryset.exists():
        raise PermissionDenied
    source = "url" if request.POST.get("url", "").strip() else "file"  # where the import's refusals are shown
    if saved := submit(request, form, lambda: _import(request, form), default_field=source):
        result = saved.value
        counts = [
            ngettext("%(count)d new draft event", "%(count)d new draft events", result.created),
            ngettext("%(count)d updated", "%(count)d updated", result.updated),
            ngettext("%(count)d unchanged", "%(count)d unchanged", result.unchanged),
            ngettext("%(count)d cancelled", "%(count)d cancelled", result.cancelled),
        ]
        numbers = [result.created, result.updated, result.unchanged, result.cancelled]
        if result.kept_cancelled:
            counts.append(
                ngettext(
                    "%(count)d left as it is because it is cancelled here",
                    "%(count)d left as they are because they are cancelled here",
                    result.kept_cancelled,
                )
            )
            numbers.append(result.kept_cancelled)
        parts = ", ".join(text % {"count": number} for text, number in zip(counts, numbers, strict=True))
        messages.success(request, _("The calendar was imported: %(parts)s.") % {"parts": parts})
        return redirect("events:ics_import")
    return render(request, "events/ics_import/import.html", {"form": form})
