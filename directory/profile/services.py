"""Writes for the upkeep of an organisation's profile beyond the edit form: the logo and certifications.
Same shape as directory.services: atomic, keyword-only, full_clean(), a history row and an audit row in
the same transaction, the search index kept current.

A certification counts ("certified": badges, the search facet, reserved contracts, the API) only when a
coordinator has approved it on its evidence and it is within its validity (CertificationQuerySet.valid):

* members add a certification (pending) and send its evidence, one PDF (kernel.uploads.validate_pdf); the
  coordinators are told once, when it starts awaiting approval — a replaced file while it waits tells nobody;
* a change of kind, name or date by anyone puts it back to pending: an approval covers what was approved;
* coordinators approve or refuse (with a reason) a certification awaiting approval; a compare-and-swap on
  the status decides it once, and the organisation's members are told."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from directory.access import Actor, can_edit_organisation
from directory.models import (
    Certification,
    CertificationKind,
    CertificationStatus,
    Organisation,
    OrganisationChange,
)
from directory.search import reindex
from directory.services import certification_decided_notify, certification_pending_notify, organisation_update
from kernel.audit import audit_log
from kernel.uploads import clean_display_name, validate_pdf


def _delete_file_after_commit(storage: Storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def organisation_logo_set(*, actor: Actor, organisation: Organisation, png: bytes) -> Organisation:
    """Store `png` (already re-encoded by directory.profile.logos.reencode_logo) as the organisation's logo under a
    generated name, `logos/<uuid4>.png`, and delete the previous file once the change is committed. The
    history row records that the logo changed, not the file names."""
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied
    storage = organisation.logo.storage
    old_name = Organisation.objects.filter(pk=organisation.pk).values_list("logo", flat=True).get() or ""
    new_name = storage.save(f"logos/{uuid.uuid4()}.png", ContentFile(png))
    try:
        organisation_update(actor=actor, organisation=organisation, data={"logo": new_name})
    except BaseException:
        storage.delete(new_name)
        raise
    _delete_file_after_commit(storage, old_name)
    return organisation


@transaction.atomic
def organisation_logo_remove(*, actor: Actor, organisation: Organisation) -> Organisation:
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied
    storage = organisation.logo.storage
    old_name = Organisation.objects.filter(pk=organisation.pk).values_list("logo", flat=True).get() or ""
    organisation_update(actor=actor, organisation=organisation, data={"logo": ""})
    _delete_file_after_commit(storage, old_name)
    return organisation


def _describe(certification: Certification | None) -> str:
    if certification is None:
        return ""
    return _("%(name)s, valid until %(date)s") % {
        "name": certification,
        "date": formats.date_format(certification.valid_until, "Y-m-d"),
    }


def _record(
    *, actor: Actor, organisation: Organisation, action: str, certification: Certification, old: str, new: str
) -> None:
    OrganisationChange.objects.create(
        organisation=organisation, changed_by=actor.user, field="certifications", old_value=old, new_value=new
    )
    audit_log(
        actor=actor.user,
        action=action,
        target=organisation,
        data={"certification": str(certification.code), "kind": certification.kind},
    )
    reindex([organisation.pk])


def _validate(certification: Certification) -> None:
    certification.full_clean(validate_constraints=False)
    duplicate = (
        Certification.objects.filter(
            organisation=certification.organisation, kind=certification.kind, name=certification.name
        )
        .exclude(pk=certification.pk)
        .exists()
    )
    if duplicate:
        raise ValidationError(
            _("The organisation already has this certification. Change its date instead of adding it again.")
        )


@transaction.atomic
def certification_create(
    *, actor: Actor, organisation: Organisation, kind: str, name: str = "", valid_until: dt.date
) -> Certification:
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied
    certification = Certification(organisation=organisation, kind=kind, name=name, valid_until=valid_until)
    if kind != CertificationKind.OTHER:
        certification.name = ""  # only other certifications have a name of their own
    _validate(certification)
    certification.save()
    _record(
        actor=actor,
        organisation=organisation,
        action="certification.create",
        certification=certification,
        old="",
        new=_describe(certification),
    )
    return certification


@transaction.atomic
def certification_update(
    *, actor: Actor, certification: Certification, kind: str, name: str = "", valid_until: dt.date
) -> Certification:
    organisation = certification.organisation
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied
    stored = Certification.objects.select_for_update().get(pk=certification.pk)
    old = _describe(stored)
    certification.kind = kind
    certification.name = name if kind == CertificationKind.OTHER else ""
    certification.valid_until = valid_until
    _validate(certification)
    new = _describe(certification)
    changed = (stored.kind, stored.name, stored.valid_until) != (
        certification.kind,
        certification.name,
        certification.valid_until,
    )
    was_awaiting = stored.is_awaiting_approval
    if changed:
        # What a coordinator approved (or refused) is not what is now claimed: it awaits a decision again.
        _reset_decision(certification)
    certification.save()
    if new != old:
        _record(
            actor=actor,
            organisation=organisation,
            action="certification.update",
            certification=certification,
            old=old,
            new=new,
        )
    if certification.is_awaiting_approval and not was_awaiting:
        certification_pending_notify(certification=certification, actor=actor)
    return certification


def _reset_decision(certification: Certification) -> None:
    certification.status = CertificationStatus.PENDING
    certification.decided_at = None
    certification.decided_by = None
    certification.refusal_reason = ""


@transaction.atomic
def certification_delete(*, actor: Actor, certification: Certification) -> None:
    organisation = certification.organisation
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied
    old = _describe(certification)
    _record(
        actor=actor,
        organisation=organisation,
        action="certification.delete",
        certification=certification,
        old=old,
        new="",
    )
    certification.delete()
    _delete_file_after_commit(default_storage, certification.evidence.name or "")


# --- Evidence and the coordinators' decision --------------------------------------------------------------
def evidence_check(upload: IO[bytes], *, size: int | None = None) -> None:
    """Raise ValidationError (a message for the person uploading) unless `upload` is a PDF within
    CERTIFICATION_EVIDENCE_MAX_BYTES and without active content."""
    validate_pdf(upload, max_bytes=settings.CERTIFICATION_EVIDENCE_MAX_BYTES, size=size)


@transaction.atomic
def certification_evidence_upload(*, actor: Actor, certification: Certification, upload: UploadedFile) -> Certification:
    """Store `upload` as the evidence of `certification` (under a generated name; the previous file is deleted
    after commit) and put the certification to pending. The coordinators are told when it starts awaiting
    approval. A refused upload leaves nothing stored and nothing changed."""
    organisation = certification.organisation
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied
    evidence_check(upload, size=getattr(upload, "size", None))
    stored = Certification.objects.select_for_update().get(pk=certification.pk)
    was_awaiting = stored.is_awaiting_approval
    old_name = stored.evidence.name or ""
    upload.seek(0)
    new_name = default_storage.save(f"certifications/{uuid.uuid4().hex}.pdf", upload)
    try:
        certification.evidence.name = new_name
        certification.evidence_name = clean_display_name(getattr(upload, "name", ""))
        certification.evidence_uploaded_at = timezone.now()
        certification.evidence_uploaded_by = actor.user
        _reset_decision(certification)
        certification.full_clean(validate_constraints=False)
        certification.save()
        OrganisationChange.objects.create(
            organisation=organisation,
            changed_by=actor.user,
            field="certifications",
            old_value="",
            new_value=_("Evidence sent for %(name)s") % {"name": certification},
        )
        audit_log(
            actor=actor.user,
            action="certification.evidence.upload",
            target=organisation,
            data={"certification": str(certification.code), "kind": certification.kind},
        )
        reindex([organisation.pk])
        if not was_awaiting:
            certification_pending_notify(certification=certification, actor=actor)
    except BaseException:
        default_storage.delete(new_name)
        raise
    _delete_file_after_commit(default_storage, old_name)
    return certification


@transaction.atomic
def certification_decide(
    *, actor: Actor, certification: Certification, approve: bool, reason: str = ""
) -> Certification:
    """A coordinator approves or refuses (saying why) a certification awaiting approval. Decided once: a
    second decision on the same evidence (another coordinator, a resent form) is refused."""
    if not actor.is_coordinator:
        raise PermissionDenied
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Say why the certification is refused.")})
    status = CertificationStatus.APPROVED if approve else CertificationStatus.REFUSED
    now = timezone.now()
    decided = (
        Certification.objects.awaiting_approval()
        .filter(pk=certification.pk)
        .update(
            status=status,
            decided_at=now,
            decided_by=actor.user,
            refusal_reason="" if approve else reason,
            updated_at=now,
        )
    )
    if decided != 1:
        raise ValidationError(_("This certification is not awaiting approval any more."))
    certification.refresh_from_db()
    certification.full_clean(validate_constraints=False)
    organisation = certification.organisation
    OrganisationChange.objects.create(
        organisation=organisation,
        changed_by=actor.user,
        field="certifications",
        old_value=str(CertificationStatus.PENDING.label),
        new_value=(_("%(name)s approved") if approve else _("%(name)s refused")) % {"name": certification},
    )
    audit_log(
        actor=actor.user,
        action="certification.approve" if approve else "certification.refuse",
        target=organisation,
        data={"certification": str(certification.code), "kind": certification.kind},
    )
    reindex([organisation.pk])
    certification_decided_notify(certification=certification, actor=actor)
    return certification


def certification_evidence_read(*, actor: Actor, certification: Certification) -> IO[bytes]:
    """Open the evidence for reading, and record who read it (the evidence is the organisation's document,
    read only by its members and the coordinators; the view checks who may reach it)."""
    if not can_edit_organisation(actor, certification.organisation) or not certification.evidence:
        raise PermissionDenied
    file = default_storage.open(certification.evidence.name, "rb")
    audit_log(
        actor=actor.user,
        action="certification.evidence.download",
        target=certification.organisation,
        data={"certification": str(certification.code)},
    )
    return file
