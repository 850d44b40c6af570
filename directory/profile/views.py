"""Profile upkeep pages: logo, certifications (their evidence and the coordinators' decision), history,
confirmation and verification.

Members of the organisation and coordinators reach them (`organisation_for_user(write=True)`: anyone
else gets 404, even for a published organisation); verification is for coordinators only (403 for anyone
else who may see the organisation), and so is deciding on a certification (403 for the organisation's
members, 404 for everyone else). Logos are served only through `logo_image`, evidence only through
`certification_evidence_file`, never from the media directory."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from directory import selectors, services
from directory.access import coordinator_required, organisation_for_user
from directory.models import Certification
from directory.profile import services as profile_services
from directory.profile.forms import CertificationForm, Decision, DecisionForm, EvidenceForm, LogoForm
from directory.queues.filters import in_queues_of
from kernel.downloads import attachment, inline_image, stored_file
from kernel.forms import act, form_page, posted, submit
from kernel.pagination import paginate

HISTORY_PAGE_SIZE = 50


# --- Logo ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def logo(request: HttpRequest, code: str) -> HttpResponse:
    organisation = organisation_for_user(actor=request.actor, code=code, write=True)
    form = LogoForm(posted(request), request.FILES or None)
    # The service refuses the logo when the rest of the stored profile does not validate.
    return form_page(
        request,
        form,
        lambda: profile_services.organisation_logo_set(
            actor=request.actor, organisation=organisation, png=form.cleaned_data["png"]
        ),
        success=_("The logo was saved."),
        template="directory/profile/logo.html",
        context={"organisation": organisation},
    )


@login_required
@require_POST
def logo_remove(request: HttpRequest, code: str) -> HttpResponse:
    organisation = organisation_for_user(actor=request.actor, code=code, write=True)
    if organisation.logo:
        act(
            request,
            lambda: profile_services.organisation_logo_remove(actor=request.actor, organisation=organisation),
            success=_("The logo was removed."),
        )
    return redirect(organisation)


@require_GET
def logo_image(request: HttpRequest, code: str) -> FileResponse:
    """The logo of an organisation the visitor may see. Always our own re-encoded PNG, sent as such."""
    organisation = organisation_for_user(actor=request.actor, code=code)
    if not organisation.logo:
        raise Http404
    return inline_image(stored_file(organisation.logo), content_type="image/png")


# --- Certifications -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def certifications(request: HttpRequest, code: str) -> HttpResponse:
    organisation = organisation_for_user(actor=request.actor, code=code, write=True)
    form = CertificationForm(posted(request))
    return form_page(
        request,
        form,
        lambda: profile_services.certification_create(
            actor=request.actor, organisation=organisation, **form.cleaned_data
        ),
        success=_("The certification was added."),
        then=lambda cert: redirect("directory:certifications", code=cert.organisation.code),
        template="directory/profile/certifications.html",
        context={
            "organisation": organisation,
            "certifications": organisation.certifications.order_by("kind", "name", "valid_until"),
            "is_coordinator_user": request.actor.is_coordinator,
        },
    )


def _certification_for_user(request: HttpRequest, code: str, certification: str) -> Certification:
    organisation = organisation_for_user(actor=request.actor, code=code, write=True)
    return get_object_or_404(
        Certification.objects.select_related("organisation"), organisation=organisation, code=certification
    )


@login_required
@require_http_methods(["GET", "POST"])
def certification_edit(request: HttpRequest, code: str, certification: str) -> HttpResponse:
    cert = _certification_for_user(request, code, certification)
    organisation = cert.organisation
    form = CertificationForm(posted(request), instance=cert)
    return form_page(
        request,
        form,
        lambda: profile_services.certification_update(actor=request.actor, certification=cert, **form.cleaned_data),
        success=_("The certification was saved."),
        then=lambda saved: redirect("directory:certifications", code=saved.organisation.code),
        template="directory/profile/certification_edit.html",
        context={"organisation": organisation, "cert": cert},
    )


@login_required
@require_POST
def certification_remove(request: HttpRequest, code: str, certification: str) -> HttpResponse:
    cert = _certification_for_user(request, code, certification)
    profile_services.certification_delete(actor=request.actor, certification=cert)
    messages.success(request, _("The certification %(name)s was removed.") % {"name": cert})
    return redirect("directory:certifications", code=cert.organisation.code)


@login_required
@require_http_methods(["GET", "POST"])
def certification_evidence(request: HttpRequest, code: str, certification: str) -> HttpResponse:
    """Members send the evidence of a certification (one PDF); it then awaits a coordinator's approval."""
    cert = _certification_for_user(request, code, certification)
    form = EvidenceForm(posted(request), request.FILES or None)
    return form_page(
        request,
        form,
        lambda: profile_services.certification_evidence_upload(
            actor=request.actor, certification=cert, upload=form.cleaned_data["evidence"]
        ),
        success=_("The evidence was sent. A coordinator will approve or refuse the certification."),
        default_field="evidence",
        then=lambda saved: redirect("directory:certifications", code=saved.organisation.code),
        template="directory/profile/certification_evidence.html",
        context={"organisation": cert.organisation, "cert": cert},
    )


