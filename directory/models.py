"""The directory: organisations in the network and the people who belong to them.

The foundation keeps Organisation small (name, kind, orgnr, municipality, description, published);
the directory issue extends it with the full profile. The subpackages (profile, saved_searches, outdated, merge)
keep their services, forms and views; their models are here, so that this module imports none of them (no
import cycle inside the app)."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
import uuid
from typing import Any, Protocol

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from directory.forbund.models import Forbund
from kernel.identifiers import (
    format_orgnr,
    normalise_orgnr,
    normalise_sni,
    refuse_personnummer,
    refuse_personnummer_in_query,
    validate_kommunkod,
)
from kernel.models import TimeStampedModel, person_field


class OrganisationKind(models.TextChoices):
    ASF = "asf", _("Work-integration social enterprise (ASF)")
    MUNICIPALITY = "municipality", _("Municipality")
    AGENCY = "agency", _("Government agency")
    REGION = "region", _("Region")
    EDUCATION_PUBLIC = "education_public", _("Public education provider")
    # A kommunalförbund (e.g. a samordningsförbund): public, but neither a municipality nor a region.
    LOCAL_GOVERNMENT_ASSOCIATION = "local_government_association", _("Local government association")
    EDUCATION_PRIVATE = "education_private", _("Private education provider")
    BUSINESS = "business", _("Business")
    CIVIL_SOCIETY = "civil_society", _("Civil society organisation")


# Staff of these kinds are municipal/agency officers (handläggare): they raise participant needs.
OFFICER_KINDS = frozenset({OrganisationKind.MUNICIPALITY, OrganisationKind.AGENCY})


# Swedish alphabetical order puts Å Ä Ö after Z (and Æ Ø with Ä Ö); other accents only break ties.
_SWEDISH_LAST = str.maketrans({"å": "\x7b", "ä": "\x7c", "æ": "\x7c", "ö": "\x7d", "ø": "\x7d", "ü": "y"})


def swedish_sort_key(text: str) -> tuple[str, str, str]:
    """A sort key for Swedish alphabetical order (… X Y Z Å Ä Ö), as PostgreSQL's "sv-SE-x-icu" collation
    orders names: letters first regardless of case and accents, then accents, then lower case before
    upper. For short lists sorted in Python, so SQLite (`make run`) and PostgreSQL (default collation C) agree."""
    folded = text.casefold().translate(_SWEDISH_LAST)
    primary = "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))
    return primary, folded, text.swapcase()


class MunicipalityQuerySet(models.QuerySet["Municipality"]):
    def in_swedish_order(self) -> list[Municipality]:
        """The municipalities sorted by name in Swedish order (290 rows: sorted in Python, the same on
        every database)."""
        return sorted(self, key=lambda m: swedish_sort_key(m.name))

    def choices(self) -> list[tuple[str, str]]:
        """(kommunkod, name) pairs in Swedish order, for select boxes and filters: one query."""
        rows = self.values_list("code", "name")  # tuples, not 290 model instances: read on every search page
        return sorted(rows, key=lambda row: swedish_sort_key(row[1]))


class Municipality(models.Model):
    """Reference data: all 290 Swedish municipalities, kommunkod → name and county (directory/data/kommuner.csv,
    from Statistics Sweden; loaded by migrations 0003 and 0008). Every municipality field in asfnet is a
    ForeignKey to this table, so a code that is not a municipality cannot be stored. National: which förbund
    cover a municipality is Forbund.municipalities."""

    code = models.CharField(_("municipality code"), max_length=4, primary_key=True, validators=[validate_kommunkod])
    name = models.CharField(_("name"), max_length=100, validators=[refuse_personnummer])
    county_code = models.CharField(
        _("county code"), max_length=2, validators=[RegexValidator(r"^\d{2}$", _("A county code has two digits."))]
    )
    county_name = models.CharField(_("county"), max_length=100, validators=[refuse_personnummer])

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def municipality_field(
    column: str, *, blank: bool = False
) -> models.ForeignKey[Municipality | None, Municipality | None]:
    """Where a municipality is meant: a reference to the national list (`Municipality`), never deleted with
    the row that names it. `column` keeps the column's name from when it held the code as text, so the
    tables did not change when the reference came."""
    return models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        db_column=column,
        null=True,
        blank=blank,
        related_name="+",
    )


class ServiceCategory(models.Model):
    """The managed taxonomy of services ASF offer (arbetsträning, café/restaurang, återbruk …),
    kept by coordinators at /directory/taxonomy/. Addressed by slug in URLs (`?service=<slug>`)."""

    slug = models.SlugField(_("identifier"), max_length=60, unique=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=100, validators=[refuse_personnummer])
    name_en = models.CharField(_("name (English)"), max_length=100, validators=[refuse_personnummer])
    active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["position", "name_sv"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:

        return self.name_en if (get_language() or "sv").startswith("en") and self.name_en else self.name_sv


class SupportOffered(models.TextChoices):
    SUPERVISION = "supervision", _("Supervisor (handledare) on site")
    ADAPTED_TASKS = "adapted_tasks", _("Adapted work tasks")
    FLEXIBLE_HOURS = "flexible_hours", _("Flexible hours, part time")
    LANGUAGE_SUPPORT = "language_support", _("Swedish language support")
    SKILLS_VALIDATION = "skills_validation", _("Skills validation and references")
    GROUP_ACTIVITIES = "group_activities", _("Group activities and community")
    PATH_TO_JOB = "path_to_job", _("Help onwards to work or studies")


def months_ago(months: int) -> dt.datetime:

    return timezone.now() - relativedelta(months=months)


def _moment(on: dt.datetime | dt.date | None) -> dt.datetime:
    """The moment a validity is judged at: now, a given time, or the start of a given day (local time)."""
    if on is None:
        return timezone.now()
    if isinstance(on, dt.datetime):
        return on
    return timezone.make_aware(dt.datetime.combine(on, dt.time.min))


def verification_period() -> relativedelta:
    """How long a coordinator's verification of an organisation holds (VERIFICATION_VALID_MONTHS)."""
    return relativedelta(months=settings.VERIFICATION_VALID_MONTHS)


