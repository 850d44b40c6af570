"""The directory: organisations in the network and the people who belong to them.

The foundation keeps Organisation small (name, kind, orgnr, municipality, description, published);
the directory issue extends it with the full profile."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from asfnet.identifiers import format_orgnr, normalise_orgnr, refuse_personnummer, validate_kommunkod
from asfnet.models import TimeStampedModel


class OrganisationKind(models.TextChoices):
    ASF = "asf", _("Work-integration social enterprise (ASF)")
    MUNICIPALITY = "municipality", _("Municipality")
    AGENCY = "agency", _("Government agency")
    REGION = "region", _("Region")
    EDUCATION_PUBLIC = "education_public", _("Public education provider")
    EDUCATION_PRIVATE = "education_private", _("Private education provider")
    BUSINESS = "business", _("Business")
    CIVIL_SOCIETY = "civil_society", _("Civil society organisation")


# Staff of these kinds are municipal/agency officers (handläggare): they raise participant needs.
OFFICER_KINDS = frozenset({OrganisationKind.MUNICIPALITY, OrganisationKind.AGENCY})


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def public(self) -> OrganisationQuerySet:
        return self.filter(published=True)

    def visible_to(self, user: Any) -> OrganisationQuerySet:
        """Published organisations, plus the user's own; coordinators see every organisation."""
        if not getattr(user, "is_authenticated", False):
            return self.public()
        if user.is_coordinator:
            return self.all()
        return self.filter(
            Q(published=True) | Q(pk__in=Membership.objects.filter(user=user).values("organisation"))
        )

    def editable_by(self, user: Any) -> OrganisationQuerySet:
        """Organisations whose profile the user may change: their own; coordinators: all."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_coordinator:
            return self.all()
        return self.filter(pk__in=Membership.objects.filter(user=user).values("organisation"))


class Organisation(TimeStampedModel):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200, validators=[refuse_personnummer])
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    orgnr = models.CharField(
        _("organisation number"),
        max_length=10,
        unique=True,
        help_text=_("NNNNNN-NNNN. Sole traders, who use a personnummer, cannot be registered."),
    )
    kommunkod = models.CharField(
        _("municipality code"),
        max_length=4,
        validators=[validate_kommunkod],
        help_text=_("e.g. 2580 (Luleå)"),
    )
    description_sv = models.TextField(
        _("description (Swedish)"), blank=True, validators=[refuse_personnummer]
    )
    description_en = models.TextField(
        _("description (English)"), blank=True, validators=[refuse_personnummer]
    )
    website = models.URLField(_("website"), blank=True, validators=[URLValidator(schemes=["http", "https"])])
    published = models.BooleanField(
        _("listed in the public directory"),
        default=True,
        help_text=_("Untick to keep the organisation out of public view (do not list)."),
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def orgnr_display(self) -> str:
        return format_orgnr(self.orgnr)

    @property
    def is_officer_organisation(self) -> bool:
        return self.kind in OFFICER_KINDS

    def clean(self) -> None:
        super().clean()
        if self.orgnr:
            self.orgnr = normalise_orgnr(self.orgnr)


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("Member")
    ADMIN = "admin", _("Administrator")


class Membership(TimeStampedModel):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        _("role"), max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="directory_membership_one_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == MembershipRole.ADMIN


class InvitationRole(models.TextChoices):
    MEMBER = "member", _("Member")
    ADMIN = "admin", _("Administrator")
    COORDINATOR = "coordinator", _("Coordinator (project staff)")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def usable(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(TimeStampedModel):
    """Signup is by invitation only. The invitation decides the organisation and the role; the e-mail
    link proves the address, so the account starts verified. Only a hash of the token is stored."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail address"))
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(_("role"), max_length=16, choices=InvitationRole.choices)
    language = models.CharField(
        _("language of the invitation"),
        max_length=8,
        choices=[("sv", _("Swedish")), ("en", _("English"))],
        default="sv",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()
