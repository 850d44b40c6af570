"""Participants and their needs: raising and editing a participant, outcomes, needs with their ranked
suggestions (proposing a need for an opportunity: matchmaking/matches/views.py).

Access: participants and needs exist only for the raising organisation's officers and coordinators
(`participant_for_user` / `need_for_user`, audited; anyone else 404). Raising a participant is for officers
of a municipality or agency and coordinators (anyone else 403)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from directory.access import Actor, Role, raising_organisations, role_required
from directory.models import Organisation
from kernel.forms import form_page, posted
from matchmaking import selectors, services
from matchmaking.access import need_for_user, participant_for_user
from matchmaking.models import FundedProject, Participant
from matchmaking.participants.forms import NeedForm, OutcomeForm, ParticipantCreateForm, ParticipantEditForm


# --- Participants -------------------------------------------------------------------------------------------
def _raising_organisations(actor: Actor) -> QuerySet[Organisation]:
    return raising_organisations(actor)


@role_required(Role.OFFICER)
@require_http_methods(["GET", "POST"])
def participant_create(request: HttpRequest) -> HttpResponse:
    projects = FundedProject.objects.visible_to(request.actor)
    form = ParticipantCreateForm(
        posted(request), organisations=_raising_organisations(request.actor), projects=projects
    )

    def added(participant: Participant) -> HttpResponse:
        """The message names the new participant's code; the officer goes on to describe the need."""
        messages.success(
            request,
            _("Participant %(code)s was added. Next, describe what the person needs.") % {"code": participant.code},
        )
        return redirect("matchmaking:need_create", code=participant.code)

    return form_page(
        request,
        form,
        lambda: services.participant_create(
            actor=request.actor,
            project=form.cleaned_data["project"],
            organisation=form.cleaned_data["organisation"],
            data=form.data_for_service(),
        ),
        then=added,
        template="matchmaking/participants/form.html",
        context={"creating": True, "has_projects": projects.exists()},
    )


@login_required
@require_GET
def participant_detail(request: HttpRequest, code: str) -> HttpResponse:
    participant = participant_for_user(actor=request.actor, code=code)
    context = {
        "participant": participant,
        "participant_age": participant.age_on(participant.entry_date),
        "profile": selectors.participant_profile(participant=participant),
    }
    return render(request, "matchmaking/participants/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def participant_edit(request: HttpRequest, code: str) -> HttpResponse:
    participant = participant_for_user(actor=request.actor, code=code, purpose="edit")
    form = ParticipantEditForm(posted(request), instance=participant)

    def page() -> HttpResponse:
        if form.is_bound:
            participant.refresh_from_db()  # the page shows the stored details beside the refused form
        return render(
            request, "matchmaking/participants/form.html", {"form": form, "participant": participant, "creating": False}
        )

    return form_page(
        request,
        form,
        lambda: services.participant_update(actor=request.actor, participant=participant, data=form.data_for_service()),
        success=_("The participant's details were saved."),
        then=reverse("matchmaking:participant_detail", kwargs={"code": participant.code}),
        page=page,
    )


@login_required
@require_http_methods(["GET", "POST"])
def outcome_create(request: HttpRequest, code: str) -> HttpResponse:
    participant = participant_for_user(actor=request.actor, code=code, purpose="outcome")
    # "Add what improved" on the participant's page opens the form on the incomplete event's kind and date.
    initial = {key: request.GET[key] for key in ("event", "date") if key in request.GET}
    form = OutcomeForm(posted(request), initial=initial)
    return form_page(
        request,
        form,
        lambda: services.outcome_record(actor=request.actor, participant=participant, **form.cleaned_data),
        success=_("The labour-market event was recorded."),
        then=reverse("matchmaking:participant_detail", kwargs={"code": participant.code}),
        template="matchmaking/participants/outcome_form.html",
        context={"participant": participant},
    )


# --- Needs --------------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def need_create(request: HttpRequest, code: str) -> HttpResponse:
    participant = participant_for_user(actor=request.actor, code=code, purpose="need")
    form = NeedForm(posted(request), participant=participant)
    return form_page(
        request,
        form,
        lambda: services.need_create(
            actor=request.actor,
            participant=participant,
            data=form.data_for_service(),
            services=form.cleaned_data["services"],
        ),
        success=_("The need was saved. Here are the placements that fit it best."),
        template="matchmaking/participants/need_form.html",
        context={"participant": participant},
    )


@login_required
@require_GET
def need_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The need with its ranked suggestions: score, what fits and what does not, in words."""
    need = need_for_user(actor=request.actor, code=code)
    context = {
        "need": need,
        "participant": need.participant,
        "services": list(need.services.all()),
        "suggestions": selectors.need_suggestions(need=need),
        "matches": list(need.matches.select_related("opportunity__organisation").order_by("-created_at")),
    }
    return render(request, "matchmaking/participants/need_detail.html", context)
