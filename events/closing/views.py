"""The closing report of an event: the organiser's members and coordinators write it after the event and
finalise it; the finalised report is read-only. Outside scope → 404."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from directory.models import Municipality, OrganisationKind
from events import selectors
from events.closing import services
from events.closing.forms import ClosingReportForm
from events.closing.selectors import UNKNOWN, closing_report_of, event_figures
from events.models import ClosingReport, Event
from kernel.forms import form_page, posted


def _labelled(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures with readable group names (organisation kinds, municipality names) for the page."""
    kinds = dict(OrganisationKind.choices)
    codes = [code for code in figures["by_municipality"] if code != UNKNOWN]
    municipalities = dict(Municipality.objects.filter(code__in=codes).values_list("code", "name"))
    not_given = _("Not given")
    return {
        **figures,
        "kind_rows": [(str(kinds.get(k, not_given)), n) for k, n in figures["by_organisation_kind"].items()],
        "municipality_rows": [(municipalities.get(c, not_given), n) for c, n in figures["by_municipality"].items()],
    }


@login_required
@require_http_methods(["GET", "POST"])
def closing_report(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    report = closing_report_of(event)
    if report is not None and report.is_final:
        return _report_page(request, event, report, form=None)
    form = ClosingReportForm(posted(request), instance=report)
    return form_page(
        request,
        form,
        lambda: services.closing_report_save(
            actor=request.actor,
            event=event,
            minutes=form.cleaned_data["minutes"],
            follow_ups=form.cleaned_data["follow_ups"],
            finalise="finalise" in request.POST,
        ),
        success=_("The closing report is finalised.") if "finalise" in request.POST else _("The draft is saved."),
        then=lambda _: redirect("events:closing_report", code=event.code),
        page=lambda: _report_page(request, event, report, form=form),
    )


def _report_page(
    request: HttpRequest, event: Event, report: ClosingReport | None, *, form: ClosingReportForm | None
) -> HttpResponse:
    """The report page: a finalised report to read with the figures it kept, or the form (`form`) with the
    event's figures as they are now."""
    final = report is not None and report.is_final
    figures = report.figures if final and report is not None else event_figures(event=event)
    context = {
        "event": event,
        "report": report,
        "final": final,
        "form": form,
        "figures": _labelled(figures),
        "ended": event.end <= timezone.now(),
    }
    return render(request, "events/closing/report.html", context)