class Freshness(models.TextChoices):
    FRESH = "fresh", _("Up to date")
    NEEDS_UPDATE = "needs_update", _("Needs update")
    HIDDEN = "hidden", _("Hidden from public search until confirmed")


class Viewer(Protocol):
    """What the directory's rules read of the person asking: directory.access.Actor (built there, once per
    request). A protocol here, so that the models do not import the access module that imports them."""

    @property
    def is_coordinator(self) -> bool: ...

    @property
    def organisation_ids(self) -> frozenset[int]: ...


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def public(self) -> OrganisationQuerySet:
        """Published: the profile page is public."""
        return self.filter(published=True)

    def listed(self) -> OrganisationQuerySet:
        """Published and confirmed by its members within DIRECTORY_HIDE_AFTER_MONTHS: shown in public search."""
        return self.filter(published=True, confirmed_at__gte=months_ago(settings.DIRECTORY_HIDE_AFTER_MONTHS))

    def needing_update(self) -> OrganisationQuerySet:
        return self.filter(confirmed_at__lt=months_ago(settings.DIRECTORY_NEEDS_UPDATE_MONTHS))

    def searchable_by(self, actor: Viewer) -> OrganisationQuerySet:
        """What a search shows this actor: listed organisations, plus their own; coordinators: all."""
        if actor.is_coordinator:
            return self.all()
        listed = Q(published=True, confirmed_at__gte=months_ago(settings.DIRECTORY_HIDE_AFTER_MONTHS))
        if not actor.organisation_ids:
            return self.filter(listed)
        return self.filter(listed | Q(pk__in=actor.organisation_ids))

    def visible_to(self, actor: Viewer) -> OrganisationQuerySet:
        """Published organisations, plus the actor's own; coordinators see every organisation."""
        if actor.is_coordinator:
            return self.all()
        if not actor.organisation_ids:
            return self.public()
        return self.filter(Q(published=True) | Q(pk__in=actor.organisation_ids))

    def editable_by(self, actor: Viewer) -> OrganisationQuerySet:
        """Organisations whose profile the actor may change: their own; coordinators: all."""
        if actor.is_coordinator:
            return self.all()
        return self.filter(pk__in=actor.organisation_ids)

    # A verification holds for VERIFICATION_VALID_MONTHS from verified_at: it expires at verified_at + the
    # period. "Verified" everywhere (the profile, the reports, the API) means verified within the period.
    # `on`: the moment judged (a date means the start of that day, local time; None: now).
    def verified(self, on: dt.datetime | dt.date | None = None) -> OrganisationQuerySet:
        """Verified by `on`, and that verification has not expired at `on`."""
        moment = _moment(on)
        return self.filter(verified_at__gt=moment - verification_period(), verified_at__lte=moment)

    def verification_expiring(
        self, within_days: int = 30, on: dt.datetime | dt.date | None = None
    ) -> OrganisationQuerySet:
        """Still verified at `on`, but the verification expires within `within_days` days of it."""
        moment = _moment(on)
        return self.verified(on=moment).filter(
            verified_at__lte=moment + dt.timedelta(days=within_days) - verification_period()
        )

    def verification_expired(self, on: dt.datetime | dt.date | None = None) -> OrganisationQuerySet:
        """Verified once, but the period of that verification is over at `on`."""
        return self.filter(verified_at__lte=_moment(on) - verification_period())

    def awaiting_verification(self) -> OrganisationQuerySet:
        """Never verified, among the organisations the directory lists (published, and not hidden for want of
        confirmation): the ones a coordinator should check."""
        return self.listed().filter(verified_at__isnull=True)


