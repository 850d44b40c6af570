"""The organiser accepts or refuses a registration awaiting approval (from the registrations page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events import approval, selectors
from events.approval.forms import DecisionForm
from events.models import RegistrationStatus
from kernel.forms import act, valid_or_flash


@login_required
@require_POST
def decide(request: HttpRequest, code: str, registration: str) -> HttpResponse:
    """Accept (a place, or the waiting list when the event is full) or refuse, with an optional message."""
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    target = selectors.awaiting_registration(event=event, code=registration)
    form = DecisionForm(request.POST)
    if not valid_or_flash(request, form):
        return redirect("events:attendance", code=event.code)
    message = form.cleaned_data["message"]
    name = target.display_name
    if form.cleaned_data["decision"] == "accept":
        try:
            decided = approval.registration_accept(actor=request.actor, registration=target, message=message)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if decided.status == RegistrationStatus.CONFIRMED:
                messages.success(request, _("%(name)s is accepted and has a place.") % {"name": name})
            else:
                messages.warning(
                    request,
                    _(
                        "%(name)s is accepted, but the event is full: they are on the waiting list and will be "
                        "offered the next free place."
                    )
                    % {"name": name},
                )
    else:
        act(
            request,
            lambda: approval.registration_refuse(actor=request.actor, registration=target, message=message),
            success=_("%(name)s is told that the registration was not accepted.") % {"name": name},
        )
    return redirect("events:attendance", code=event.code)
