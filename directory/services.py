"""Writes in the directory. Each service is atomic, keyword-only, validates with full_clean() and
writes its audit row in the same transaction."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.access import Actor, actor_for, can_edit_organisation, can_manage_members, forget_actor
from directory.emails import inactivity_warning_key, inactivity_warning_send
from directory.models import (
    Certification,
    Forbund,
    Invitation,
    InvitationRole,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationChange,
    hash_token,
)
from directory.search import reindex
from directory.selectors import coordinator_user_ids, member_user_ids
from directory.tasks import send_invitation_email
from directory.verification import verification_notify as verification_notify  # the hook, re-exported
from kernel.audit import audit_log, save_audited, target_id_of
from kernel.erasure import DELETED, Erased
from kernel.models import SentEmail, User, concrete_field
from notifications.models import Notification
from notifications.services import notify


@transaction.atomic
def invitation_create(
    *,
    inviter: Actor,
    organisation: Organisation,
    email: str,
    role: str,
    language: str = "sv",
) -> tuple[Invitation, str]:
    """Invite `email` to `organisation` with `role`. Returns the invitation and the plain token (only
    ever in the e-mail). Org admins invite members and admins of their own organisation; only
    coordinators invite coordinators. The e-mail goes out after commit, through Celery."""
    if not can_manage_members(inviter, organisation):
        raise PermissionDenied
    if role == InvitationRole.COORDINATOR and not (inviter.is_coordinator and inviter.forbund_id is not None):
        raise PermissionDenied
    email = email.strip().lower()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member of the organisation.")})
    # A new invitation to the same address and organisation replaces any open one.
    Invitation.objects.usable().filter(organisation=organisation, email__iexact=email).update(revoked_at=timezone.now())
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        organisation=organisation,
        role=role,
        language=language,
        token_hash=hash_token(token),
        invited_by=inviter.user,
        expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_VALID_DAYS),
        # A coordinator invites to coordinate the förbund they act in.
        forbund_id=inviter.forbund_id if role == InvitationRole.COORDINATOR else None,
    )
    save_audited(
        invitation,
        actor=inviter.user,
        action="invitation.create",
        data={"organisation": str(organisation.code), "role": role},
    )

    send_invitation_email.delay_on_commit(invitation.pk, token)
    return invitation, token


def invitation_by_token(token: str) -> Invitation | None:
    return Invitation.objects.usable().select_related("organisation").filter(token_hash=hash_token(token)).first()


def invitation_was_withdrawn(token: str) -> bool:
    """The link of an invitation that was withdrawn (or replaced by a newer one) before it was used."""
    return Invitation.objects.filter(
        token_hash=hash_token(token), revoked_at__isnull=False, accepted_at__isnull=True
    ).exists()


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Use the invitation (once) for `user`: membership with the invited role, or the coordinator
    capability plus membership of the förbund. Refused when used, revoked, expired or for another
    address."""
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(_("This invitation was sent to another e-mail address."))
    claimed = Invitation.objects.usable().filter(pk=invitation.pk).update(accepted_at=timezone.now(), accepted_by=user)
    if claimed != 1:
        raise ValidationError(_("This invitation has already been used or has expired."))
    role = MembershipRole.ADMIN if invitation.role == InvitationRole.ADMIN else MembershipRole.MEMBER
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": role}
    )
    if not created and role == MembershipRole.ADMIN and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
    if invitation.role == InvitationRole.COORDINATOR and invitation.forbund_id is not None:
        Forbund.objects.get(pk=invitation.forbund_id).coordinators.add(user)
    forget_actor(user)  # a later check in this request sees the new membership
    audit_log(
        actor=user,
        action="invitation.accept",
        target=invitation,
        data={"organisation": str(invitation.organisation.code), "role": invitation.role},
    )
    _notify_invitation_accepted(invitation, user)
    return membership


