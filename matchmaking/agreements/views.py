"""The agreements registry: list, create, detail (with document upload) and document download, for members of
a party organisation and coordinators; anyone else 404. Access: matchmaking.agreements.services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from directory.access import organisations_to_act_for
from directory.models import Organisation
from kernel.downloads import attachment
from kernel.forms import form_page, posted
from kernel.pagination import paginate
from matchmaking.agreements import services
from matchmaking.agreements.forms import AgreementDocumentForm, AgreementFilterForm, AgreementForm

PAGE_SIZE = 25


@login_required
@require_GET
def agreement_list(request: HttpRequest) -> HttpResponse:
    form = AgreementFilterForm(request.GET or None)
    kind = form.cleaned_data.get("kind", "") if request.GET and form.is_valid() else ""
    page = paginate(request, services.agreement_list(request.actor, kind=kind), PAGE_SIZE, keep=("kind",))
    return render(request, "matchmaking/agreements/list.html", {"form": form, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest) -> HttpResponse:
    organisations = organisations_to_act_for(request.actor)
    form = AgreementForm(
        posted(request),
        request.FILES or None,
        organisations=organisations,
        parties=Organisation.objects.visible_to(request.actor).order_by("name"),
    )
    return form_page(
        request,
        form,
        lambda: services.agreement_create(
            actor=request.actor,
            organisation=form.cleaned_data["organisation"],
            other_parties=form.cleaned_data["other_parties"],
            data={name: form.cleaned_data[name] for name in AgreementForm.Meta.fields},
            document=form.cleaned_data.get("document"),
        ),
        success=_("The agreement was registered."),
        template="matchmaking/agreements/create.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The agreement with its parties and documents; a POST adds a document."""
    agreement = services.agreement_for_user(actor=request.actor, code=code)
    form = AgreementDocumentForm(posted(request), request.FILES or None)
    if request.method == "POST" and not services.can_change(request.actor, agreement):
        raise PermissionDenied
    return form_page(
        request,
        form,
        lambda: services.agreement_document_add(
            actor=request.actor, agreement=agreement, upload=form.cleaned_data["document"]
        ),
        success=_("The document was added."),
        default_field="document",
        then=agreement.get_absolute_url(),
        template="matchmaking/agreements/detail.html",
        context={
            "agreement": agreement,
            "parties": agreement.parties.order_by("name"),
            "documents": agreement.documents.select_related("uploaded_by"),
        },
    )


@login_required
@require_GET
def agreement_document(request: HttpRequest, code: str, document: str) -> FileResponse:
    """A document of an agreement the user may see, as a PDF attachment; anything else 404."""
    doc = services.document_for_user(actor=request.actor, code=code, document=document)
    try:
        file = services.agreement_document_read(actor=request.actor, document=doc)
    except OSError:
        raise Http404 from None
    return attachment(file, filename=doc.name, content_type="application/pdf")
