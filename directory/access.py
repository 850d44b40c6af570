"""Who may see and change what. The one place that interprets roles.

Rules:
* outside scope looks exactly like "does not exist" → 404 (the helpers use get_object_or_404 on a
  queryset that starts from what the user may see);
* in scope but read-only → 403 (PermissionDenied);
* one `<type>_for_user` helper per protected type; views get objects only through them.

Roles, from strongest: coordinator (User.is_coordinator), officer (member of a municipality or agency),
ASF staff (member of an ASF), organisation member (member of any other organisation), public.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from directory.models import OFFICER_KINDS, Membership, Organisation, OrganisationKind

if TYPE_CHECKING:
    from kernel.models import User


class Role(enum.StrEnum):
    PUBLIC = "public"
    ORG_MEMBER = "org_member"
    ASF_STAFF = "asf_staff"
    OFFICER = "officer"
    COORDINATOR = "coordinator"


def memberships(user: Any) -> list[Membership]:
    """The user's memberships with their organisations, read once per request (cached on the user
    object; a removed membership therefore takes effect on the next request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_asfnet_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("organisation"))
        user._asfnet_memberships = cached
    return cached


def forget_memberships(user: Any) -> None:
    if hasattr(user, "_asfnet_memberships"):
        del user._asfnet_memberships


def is_coordinator(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_coordinator)


def officer_organisations(user: Any) -> list[Organisation]:
    return [m.organisation for m in memberships(user) if m.organisation.kind in OFFICER_KINDS]


def is_officer(user: Any) -> bool:
    return bool(officer_organisations(user))


def role_of(user: Any) -> Role:
    if not getattr(user, "is_authenticated", False):
        return Role.PUBLIC
    if is_coordinator(user):
        return Role.COORDINATOR
    if is_officer(user):
        return Role.OFFICER
    if any(m.organisation.kind == OrganisationKind.ASF for m in memberships(user)):
        return Role.ASF_STAFF
    return Role.ORG_MEMBER


def requires_mfa(user: Any) -> bool:
    return is_coordinator(user) or is_officer(user)


def has_totp(user: User) -> bool:
    from allauth.mfa.models import Authenticator

    cached = getattr(user, "_asfnet_has_totp", None)
    if cached is None:
        cached = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._asfnet_has_totp = cached
    return cached


def membership_in(user: Any, organisation: Organisation) -> Membership | None:
    for m in memberships(user):
        if m.organisation_id == organisation.pk:
            return m
    return None


def can_edit_organisation(user: Any, organisation: Organisation) -> bool:
    return is_coordinator(user) or membership_in(user, organisation) is not None


def can_manage_members(user: Any, organisation: Organisation) -> bool:
    if is_coordinator(user):
        return True
    membership = membership_in(user, organisation)
    return membership is not None and membership.is_admin


def organisation_for_user(
    *, user: Any, code: UUID | str, write: bool = False, manage_members: bool = False
) -> Organisation:
    """The organisation with `code` as this user may reach it.

    * read (default): any organisation the user may see — otherwise 404;
    * write: the organisation's internal pages (edit, members) exist only for its members and
      coordinators — anyone else gets 404, even for a published organisation (docs/security-checks.md C11);
    * manage_members: additionally an administrator of it (or a coordinator) — a plain member gets 403.
    """
    if write or manage_members:
        queryset = Organisation.objects.editable_by(user)
    else:
        queryset = Organisation.objects.visible_to(user)
    organisation = get_object_or_404(queryset, code=code)
    if manage_members and not can_manage_members(user, organisation):
        raise PermissionDenied
    return organisation


def role_required(*roles: Role) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """View decorator: anonymous → login page; logged in without one of `roles` → 403.
    A coordinator passes every role check."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            role = role_of(request.user)
            if role is not Role.COORDINATOR and role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


coordinator_required = role_required(Role.COORDINATOR)