def _notify_invitation_accepted(invitation: Invitation, user: User) -> None:
    """The person who invited hears that the invitation was taken up; when that account is gone, the
    organisation's administrators do."""
    inviter = actor_for(invitation.invited_by)  # no one for a deactivated account
    organisation = invitation.organisation
    if inviter.user is not None:
        recipients = [inviter.user.pk]
    else:
        recipients = member_user_ids(organisation_ids=[organisation.pk], admins_only=True)
    notify(
        kind="invitation_accepted",
        recipients=recipients,
        url=reverse("directory:members", kwargs={"code": organisation.code}),
        params={"person": str(user), "organisation": organisation.name},
        actor=user,
    )


@transaction.atomic
def invitation_revoke(*, actor: Actor, invitation: Invitation) -> Invitation:
    """Withdraw an open invitation: its link stops working at once (the invitation page says it was
    withdrawn). Administrators of the inviting organisation and coordinators may; an invitation already
    used, withdrawn or expired is refused with a message."""
    if not can_manage_members(actor, invitation.organisation):
        raise PermissionDenied
    withdrawn = Invitation.objects.usable().filter(pk=invitation.pk).update(revoked_at=timezone.now())
    if withdrawn != 1:
        raise ValidationError(
            _("This invitation can no longer be withdrawn: it has been used, has expired or was already withdrawn.")
        )
    invitation.refresh_from_db(fields=["revoked_at"])
    audit_log(
        actor=actor.user,
        action="invitation.revoke",
        target=invitation,
        data={"organisation": str(invitation.organisation.code), "role": invitation.role},
    )
    return invitation


@transaction.atomic
def membership_remove(*, actor: Actor, membership: Membership) -> None:
    """Remove someone from an organisation. The last administrator cannot be removed, by anyone (someone
    must be able to invite colleagues; a coordinator invites a new administrator first). The organisation's
    memberships are locked before counting, so two administrators removing each other at the same time
    cannot both succeed: the second sees one administrator left."""
    organisation = membership.organisation
    if not can_manage_members(actor, organisation):
        raise PermissionDenied
    locked = {m.pk: m for m in Membership.objects.select_for_update().filter(organisation=organisation).order_by("pk")}
    current = locked.get(membership.pk)
    if current is None:
        raise ValidationError(_("This person is no longer a member of the organisation."))
    if current.is_admin:
        admins = [m for m in locked.values() if m.role == MembershipRole.ADMIN]
        if len(admins) <= 1:
            raise ValidationError(_("The last administrator cannot be removed. Make someone else administrator first."))
    audit_log(
        actor=actor.user,
        action="membership.remove",
        target=organisation,
        data={"user": str(membership.user.code), "role": current.role},
    )
    current.delete()
    forget_actor(membership.user)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set)) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value
        return ", ".join(
            sorted(str(getattr(item, "slug", None) or getattr(item, "code", None) or item) for item in items)
        )
    if isinstance(value, FieldFile):  # (hasattr(value, "url") raises ValueError on an empty file)
        return value.name or ""
    return str(value)


# Fields whose old and new values are not copied into the history (only that they changed).
_HISTORY_VALUE_HIDDEN = {"logo"}


