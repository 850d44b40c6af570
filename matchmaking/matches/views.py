"""A placement (match): proposing a need for an opportunity (the officer), then its pipeline buttons:
accept / decline with a reason (the host), start and end (either side), with an outcome when the raising
officer ends it.

Who sees what: the raising organisation's officers and coordinators see the participant's details; the
hosting organisation sees the code, hours, times, adaptation categories and the earliest start, never a
sensitive field or the need's free text. Anyone else: 404 (`match_for_user`). The services decide who may
press which button (PermissionDenied → 403) and refuse a transition that someone else made first."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kernel.forms import act, errors_to_form, form_page, posted
from matchmaking import selectors, services
from matchmaking.access import match_for_user, need_for_user, opportunity_for_user, sees_participant_details
from matchmaking.matches.forms import DeclineForm, EndForm, StartForm
from matchmaking.models import Match, MatchStatus, Opportunity
from matchmaking.occupations import occupation_label


def _render(request: HttpRequest, match: Match, **bound: forms.Form) -> HttpResponse:
    view = selectors.match_view(actor=request.actor, match=match)
    need = match.need
    context = {
        "view": view,
        "match": match,
        "need": need,
        "participant": need.participant,
        "opportunity": match.opportunity,
        "services": list(need.services.all()),
        "occupations": [occupation_label(code) for code in need.occupation_codes],
        "decline_form": bound.get("decline_form") or DeclineForm(),
        "start_form": bound.get("start_form") or StartForm(earliest_start=need.earliest_start),
        "end_form": bound.get("end_form") or EndForm(with_outcome=view.full),
    }
    return render(request, "matchmaking/matches/detail.html", context)


def _done(request: HttpRequest, match: Match, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(match)


def _refused(request: HttpRequest, match: Match, error: ValidationError) -> HttpResponse:
    messages.error(request, " ".join(error.messages))
    return redirect(match)


def _shown_again(request: HttpRequest, match: Match, **bound: forms.Form) -> HttpResponse:
    """The page again with a refused form (invalid, or refused by the service): the match as stored (a service
    may have moved the match in memory before it refused; its transaction was rolled back)."""
    match.refresh_from_db()
    return _render(request, match, **bound)


def _step(
    request: HttpRequest,
    match: Match,
    form: forms.Form,
    step: Callable[[], object],
    *,
    form_name: str,
    done: str,
    ask_again: Callable[[], forms.Form] | None = None,
) -> HttpResponse:
    """A pipeline button posted with a form (start, end), shown on the match's page as `form_name`. A valid
    form goes to `step` (the service); when it did its work, `done` is flashed and the page opened again. A
    refusal of the form's values (a ValidationError naming fields) shows the page with those errors on the form,
    or on `ask_again()` when the service's answer needs another question; a refusal of the step itself (someone
    else moved the placement first) is flashed. An invalid form shows the page with its errors."""
    if not form.is_valid():
        return _render(request, match, **{form_name: form})
    try:
        step()
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            return _refused(request, match, error)
        if ask_again is not None:
            form = ask_again()
            form.is_valid()
        errors_to_form(form, error)
        return _shown_again(request, match, **{form_name: form})
    return _done(request, match, done)


@login_required
@require_GET
def match_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _render(request, match_for_user(actor=request.actor, code=code))


@login_required
@require_POST
def match_accept(request: HttpRequest, code: str) -> HttpResponse:
    match = match_for_user(actor=request.actor, code=code)
    try:
        services.match_accept(actor=request.actor, match=match)
    except ValidationError as error:
        match.refresh_from_db()
        if (
            match.status == MatchStatus.PROPOSED
            and not Opportunity.objects.filter(pk=match.opportunity_id, places_available__gt=0).exists()
        ):
            messages.error(
                request,
                _(
                    "The last place on “%(title)s” has just been taken, so this proposal cannot be accepted. "
                    "Add a place to the opportunity, or decline so that the officer can look for another."
                )
                % {"title": match.opportunity.title},
            )
            return redirect(match)
        return _refused(request, match, error)
    return _done(request, match, _("You accepted the proposal. The officer is told by e-mail."))


@login_required
@require_POST
def match_decline(request: HttpRequest, code: str) -> HttpResponse:
    match = match_for_user(actor=request.actor, code=code)
    form = DeclineForm(posted(request))
    return form_page(
        request,
        form,
        lambda: services.match_decline(actor=request.actor, match=match, **form.cleaned_data),
        success=_("You declined the proposal. The officer is told by e-mail."),
        then=match.get_absolute_url(),
        page=lambda: _shown_again(request, match, decline_form=form),
    )


@login_required
@require_POST
def match_start(request: HttpRequest, code: str) -> HttpResponse:
    match = match_for_user(actor=request.actor, code=code)
    asked = "start_early" in request.POST  # the form asked for a confirmation of an early start
    form = StartForm(request.POST, earliest_start=match.need.earliest_start, confirm_early=asked)
    return _step(
        request,
        match,
        form,
        lambda: services.match_start(
            actor=request.actor,
            match=match,
            started_on=form.cleaned_data["started_on"],
            start_early=form.cleaned_data.get("start_early", False),
        ),
        form_name="start_form",
        done=_("The placement has started."),
        # A start before the earliest start date: ask again, with the box that confirms it.
        ask_again=lambda: StartForm(request.POST, earliest_start=match.need.earliest_start, confirm_early=True),
    )


@login_required
@require_POST
def match_end(request: HttpRequest, code: str) -> HttpResponse:
    match = match_for_user(actor=request.actor, code=code)
    form = EndForm(request.POST, with_outcome=sees_participant_details(request.actor, match.need.participant))
    return _step(
        request,
        match,
        form,
        lambda: services.match_end(
            actor=request.actor,
            match=match,
            ended_on=form.cleaned_data["ended_on"],
            note=form.cleaned_data["note"],
            # Only the raising officer (or a coordinator) records an outcome; a host's form has no such field.
            outcome=form.cleaned_data.get("outcome") or None,
        ),
        form_name="end_form",
        done=_("The placement has ended."),
    )


@login_required
@require_POST
def match_propose(request: HttpRequest, code: str, opportunity: str) -> HttpResponse:
    """Propose the need for an opportunity. Back to the page the officer came from (need or opportunity)."""
    need = need_for_user(actor=request.actor, code=code)
    target = opportunity_for_user(actor=request.actor, code=opportunity)
    act(
        request,
        lambda: services.match_propose(actor=request.actor, need=need, opportunity=target),
        success=_("%(code)s was proposed for “%(title)s”. %(organisation)s is told by e-mail.")
        % {"code": need.participant.code, "title": target.title, "organisation": target.organisation.name},
    )
    if request.POST.get("back") == "opportunity":
        return redirect("matchmaking:opportunity_needs", code=target.code)
    return redirect(need)
