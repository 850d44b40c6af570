"""Registering for an event through its page: one click for a member, a group of colleagues, a guest by
e-mail (rate limited); leaving, accepting an offered place, and the link in the e-mail (a GET never changes
anything). The event page itself is rendered by events/views.py."""

from __future__ import annotations

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from events import selectors, services
from events.models import Audience, EventStatus, Registration, RegistrationStatus
from events.registration.forms import GroupRegistrationForm, GuestRegistrationForm, RegistrationForm
from events.registration.page import group_prefix, render_event_page
from kernel.forms import act, submit

GUEST_RATE_LIMIT = "events_guest_registration"


@login_required
@require_POST
def register(request: HttpRequest, code: str) -> HttpResponse:
    """One click: the logged-in member registers (or joins the waiting list when the event is full)."""
    event = selectors.event_for_user(actor=request.actor, code=code)
    form = RegistrationForm(
        request.POST, organisations=request.actor.organisations, questions=list(event.questions.all())
    )
    if saved := submit(
        request, form, lambda: services.registration_create(actor=request.actor, event=event, **form.cleaned_data)
    ):
        if saved.value.status == RegistrationStatus.WAITLISTED:
            messages.info(
                request,
                _("The event is full, so you are on the waiting list. We e-mail you if a place becomes free."),
            )
        elif saved.value.status == RegistrationStatus.AWAITING_APPROVAL:
            messages.info(
                request,
                _("Your registration is sent. The organiser approves each registration; we e-mail you the answer."),
            )
        else:
            messages.success(request, _("You are registered. A confirmation is on its way to your e-mail."))
        return redirect(event)
    return render_event_page(request, event, register_form=form)


@login_required
@require_POST
def register_group(request: HttpRequest, code: str) -> HttpResponse:
    """Register several colleagues from one of the user's organisations."""
    event = selectors.event_for_user(actor=request.actor, code=code)
    organisation_code = request.POST.get("organisation", "")
    page = selectors.event_page(event=event, actor=request.actor)
    organisation = next((o for o in page.colleagues if str(o.code) == organisation_code), None)
    if organisation is None:
        messages.error(request, _("There is nobody left to register from that organisation."))
        return redirect(event)
    form = GroupRegistrationForm(
        request.POST, colleagues=page.colleagues[organisation], prefix=group_prefix(organisation)
    )
    if saved := submit(
        request,
        form,
        lambda: services.registration_create_group(
            actor=request.actor, event=event, organisation=organisation, users=form.cleaned_data["colleagues"]
        ),
    ):
        messages.success(
            request,
            ngettext(
                "%(count)s colleague was registered and gets an e-mail.",
                "%(count)s colleagues were registered. Each of them gets an e-mail.",
                len(saved.value),
            )
            % {"count": len(saved.value)},
        )
        return redirect(event)
    return render_event_page(request, event, group_form=(str(organisation.code), form))


@require_POST
def register_guest(request: HttpRequest, code: str) -> HttpResponse:
    """A visitor without an account registers for a public event with name and e-mail; the place is held
    only after they follow the link in the e-mail."""
    event = selectors.event_for_user(actor=request.actor, code=code)
    if request.actor.is_authenticated:
        messages.info(request, _("You are logged in: register with your account instead."))
        return redirect(event)
    if event.audience != Audience.PUBLIC:
        raise PermissionDenied
    form = GuestRegistrationForm(request.POST, questions=list(event.questions.all()))
    if form.is_valid() and not ratelimit.consume(
        request, action=GUEST_RATE_LIMIT, key=form.cleaned_data["email"].strip().lower()
    ):
        # Each registration e-mails the given address: limited per address and per client (ACCOUNT_RATE_LIMITS).
        form.add_error(None, _("Too many registrations from here or for this address just now. Try again later."))
        return render_event_page(request, event, guest_form=form, status=429)
    language = (get_language() or "sv")[:2]
    if submit(
        request, form, lambda: services.registration_create_guest(event=event, language=language, **form.cleaned_data)
    ):
        messages.success(
            request,
            _("Almost done: we sent a link to %(email)s. Your registration counts once you have followed it.")
            % {"email": form.cleaned_data["email"]},
        )
        return redirect(event)
    return render_event_page(request, event, guest_form=form)