@transaction.atomic
def organisation_update(
    *, actor: Actor, organisation: Organisation, data: dict[str, Any], confirm: bool = False
) -> Organisation:
    """Apply validated form data to an organisation the actor may edit. Many-to-many fields (services,
    municipalities served) may be in `data` as iterables. Records a field-level history row per changed
    field, audits the changed field names, keeps the search index current. With `confirm`, the members
    also confirm that the details are current (freshness)."""
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied
    # Compare with the stored row (a ModelForm has usually applied the data to `organisation` already).
    stored = Organisation.objects.select_for_update().get(pk=organisation.pk)
    m2m_names = {f.name for f in Organisation._meta.many_to_many}
    scalar = {k: v for k, v in data.items() if k not in m2m_names}
    m2m = {k: list(v) for k, v in data.items() if k in m2m_names}
    # By attname: a foreign key's stored value (kommunkod_id, the code), without loading the related row.
    attnames = {field: concrete_field(Organisation, field).attname for field in data}
    before = {field: _as_text(getattr(stored, attnames[field])) for field in data}
    for field, value in scalar.items():
        setattr(organisation, field, value)
    if confirm:
        organisation.confirmed_at = timezone.now()
        organisation.confirmed_by = actor.user
    organisation.full_clean()
    organisation.save()
    for field, values in m2m.items():
        getattr(organisation, field).set(values)
    after = {field: _as_text(getattr(organisation, attnames[field])) for field in data}
    changed = sorted(field for field in data if before[field] != after[field])
    now = timezone.now()
    OrganisationChange.objects.bulk_create(
        [
            OrganisationChange(
                organisation=organisation,
                changed_at=now,
                changed_by=actor.user,
                field=field,
                old_value="" if field in _HISTORY_VALUE_HIDDEN else before[field],
                new_value="" if field in _HISTORY_VALUE_HIDDEN else after[field],
            )
            for field in changed
        ]
    )
    if changed or confirm:
        audit_log(
            actor=actor.user,
            action="organisation.update",
            target=organisation,
            data={"fields": changed, **({"confirmed": True} if confirm else {})},
        )
    reindex([organisation.pk])
    return organisation


@transaction.atomic
def organisation_confirm(*, actor: Actor, organisation: Organisation) -> Organisation:
    """A member confirms the profile is current: resets the freshness clock."""
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied
    Organisation.objects.filter(pk=organisation.pk).update(confirmed_at=timezone.now(), confirmed_by=actor.user)
    organisation.refresh_from_db(fields=["confirmed_at", "confirmed_by"])
    audit_log(actor=actor.user, action="organisation.confirm", target=organisation)
    return organisation


@transaction.atomic
def organisation_verify(*, actor: Actor, organisation: Organisation) -> Organisation:
    """A coordinator has checked the organisation (orgnr, kind, that it exists): verified_at/by are
    separate from updated_at and from the members' confirmation."""
    if not actor.is_coordinator:
        raise PermissionDenied
    Organisation.objects.filter(pk=organisation.pk).update(verified_at=timezone.now(), verified_by=actor.user)
    organisation.refresh_from_db(fields=["verified_at", "verified_by"])
    audit_log(actor=actor.user, action="organisation.verify", target=organisation)
    return organisation


# --- Notifications of the verification and certification workflows ---------------------------------------
# The hooks the workflows call in their own transaction, once per event (verification_notify, defined in
# directory/verification.py beside the reminders so that module needs nothing from here; the certification
# hooks below for directory/profile/services.py). Reports of outdated information notify from
# directory/outdated/services.py. The kinds and their texts are in notifications/kinds.py.
def certification_pending_notify(*, certification: Certification, actor: Actor | None = None) -> list[Notification]:
    """Tell the coordinators that `certification` awaits their approval (its evidence was sent by `actor`)."""
    organisation = certification.organisation
    return notify(
        kind="certification_pending",
        recipients=coordinator_user_ids(organisation),
        url=reverse("directory:certifications", kwargs={"code": organisation.code}),
        params={"organisation": organisation.name, "certification": str(certification)},
        actor=actor.user if actor is not None else None,
    )


def certification_decided_notify(*, certification: Certification, actor: Actor) -> list[Notification]:
    """Tell the members of the certification's organisation that a coordinator approved or refused it."""
    organisation = certification.organisation
    return notify(
        kind="certification_decided",
        recipients=member_user_ids(organisation_ids=[organisation.pk]),
        url=reverse("directory:certifications", kwargs={"code": organisation.code}),
        params={
            "organisation": organisation.name,
            "certification": str(certification),
            "variant": certification.status,
        },
        actor=actor.user,
    )


