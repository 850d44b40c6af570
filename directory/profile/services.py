"""Writes for the upkeep of an organisation's profile beyond the edit form: the logo and certifications.
Same shape as directory.services: atomic, keyword-only, full_clean(), a history row and an audit row in
the same transaction, the search index kept current."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from directory.access import Actor, can_edit_organisation
from directory.models import Certification, CertificationKind, Organisation, OrganisationChange
from directory.search import reindex
from directory.services import organisation_update
from kernel.audit import audit_log


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
    certification.save()
    new = _describe(certification)
    if new != old:
        _record(
            actor=actor,
            organisation=organisation,
            action="certification.update",
            certification=certification,
            old=old,
            new=new,
        )
    return certification


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
