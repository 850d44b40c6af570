"""The organiser writes to a group of the event's registered people; the messages sent so far."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from events import messaging, selectors
from events.messaging.forms import MessageForm
from kernel.forms import posted, submit


@login_required
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code, write=True)
    form = MessageForm(posted(request), approval=event.requires_approval)
    if saved := submit(
        request,
        form,
        lambda: messaging.message_send(actor=request.actor, event=event, **form.message_data()),
    ):
        count = saved.value.recipient_count
        messages.success(
            request,
            ngettext(
                "The message is on its way to %(count)s person.",
                "The message is on its way to %(count)s people.",
                count,
            )
            % {"count": count},
        )
        return redirect("events:messages", code=event.code)
    context = {"event": event, "form": form, "sent": selectors.event_messages(event=event)}
    return render(request, "events/messaging/messages.html", context)