# --- Retention and erasure of accounts -------------------------------------------------------------------
def inactive_accounts(*, now: dt.datetime | None = None) -> models.QuerySet[User]:
    """Accounts nobody has logged in to for ACCOUNT_INACTIVE_MONTHS (never logged in: counted from joining).
    Coordinators and staff are not included: their accounts are ended by the förbund, not by time."""
    cutoff = (now or timezone.now()) - relativedelta(months=settings.ACCOUNT_INACTIVE_MONTHS)
    return User.objects.filter(coordinated_forbund__isnull=True, is_staff=False, is_superuser=False).filter(
        models.Q(last_login__lt=cutoff) | models.Q(last_login__isnull=True, date_joined__lt=cutoff)
    )


def account_erase(*, user: User, policy: str, by: User | None = None) -> Erased:
    """Delete an account: the person's memberships, notifications, saved searches, e-mail addresses, sessions
    and authenticators go with it; what they did keeps its row with "who" left empty (the audit log keeps the
    account's key, never its address). `by`: who asked (the person, a coordinator; None: the retention
    purge). Returns the erasure for the journal."""
    with transaction.atomic():
        rows = 1 + Membership.objects.filter(user=user).count()
        erased = Erased("asfnet.user", target_id_of(user), DELETED, rows)
        audit_log(actor=by, action="account.erase", target=user, data={"policy": policy})
        user.delete()
    return erased


def inactive_accounts_warn(*, now: dt.datetime | None = None) -> int:
    """Warn, by e-mail in their language, everyone whose account reaches ACCOUNT_INACTIVE_MONTHS without a
    log-in within ACCOUNT_INACTIVE_WARNING_DAYS, once per period of inactivity. The deletion date named in
    the warning is never sooner than the warning period: an account is only deleted once its warning is that
    old (inactive_accounts_erase). Returns the number of warnings sent."""
    now = now or timezone.now()
    notice = dt.timedelta(days=settings.ACCOUNT_INACTIVE_WARNING_DAYS)
    sent = 0
    for user in inactive_accounts(now=now + notice).filter(is_active=True).order_by("pk"):
        due = (user.last_login or user.date_joined) + relativedelta(months=settings.ACCOUNT_INACTIVE_MONTHS)
        deleted_on = timezone.localdate(max(due, now + notice))
        sent += inactivity_warning_send(user=user, deleted_on=deleted_on)
    return sent


def inactive_accounts_erase(*, now: dt.datetime | None = None, dry_run: bool = False) -> list[Erased]:
    """Delete the accounts inactive for ACCOUNT_INACTIVE_MONTHS whose holder was warned at least
    ACCOUNT_INACTIVE_WARNING_DAYS ago in this period of inactivity (a deactivated account, which cannot log
    in, is not waited for)."""
    now = now or timezone.now()
    notice = dt.timedelta(days=settings.ACCOUNT_INACTIVE_WARNING_DAYS)
    warned_before = now - notice
    erased = []
    due = inactive_accounts(now=now)
    deactivated = set(due.filter(is_active=False).values_list("pk", flat=True))
    for user in due.order_by("pk"):
        # The warning of this period of inactivity, sent when it was due (not before), at least the notice ago.
        since = user.last_login or user.date_joined
        due_for_warning = since + relativedelta(months=settings.ACCOUNT_INACTIVE_MONTHS) - notice
        warned = SentEmail.objects.filter(
            key=inactivity_warning_key(user), created_at__lte=warned_before, created_at__gte=due_for_warning
        ).exists()
        if user.pk not in deactivated and not warned:
            continue
        if dry_run:
            rows = 1 + Membership.objects.filter(user=user).count()
            erased.append(Erased("asfnet.user", target_id_of(user), DELETED, rows))
        else:
            erased.append(account_erase(user=user, policy="inactive_accounts"))
    return erased
