"""Who may see and change what. The one place that interprets roles.

Who the person is — coordinator or not, member (and administrator) of which organisations, officer for
which municipalities and agencies — is read once into an `Actor`: per request by the site's middleware
(`request.actor`, built lazily on first use), elsewhere (tasks, commands, tests) with `actor_for(user)`.
Every rule below, every queryset's `visible_to(actor)` / `editable_by(actor)` and every `<type>_for_user`
helper reads the Actor's fields; whether an account is active is checked only when the Actor is built.

Rules:
* outside scope looks exactly like "does not exist" → 404 (the helpers use get_object_or_404 on a
  queryset that starts from what the actor may see);
* in scope but read-only → 403 (PermissionDenied);
* one `<type>_for_user` helper per protected type; views get objects only through them.

Roles, from strongest: coordinator (of the förbund the Actor is for: Forbund.coordinators), officer (member
of a municipality or agency), ASF staff (member of an ASF), organisation member (member of any other
organisation), public.

Förbund scope: an Actor is for one förbund (`forbund_id`: the request's, from its host; outside a request the
installation's only förbund unless one is named) or for none (the national host). What belongs to a förbund —
funded projects, participants, needs, placements, agreements, report runs, its calendar — is visible only
through an Actor for that förbund; a coordinator of another förbund is no coordinator here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from allauth.mfa.models import Authenticator
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from directory.forbund.middleware import request_forbund
from directory.forbund.registry import default_forbund
from directory.models import OFFICER_KINDS, Forbund, Membership, Organisation, OrganisationKind
from kernel.decorators import ViewDecorator, checked_first
from kernel.models import User

# What `request.user` may be: a signed-in account or the anonymous visitor.
AnyUser = AbstractBaseUser | AnonymousUser


class Role(models.TextChoices):
    PUBLIC = "public", _("Visitor")
    ORG_MEMBER = "org_member", _("Organisation member")
    ASF_STAFF = "asf_staff", _("ASF staff")
    OFFICER = "officer", _("Municipal or agency officer")
    COORDINATOR = "coordinator", _("Coordinator")


@dataclass(frozen=True)
class Actor:
    """Who is asking, read once. Anonymous visitors and deactivated accounts are `user=None`, no rights."""

    user: User | None
    is_coordinator: bool = False  # an active account among the coordinators of `forbund`
    forbund_id: int | None = None  # the förbund this Actor acts in; None on the national host
    organisation_ids: frozenset[int] = frozenset()  # member (or administrator) of these
    admin_organisation_ids: frozenset[int] = frozenset()  # administrator of these
    # An officer's scope: the municipality/agency organisations they work for (participants raised by
    # these are theirs), and the municipality codes of the municipalities among them.
    officer_organisation_ids: frozenset[int] = frozenset()
    officer_municipalities: frozenset[str] = frozenset()
    role: Role = Role.PUBLIC
    # The memberships with their organisations, from the one query that built the Actor.
    memberships: tuple[Membership, ...] = field(default=(), compare=False, repr=False)
    forbund: Forbund | None = field(default=None, compare=False, repr=False)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def is_officer(self) -> bool:
        return bool(self.officer_organisation_ids)

    @property
    def requires_mfa(self) -> bool:
        """Officers and coordinators handle participant data and reports: they must use TOTP."""
        return self.is_coordinator or self.is_officer

    @property
    def organisations(self) -> list[Organisation]:
        return [m.organisation for m in self.memberships]

    @property
    def officer_organisations(self) -> list[Organisation]:
        return [m.organisation for m in self.memberships if m.organisation_id in self.officer_organisation_ids]

    def is_member_of(self, organisation: Organisation) -> bool:
        return organisation.pk in self.organisation_ids

    def require_forbund_id(self) -> int:
        """The förbund acted in, for work that exists only inside one (a coordinator's queues, figures and
        projects); on the national host there is none: 404, as for anything outside scope."""
        if self.forbund_id is None:
            raise Http404
        return self.forbund_id


ANONYMOUS = Actor(user=None)

# `actor_for(user)` without a förbund: the installation's only förbund (registry.default_forbund).
_ONLY_FORBUND: Any = object()


def actor_for(user: AnyUser | None, forbund: Forbund | None = _ONLY_FORBUND) -> Actor:
    """Build the Actor of `user` in `forbund`: one query (memberships with their organisations) for an active
    account, none for anyone else. The only place that looks at `is_active`."""
    if forbund is _ONLY_FORBUND:
        forbund = default_forbund()
    if not isinstance(user, User) or not user.is_active:
        return ANONYMOUS if forbund is None else Actor(user=None, forbund_id=forbund.pk, forbund=forbund)
    # The same query says whether the user has TOTP set up (the MFA check of every request by an officer or a
    # coordinator): read fresh, so adding or removing it takes effect on the next request.
    memberships = tuple(
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .annotate(
            user_has_totp=Exists(Authenticator.objects.filter(user=OuterRef("user"), type=Authenticator.Type.TOTP))
        )
        .order_by("pk")
    )
    if memberships:
        setattr(user, _TOTP_ATTRIBUTE, bool(memberships[0].user_has_totp))
    officer = [m.organisation for m in memberships if m.organisation.kind in OFFICER_KINDS]
    coordinator = forbund is not None and user.pk in forbund.coordinator_ids  # type: ignore[attr-defined]
    if coordinator:
        role = Role.COORDINATOR
    elif officer:
        role = Role.OFFICER
    elif any(m.organisation.kind == OrganisationKind.ASF for m in memberships):
        role = Role.ASF_STAFF
    else:
        role = Role.ORG_MEMBER
    return Actor(
        user=user,
        is_coordinator=coordinator,
        organisation_ids=frozenset(m.organisation_id for m in memberships),
        admin_organisation_ids=frozenset(m.organisation_id for m in memberships if m.is_admin),
        officer_organisation_ids=frozenset(o.pk for o in officer),
        officer_municipalities=frozenset(
            o.kommunkod_id for o in officer if o.kind == OrganisationKind.MUNICIPALITY and o.kommunkod_id is not None
        ),
        role=role,
        memberships=memberships,
        forbund_id=forbund.pk if forbund is not None else None,
        forbund=forbund,
    )


_CACHE_ATTRIBUTE = "_asfnet_actor"
_TOTP_ATTRIBUTE = "_asfnet_has_totp"  # an attribute the User class does not declare


def cached_actor_for(user: AnyUser | None, forbund: Forbund | None = _ONLY_FORBUND) -> Actor:
    """The Actor of this user object in `forbund`, built on first use and kept on it. Each request loads its
    own user object, so this is once per request and a membership change takes effect on the next request."""
    if forbund is _ONLY_FORBUND:
        forbund = default_forbund()
    if user is None or not user.is_authenticated:
        return actor_for(None, forbund)
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if not isinstance(cached, Actor) or cached.forbund_id != (forbund.pk if forbund is not None else None):
        cached = actor_for(user, forbund)
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def forget_actor(user: AnyUser) -> None:
    """Drop the Actor kept on this user object (after the user's own memberships changed)."""
    for attribute in (_CACHE_ATTRIBUTE, _TOTP_ATTRIBUTE):
        if hasattr(user, attribute):
            delattr(user, attribute)


def request_actor(request: HttpRequest) -> Actor:
    """`request.actor` (set by asfnet.middleware.ActorMiddleware); for a request that did not pass the
    middleware (an error page rendered early, a RequestFactory request) the Actor of `request.user`."""
    actor = getattr(request, "actor", None)
    if actor is None:
        return cached_actor_for(getattr(request, "user", None), request_forbund(request))
    return actor  # a lazy proxy of an Actor


# --- Rules ----------------------------------------------------------------------------------------------
def raising_organisations(actor: Actor) -> models.QuerySet[Organisation]:
    """The organisations a participant may be raised by, as this actor may choose them: their own
    municipality or agency; a coordinator the förbund's members — the municipalities of its area and every
    agency (Arbetsförmedlingen and Försäkringskassan belong to every förbund). By name."""
    if actor.is_coordinator and actor.forbund is not None:
        area = sorted(actor.forbund.municipality_codes)  # type: ignore[attr-defined]
        members = Q(kind=OrganisationKind.AGENCY) | Q(kind=OrganisationKind.MUNICIPALITY, kommunkod__in=area)
        return Organisation.objects.filter(members).order_by("name")
    return Organisation.objects.filter(pk__in=actor.officer_organisation_ids).order_by("name")


def can_edit_organisation(actor: Actor, organisation: Organisation) -> bool:
    return actor.is_coordinator or actor.is_member_of(organisation)


def organisations_to_act_for(actor: Actor) -> models.QuerySet[Organisation]:
    """The organisations the actor may create something in the name of (an opportunity, a partner request, an
    agreement): their own, coordinators any; by name. Someone with none gets 403 — the page is read-only
    for them, not outside their scope."""
    organisations = Organisation.objects.editable_by(actor).order_by("name")
    if not organisations.exists():
        raise PermissionDenied
    return organisations


def can_manage_members(actor: Actor, organisation: Organisation) -> bool:
    return actor.is_coordinator or organisation.pk in actor.admin_organisation_ids


def organisation_for_user(
    *,
    actor: Actor,
    code: UUID | str,
    write: bool = False,
    manage_members: bool = False,
    annotations: dict[str, Any] | None = None,
) -> Organisation:
    """The organisation with `code` as this actor may reach it.

    * read (default): any organisation the actor may see — otherwise 404;
    * write: the organisation's internal pages (edit, members) exist only for its members and
      coordinators — anyone else gets 404, even for a published organisation (docs/security-checks.md C11);
    * manage_members: additionally an administrator of it (or a coordinator) — a plain member gets 403.

    `annotations` are read in the same query (the profile page: the directory's generation, its panels').
    """
    if write or manage_members:
        queryset = Organisation.objects.editable_by(actor)
    else:
        queryset = Organisation.objects.visible_to(actor)
    if annotations:
        queryset = queryset.annotate(**annotations)
    organisation = get_object_or_404(queryset, code=code)
    if manage_members and not can_manage_members(actor, organisation):
        raise PermissionDenied
    return organisation


def has_totp(user: AnyUser) -> bool:
    """Whether the user has TOTP set up: read with the Actor's memberships when there are any (actor_for),
    else by one query; kept on the user object, i.e. for the rest of the request."""
    cached = getattr(user, _TOTP_ATTRIBUTE, None)
    if cached is None:
        cached = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        setattr(user, _TOTP_ATTRIBUTE, cached)
    return bool(cached)


def role_required(*roles: Role) -> ViewDecorator[HttpResponse]:
    """View decorator: anonymous → login page; logged in without one of `roles` → 403.
    A coordinator passes every role check."""

    def check(request: HttpRequest) -> None:
        role = request_actor(request).role
        if role is not Role.COORDINATOR and role not in roles:
            raise PermissionDenied

    return checked_first(check, login=True)


coordinator_required = role_required(Role.COORDINATOR)
