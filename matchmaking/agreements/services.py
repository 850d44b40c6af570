"""The agreements registry: IOP, reserved contracts, work-training and framework agreements between
organisations of the network, with their PDF documents. Access, selectors and services.

* Who sees an agreement: members of any of its parties, and coordinators; anyone else gets 404 (list, detail
  and document alike). Every party's member may add documents; only what they could see is ever served.
* Documents (docs/security-checks.md F29–F32): judged by their content, never by name or the browser's content
  type — at most AGREEMENT_DOCUMENT_MAX_BYTES, a PDF that parses, is not encrypted and has no active content
  (JavaScript, Launch actions, embedded files, RichMedia, XFA forms; see kernel/uploads.py). Stored under a
  generated name (`agreements/<uuid4>.pdf`); the uploaded name is kept only as a cleaned display name. The
  media directory is never served: documents go out through matchmaking:agreement_document as attachments
  (nosniff, sandboxed).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import IO, Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from directory.access import Actor, can_edit_organisation
from directory.models import Organisation
from kernel.audit import audit_log
from kernel.uploads import clean_display_name, validate_pdf
from matchmaking.agreements.models import Agreement, AgreementDocument

AGREEMENT_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


# --- Access -----------------------------------------------------------------------------------------------
def agreements_visible_to(actor: Actor) -> QuerySet[Agreement]:
    """The agreements of the förbund the actor acts in: coordinators all, parties' members their own."""
    if not actor.is_authenticated or actor.forbund_id is None:
        return Agreement.objects.none()
    in_forbund = Agreement.objects.filter(forbund_id=actor.forbund_id)
    if actor.is_coordinator:
        return in_forbund
    return in_forbund.filter(
        pk__in=Agreement.parties.through.objects.filter(organisation_id__in=actor.organisation_ids).values(
            "agreement_id"
        )
    )


def agreement_for_user(*, actor: Actor, code: UUID | str) -> Agreement:
    """The agreement, for its parties' members and coordinators; anyone else 404."""
    return get_object_or_404(agreements_visible_to(actor).select_related("created_by"), code=code)


def document_for_user(*, actor: Actor, code: UUID | str, document: UUID | str) -> AgreementDocument:
    agreement = agreement_for_user(actor=actor, code=code)
    return get_object_or_404(AgreementDocument.objects.filter(agreement=agreement), code=document)


def can_change(actor: Actor, agreement: Agreement) -> bool:
    return actor.is_coordinator or any(can_edit_organisation(actor, party) for party in agreement.parties.all())


# --- Selectors ------------------------------------------------------------------------------------------
def agreement_list(actor: Actor, *, kind: str = "") -> QuerySet[Agreement]:
    agreements = agreements_visible_to(actor)
    if kind:
        agreements = agreements.filter(kind=kind)
    return agreements.prefetch_related(
        Prefetch("parties", queryset=Organisation.objects.order_by("name").only("pk", "code", "name", "published"))
    ).order_by("-starts_on", "-id")


# --- Documents --------------------------------------------------------------------------------------------
def check_pdf(upload: IO[bytes], *, size: int | None = None) -> None:
    """Raise ValidationError (a message for the person uploading) unless `upload` is a PDF within limits and
    without active content (kernel.uploads.validate_pdf)."""
    validate_pdf(upload, max_bytes=AGREEMENT_DOCUMENT_MAX_BYTES, size=size)


def _store(upload: IO[bytes]) -> str:
    name = f"agreements/{uuid.uuid4().hex}.pdf"
    upload.seek(0)
    return default_storage.save(name, upload)


def _document_add(*, actor: Actor, agreement: Agreement, upload: UploadedFile) -> AgreementDocument:
    """Check the upload, store it under a generated name, and record it. The file is stored last and
    removed again when anything after that fails, so a refused or failed upload leaves nothing behind."""
    check_pdf(upload, size=getattr(upload, "size", None))
    document = AgreementDocument(
        agreement=agreement,
        name=clean_display_name(getattr(upload, "name", "")),
        size=getattr(upload, "size", 0) or 0,
        uploaded_by=actor.user,
    )
    document.full_clean(exclude=["file"])
    stored = _store(upload)
    try:
        document.file.name = stored
        document.save()
        audit_log(
            actor=actor.user, action="agreement.document.add", target=agreement, data={"document": str(document.code)}
        )
    except BaseException:
        default_storage.delete(stored)
        raise
    return document


# --- Services -------------------------------------------------------------------------------------------
@transaction.atomic
def agreement_create(
    *,
    actor: Actor,
    organisation: Organisation,
    other_parties: Iterable[Organisation],
    data: dict[str, Any],
    document: UploadedFile | None = None,
) -> Agreement:
    """A member of `organisation` (or a coordinator) registers an agreement of `organisation` with
    `other_parties`; optionally with its first document."""
    if not can_edit_organisation(actor, organisation) or actor.forbund_id is None:
        raise PermissionDenied
    agreement = Agreement(created_by=actor.user, forbund_id=actor.forbund_id, **data)
    agreement.full_clean()
    agreement.save()
    agreement.parties.set({organisation, *other_parties})
    audit_log(actor=actor.user, action="agreement.create", target=agreement)
    if document is not None:
        _document_add(actor=actor, agreement=agreement, upload=document)
    return agreement


@transaction.atomic
def agreement_document_add(*, actor: Actor, agreement: Agreement, upload: UploadedFile) -> AgreementDocument:
    if not can_change(actor, agreement):
        raise PermissionDenied
    return _document_add(actor=actor, agreement=agreement, upload=upload)


def agreement_document_read(*, actor: Actor, document: AgreementDocument) -> IO[bytes]:
    audit_log(
        actor=actor.user,
        action="agreement.document.read",
        target=document.agreement,
        data={"document": str(document.code)},
    )
    return default_storage.open(document.file.name, "rb")