@login_required
@require_POST
def unregister(request: HttpRequest, code: str) -> HttpResponse:
    """Cancel one's own registration or leave the waiting list (also declines an offered place)."""
    event = selectors.event_for_user(actor=request.actor, code=code)
    registration = selectors.own_registration(event=event, actor=request.actor)
    if registration is None:
        messages.info(request, _("You are not registered for this event."))
    elif event.end < timezone.now():
        messages.error(request, _("The event is over; the registration can no longer be changed."))
    else:
        was_waiting = registration.status == RegistrationStatus.WAITLISTED
        services.registration_cancel(registration=registration, actor=request.actor)
        if was_waiting:
            messages.success(request, _("You have left the waiting list."))
        else:
            messages.success(request, _("Your registration is cancelled."))
    return redirect(event)


@login_required
@require_POST
def accept_offer(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.event_for_user(actor=request.actor, code=code)
    registration = selectors.own_registration(event=event, actor=request.actor)
    if registration is None or registration.status != RegistrationStatus.OFFERED:
        messages.info(request, _("There is no place waiting for your answer."))
    else:
        act(
            request,
            lambda: services.offer_accept(registration=registration),
            success=_("The place is yours. See you there!"),
        )
    return redirect(event)


# --- The link in an e-mail ------------------------------------------------------------------------------
LINK_ACTIONS = {
    RegistrationStatus.PENDING: ("confirm", "cancel"),
    RegistrationStatus.OFFERED: ("accept", "cancel"),
    RegistrationStatus.CONFIRMED: ("cancel",),
    RegistrationStatus.WAITLISTED: ("cancel",),
    RegistrationStatus.AWAITING_APPROVAL: ("cancel",),
}


def _link_actions(registration: Registration) -> tuple[str, ...]:
    event = registration.event
    if event.status != EventStatus.PUBLISHED or event.end < timezone.now():
        return ()
    return LINK_ACTIONS.get(registration.status, ())


LINK_DONE = {
    "confirm": gettext_lazy("Thank you, your registration is confirmed."),
    "accept": gettext_lazy("The place is yours. See you there!"),
    "cancel": gettext_lazy("Done: you no longer have a place or a place in the queue at this event."),
}


@never_cache
@require_http_methods(["GET", "POST"])
def registration_link(request: HttpRequest, token: str) -> HttpResponse:
    """What a link in a registration e-mail does: GET shows it, a POST button does it (so a mail scanner
    that follows links changes nothing)."""
    registration = services.registration_by_token(token)
    if registration is None:
        return render(request, "events/registration/link_invalid.html", status=404)
    actions = _link_actions(registration)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in actions:
            messages.error(request, _("That cannot be done with this registration any more."))
            status = 400
        else:
            try:
                if action == "confirm":
                    registration = services.registration_confirm_guest(registration=registration)
                elif action == "accept":
                    registration = services.offer_accept(registration=registration)
                else:
                    registration = services.registration_cancel(registration=registration)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                status = 400
            else:
                if action == "confirm" and registration.status == RegistrationStatus.WAITLISTED:
                    messages.info(request, _("The event is full, so you are on the waiting list."))
                elif action == "confirm" and registration.status == RegistrationStatus.AWAITING_APPROVAL:
                    messages.info(
                        request, _("Thank you. The organiser approves each registration; we e-mail you the answer.")
                    )
                else:
                    messages.success(request, LINK_DONE[action])
                return redirect("events:registration_link", token=token)
    context = {"registration": registration, "event": registration.event, "actions": actions}
    return render(request, "events/registration/link.html", context, status=status)