@login_required
@require_GET
def certification_evidence_file(request: HttpRequest, code: str, certification: str) -> FileResponse:
    """The evidence, as a PDF attachment, for the organisation's members and coordinators; anyone else 404."""
    cert = _certification_for_user(request, code, certification)
    if not cert.evidence:
        raise Http404
    try:
        file = profile_services.certification_evidence_read(actor=request.actor, certification=cert)
    except OSError:
        raise Http404 from None
    return attachment(file, filename=cert.evidence_name or "evidence.pdf", content_type="application/pdf")


@login_required
@require_http_methods(["GET", "POST"])
def certification_decide(request: HttpRequest, code: str, certification: str) -> HttpResponse:
    """A coordinator approves or refuses a certification on its evidence. The organisation's members: 403."""
    cert = _certification_for_user(request, code, certification)
    if not request.actor.is_coordinator:
        raise PermissionDenied
    form = DecisionForm(posted(request))
    if cert.is_awaiting_approval and submit(
        request,
        form,
        lambda: profile_services.certification_decide(
            actor=request.actor,
            certification=cert,
            approve=form.cleaned_data["decision"] == Decision.APPROVE,
            reason=form.cleaned_data["reason"],
        ),
        success=_("The decision was saved and the organisation's members are told."),
        default_field="reason",
    ):
        return redirect("directory:certifications_pending")
    return render(
        request,
        "directory/profile/certification_decide.html",
        {"organisation": cert.organisation, "cert": cert, "form": form},
    )


@coordinator_required
@require_GET
def certifications_pending(request: HttpRequest) -> HttpResponse:
    """Coordinators: the certifications whose evidence awaits approval, oldest first: of the organisations in
    the förbund's work queues, as everything a coordinator verifies."""
    awaiting = selectors.certifications_awaiting_approval(in_queues_of(request.actor.forbund))
    page = paginate(request, awaiting, HISTORY_PAGE_SIZE)
    return render(request, "directory/profile/certifications_pending.html", {"page": page})


# --- History, confirmation, verification ----------------------------------------------------------------


@login_required
@require_GET
def history(request: HttpRequest, code: str) -> HttpResponse:
    organisation = organisation_for_user(actor=request.actor, code=code, write=True)
    page = paginate(request, selectors.organisation_history(organisation=organisation), HISTORY_PAGE_SIZE)
    return render(request, "directory/profile/history.html", {"organisation": organisation, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, code: str) -> HttpResponse:
    """GET (the link in the reminder e-mail): a page with the button. POST: the members confirm that the
    details are still correct, which resets the freshness clock."""
    organisation = organisation_for_user(actor=request.actor, code=code, write=True)
    if request.method == "POST":
        services.organisation_confirm(actor=request.actor, organisation=organisation)
        messages.success(request, _("Thank you. The details of %(name)s are confirmed.") % {"name": organisation})
        return redirect(organisation)
    profile = selectors.organisation_profile(organisation=organisation)
    return render(request, "directory/profile/confirm.html", {"organisation": organisation, "profile": profile})


@login_required
@require_POST
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """A coordinator has checked the organisation. Others who may see it: 403; the rest: 404."""
    organisation = organisation_for_user(actor=request.actor, code=code)
    if not request.actor.is_coordinator:
        raise PermissionDenied
    services.organisation_verify(actor=request.actor, organisation=organisation)
    messages.success(request, _("%(name)s is marked as verified.") % {"name": organisation})
    return redirect(organisation)