class Organisation(TimeStampedModel):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200, validators=[refuse_personnummer])
    legal_name = models.CharField(
        _("legal name"),
        max_length=200,
        blank=True,
        validators=[refuse_personnummer],
        help_text=_("As registered with Bolagsverket, if it differs from the name above."),
    )
    kind = models.CharField(_("type"), max_length=32, choices=OrganisationKind.choices)
    orgnr = models.CharField(
        _("organisation number"),
        max_length=10,
        unique=True,
        help_text=_("NNNNNN-NNNN. Sole traders, who use a personnummer, cannot be registered."),
    )
    # A ForeignKey under its old name and column (`kommunkod_id` is the code). NULL only where migration 0008
    # found a code that is no municipality; forms require one.
    kommunkod = municipality_field("kommunkod")
    municipalities_served = models.ManyToManyField(
        Municipality, verbose_name=_("municipalities served"), blank=True, related_name="+"
    )
    street_address = models.CharField(_("street address"), max_length=200, blank=True, validators=[refuse_personnummer])
    postal_code = models.CharField(
        _("postal code"),
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^\d{3} ?\d{2}$", _("A postal code has five digits, e.g. 972 41."))],
    )
    city = models.CharField(_("city"), max_length=100, blank=True, validators=[refuse_personnummer])
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    website = models.URLField(_("website"), blank=True, validators=[URLValidator(schemes=["http", "https"])])
    phone = models.CharField(
        _("phone"),
        max_length=30,
        blank=True,
        validators=[
            RegexValidator(r"^\+?[\d\s\-()]{5,30}$", _("Enter a phone number, e.g. 0920-45 30 00.")),
            refuse_personnummer,
        ],
    )
    email = models.EmailField(_("e-mail"), blank=True)
    description_sv = models.TextField(_("description (Swedish)"), blank=True, validators=[refuse_personnummer])
    description_en = models.TextField(_("description (English)"), blank=True, validators=[refuse_personnummer])
    summary_easy_sv = models.TextField(
        _("easy-to-read summary (Swedish)"),
        blank=True,
        max_length=600,
        validators=[refuse_personnummer],
        help_text=_("A few short sentences in lättläst svenska."),
    )
    sni_codes = models.JSONField(
        _("SNI codes"), default=list, blank=True, help_text=_("SNI 2007 codes, e.g. 47.791 or 88.992.")
    )
    sni_version = models.CharField(_("SNI version"), max_length=16, default="SNI2007", editable=False)
    services = models.ManyToManyField(
        ServiceCategory, verbose_name=_("services"), blank=True, related_name="organisations"
    )
    takes_placements = models.BooleanField(_("takes placements"), default=False)
    placement_capacity = models.PositiveSmallIntegerField(
        _("number of placements"), null=True, blank=True, validators=[MaxValueValidator(1000)]
    )
    support_offered = models.JSONField(_("support offered"), default=list, blank=True)
    premises_accessibility = models.TextField(
        _("accessibility of the premises"),
        blank=True,
        validators=[refuse_personnummer],
        help_text=_("e.g. step-free entrance, accessible toilet, hearing loop, parking."),
    )
    employees = models.PositiveIntegerField(
        _("number of employees"), null=True, blank=True, validators=[MaxValueValidator(1_000_000)]
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    published = models.BooleanField(
        _("listed in the public directory"),
        default=True,
        help_text=_("Untick to keep the organisation out of public view."),
    )
    confirmed_at = models.DateTimeField(_("details confirmed"), default=timezone.now)
    confirmed_by = person_field()
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_by = person_field()
    # The verified_at whose "expires soon" and "has expired" notices the coordinators were sent
    # (directory.verification): a notice is claimed by a compare-and-swap on these columns, so each is sent
    # once per verification period however often the daily task runs; a new verification starts a new period.
    verification_due_sent_for = models.DateTimeField(null=True, blank=True, editable=False)
    verification_expired_sent_for = models.DateTimeField(null=True, blank=True, editable=False)
    # When the members were last e-mailed that the profile needs an update (directory.tasks.nudge_stale_organisations
    # claims an organisation by a compare-and-swap on this column, so a duplicate run sends nothing twice).
    nudged_at = models.DateTimeField(_("members last reminded"), null=True, blank=True, editable=False)
    # Maintained by directory.search.reindex(): a folded (lower-case, å/ä/ö → a/a/o) text of the name,
    # services and descriptions for substring and typo matching, and on PostgreSQL a `swedish` tsvector.
    search_text = models.TextField(blank=True, default="", editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def get_absolute_url(self) -> str:
        """The public profile."""
        return reverse("directory:detail", kwargs={"code": self.code})

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
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Give both latitude and longitude, or neither."))
        if self.placement_capacity and not self.takes_placements:
            raise ValidationError(
                {"placement_capacity": _("Tick “takes placements” or leave the number of placements empty.")}
            )
        unknown = set(self.support_offered or []) - set(SupportOffered.values)
        if unknown:
            raise ValidationError({"support_offered": _("Unknown kind of support.")})
        self.sni_codes = [normalise_sni(code) for code in (self.sni_codes or [])]

    SEARCH_FIELDS = ("search_text", "search_vector")

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Never write the stored search columns from a (possibly stale) in-memory copy: only
        directory.search.reindex() writes them."""
        if self.pk is not None and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name not in self.SEARCH_FIELDS
            ]
        super().save(*args, **kwargs)

    @property
    def freshness(self) -> Freshness:
        if self.confirmed_at < months_ago(settings.DIRECTORY_HIDE_AFTER_MONTHS):
            return Freshness.HIDDEN
        if self.confirmed_at < months_ago(settings.DIRECTORY_NEEDS_UPDATE_MONTHS):
            return Freshness.NEEDS_UPDATE
        return Freshness.FRESH

    @property
    def verification_expires_at(self) -> dt.datetime | None:
        """When the verification stops holding; None if the organisation was never verified."""
        if self.verified_at is None:
            return None
        return self.verified_at + verification_period()

    @property
    def is_verified(self) -> bool:
        expires_at = self.verification_expires_at
        return expires_at is not None and expires_at > timezone.now()

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def description(self) -> str:

        if (get_language() or "sv").startswith("en") and self.description_en:
            return self.description_en
        return self.description_sv


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("Member")
    ADMIN = "admin", _("Administrator")


class Membership(TimeStampedModel):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER)

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
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # An invitation to coordinate: the förbund the invitee becomes a coordinator of.
    forbund = models.ForeignKey(Forbund, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = person_field()
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


class CertificationKind(models.TextChoices):
    SKOOPI = "skoopi", _("Skoopi ASF certification")
    LOU_RESERVED = "lou_reserved", _("Eligible for reserved contracts (LOU 4 kap. 18 §)")
    OTHER = "other", _("Other certification")


class CertificationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


def certified_q(prefix: str = "", on: dt.date | None = None) -> Q:
    """The condition of a certification that counts ("certified"): approved by a coordinator AND within its
    validity. `prefix`: the path to the certification in a join, e.g. "certifications__"."""
    return Q(
        **{f"{prefix}status": CertificationStatus.APPROVED, f"{prefix}valid_until__gte": on or timezone.localdate()}
    )


class CertificationQuerySet(models.QuerySet["Certification"]):
    def valid(self, on: dt.date | None = None) -> CertificationQuerySet:
        """Certifications that count: approved and valid on `on` (default today). A pending or refused
        certification never counts, whatever its date."""
        return self.filter(certified_q(on=on))

    def awaiting_approval(self) -> CertificationQuerySet:
        """Pending certifications whose evidence has been sent: the coordinators' queue."""
        return self.filter(status=CertificationStatus.PENDING).exclude(evidence="")


class Certification(TimeStampedModel):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="certifications")
    kind = models.CharField(_("certification"), max_length=32, choices=CertificationKind.choices)
    name = models.CharField(
        _("name"),
        max_length=200,
        blank=True,
        help_text=_("Only for other certifications."),
        validators=[refuse_personnummer],
    )
    valid_until = models.DateField(_("valid until"))
    # Pending until a coordinator approves it on the evidence (a PDF) the organisation's members send.
    status = models.CharField(
        _("status"), max_length=16, choices=CertificationStatus.choices, default=CertificationStatus.PENDING
    )
    evidence = models.FileField(_("evidence"), upload_to="certifications/", max_length=200, blank=True)
    evidence_name = models.CharField(_("file name"), max_length=200, blank=True, validators=[refuse_personnummer])
    evidence_uploaded_at = models.DateTimeField(_("evidence sent"), null=True, blank=True)
    evidence_uploaded_by = person_field()
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = person_field()
    refusal_reason = models.TextField(_("reason for refusal"), blank=True, validators=[refuse_personnummer])

    objects = CertificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["kind", "valid_until"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "name"], name="directory_certification_one_per_kind_and_name"
            ),
            # A refusal always says why.
            models.CheckConstraint(
                condition=~Q(status=CertificationStatus.REFUSED) | ~Q(refusal_reason=""),
                name="directory_certification_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.get_kind_display()

    @property
    def is_in_date(self) -> bool:
        return self.valid_until >= timezone.localdate()

    @property
    def is_valid(self) -> bool:
        """It counts: approved by a coordinator and within its validity (CertificationQuerySet.valid)."""
        return self.status == CertificationStatus.APPROVED and self.is_in_date

    @property
    def is_awaiting_approval(self) -> bool:
        return self.status == CertificationStatus.PENDING and bool(self.evidence)

    def clean(self) -> None:
        super().clean()
        if self.kind == CertificationKind.OTHER and not self.name:
            raise ValidationError({"name": _("Name the certification.")})
        if self.status == CertificationStatus.REFUSED and not self.refusal_reason.strip():
            raise ValidationError({"refusal_reason": _("Say why the certification is refused.")})


class OrganisationChange(models.Model):
    """Field-level history of an organisation's profile: who changed what, when, from what to what.
    Visible to the organisation's members and to coordinators."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    changed_by = person_field()
    field = models.CharField(max_length=64)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("profile change")
        verbose_name_plural = _("profile changes")
        indexes = [models.Index(fields=["organisation", "-changed_at"], name="directory_change_org_time")]

    def __str__(self) -> str:
        return f"{self.organisation_id}.{self.field} @ {self.changed_at:%Y-%m-%d}"

    @property
    def field_label(self) -> str:
        if self.field in _CHANGE_LABELS:
            return str(_CHANGE_LABELS[self.field])
        try:
            return str(Organisation._meta.get_field(self.field).verbose_name)
        except Exception:
            return self.field


# History rows for things that are not plain fields of Organisation.
_CHANGE_LABELS = {"certifications": _("certifications"), "merge": _("merged with a duplicate")}


class SavedSearch(TimeStampedModel):
    """A logged-in user's saved directory search; a weekly e-mail lists organisations that newly match."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(_("name"), max_length=100, validators=[refuse_personnummer])
    query_string = models.CharField(max_length=1000, validators=[refuse_personnummer_in_query])
    # The portal it was saved on: the weekly e-mail searches as that portal's page does (its förbund's area,
    # unless the query says `area=all`) and links there. None: the national host (and searches saved before).
    forbund = models.ForeignKey(
        "directory.Forbund", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    last_notified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "forbund", "query_string"], name="directory_savedsearch_once_per_user"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- Reports of outdated information (services and views: directory/outdated/) -----------------------------
class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class OutdatedReport(TimeStampedModel):
    """Someone (anyone: no account needed) says that something on an organisation's public profile is wrong.
    The organisation's members are told and close it with a note; one left open for
    OUTDATED_REPORT_ESCALATE_DAYS goes to the coordinators, once (`escalated_at` is the claim)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="outdated_reports")
    what_is_wrong = models.TextField(_("what is wrong"), max_length=2000, validators=[refuse_personnummer])
    # Optional, never required; erased OUTDATED_REPORT_CONTACT_KEEP_DAYS after the report is closed
    # (asfnet/processing.py, "outdated_reports").
    contact_email = models.EmailField(_("your e-mail (optional)"), blank=True, validators=[refuse_personnummer])
    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = person_field()
    close_note = models.CharField(_("note"), max_length=500, blank=True, validators=[refuse_personnummer])
    escalated_at = models.DateTimeField(_("sent on to the coordinators"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("report of outdated information")
        verbose_name_plural = _("reports of outdated information")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | Q(status="closed", closed_at__isnull=False),
                name="directory_outdatedreport_closed_iff_closed_at",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="directory_outdated_open_age")]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.what_is_wrong[:40]}"

    @property
    def is_open(self) -> bool:
        return self.status == ReportStatus.OPEN


# --- Merged organisations (services and views: directory/merge/) -------------------------------------------
class OrganisationRedirect(models.Model):
    """The code of an organisation merged into another (directory.merge.services.organisation_merge): its old
    profile URL answers 301 to the kept organisation. A later merge of the kept organisation moves these rows
    along, so a chain never forms."""

    old_code = models.UUIDField(_("old code"), unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("organisation redirect")
        verbose_name_plural = _("organisation redirects")

    def __str__(self) -> str:
        return f"{self.old_code} → {self.organisation_id}"
