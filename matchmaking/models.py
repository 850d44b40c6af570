"""Matchmaking: funded projects, pseudonymous participants and their labour-market events (the ESF+ data
of docs/esf-indicators.md), needs, placement opportunities and matches: the placement pipeline. Partner
requests (matchmaking/partners/models.py) and agreements (matchmaking/agreements/models.py) keep their models
in their own subpackages; they are imported below so that Django registers them in this app (app label
"matchmaking", tables unchanged).

Privacy: a participant has a generated code, never a name or personnummer. The sensitive fields
(SENSITIVE_PARTICIPANT_FIELDS and Need.free_text) are seen only by the raising organisation's officers and
coordinators, are never filter or sort keys, and every read is audited (matchmaking.access)."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from directory.access import Actor
from directory.models import Forbund, Organisation, ServiceCategory, municipality_field
from kernel.identifiers import refuse_personnummer
from kernel.models import TimeStampedModel, person_field
from matchmaking.agreements.models import Agreement, AgreementDocument, AgreementKind  # noqa: F401 (registered)
from matchmaking.partners.models import (  # noqa: F401 (registered)
    PartnerAnswer,
    PartnerRequest,
    PartnerRequestStatus,
    PartnerResponse,
)


class FundedProjectQuerySet(models.QuerySet["FundedProject"]):
    def visible_to(self, actor: Actor) -> FundedProjectQuerySet:
        """The projects of the förbund the actor acts in (none on the national host)."""
        if actor.forbund_id is None:
            return self.none()
        return self.filter(forbund_id=actor.forbund_id)


class FundedProject(TimeStampedModel):
    """A funded project, e.g. an ESF+ project. Belongs to one förbund; participants belong to one; reports
    read it."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    forbund = models.ForeignKey(Forbund, verbose_name=_("förbund"), on_delete=models.PROTECT, related_name="projects")
    diarienummer = models.CharField(
        _("reference number (diarienummer)"), max_length=40, unique=True, validators=[refuse_personnummer]
    )
    name = models.CharField(_("name"), max_length=300, validators=[refuse_personnummer])
    owner = models.ForeignKey(
        Organisation, verbose_name=_("project owner"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    programme_area = models.CharField(_("programme area"), max_length=200, blank=True, validators=[refuse_personnummer])
    objective = models.CharField(_("specific objective"), max_length=200, blank=True, validators=[refuse_personnummer])

    objects = FundedProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("funded project")
        verbose_name_plural = _("funded projects")
        ordering = ["diarienummer"]

    def __str__(self) -> str:
        return f"{self.diarienummer} {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The project must end after it starts.")})


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NON_BINARY = "non_binary", _("Non-binary")


class LabourStatus(models.TextChoices):
    UNEMPLOYED = "unemployed", _("Unemployed")
    INACTIVE = "inactive", _("Inactive (not in work and not looking)")
    EMPLOYED = "employed", _("Employed, including self-employed")


class Isced(models.TextChoices):
    LOW = "0-2", _("ISCED 0–2 (at most lower secondary)")
    MIDDLE = "3-4", _("ISCED 3–4 (upper secondary or post-secondary)")
    HIGH = "5-8", _("ISCED 5–8 (tertiary)")


# Never filter, sort or show these outside the raising organisation and coordinators.
SENSITIVE_PARTICIPANT_FIELDS = ("disability", "minority", "third_country_national", "foreign_background", "homeless")
ESF_FLAGS = ("disability", "third_country_national", "foreign_background", "minority", "homeless", "rural")


def new_participant_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "P-" + "".join(secrets.choice(alphabet) for _ in range(8))


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def visible_to(self, actor: Actor) -> ParticipantQuerySet:
        """Within the förbund the actor acts in (its projects' participants): coordinators all; officers those
        raised by their own municipality/agency; nobody else. On the national host: none."""
        if actor.forbund_id is None:
            return self.none()
        in_forbund = self.filter(project__forbund_id=actor.forbund_id)
        if actor.is_coordinator:
            return in_forbund
        if not actor.officer_organisation_ids:
            return self.none()
        return in_forbund.filter(raised_by_organisation_id__in=actor.officer_organisation_ids)


class Participant(TimeStampedModel):
    code = models.CharField(
        _("participant code"),
        max_length=40,
        default=new_participant_code,
        validators=[
            RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$", _("Letters, digits, '-', '_' and '.' only.")),
            refuse_personnummer,
        ],
        help_text=_("A pseudonym. Never a name or a personal identity number."),
    )
    project = models.ForeignKey(FundedProject, on_delete=models.PROTECT, related_name="participants")
    raised_by_organisation = models.ForeignKey(
        Organisation, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="participants"
    )
    raised_by = person_field()
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices)
    birth_date = models.DateField(_("date of birth"))
    entry_date = models.DateField(_("entry date"))
    exit_date = models.DateField(_("exit date"), null=True, blank=True)
    status_at_entry = models.CharField(_("labour-market status at entry"), max_length=16, choices=LabourStatus.choices)
    unemployed_months = models.PositiveSmallIntegerField(
        _("months of continuous unemployment at entry"), null=True, blank=True, validators=[MaxValueValidator(600)]
    )
    isced = models.CharField(_("education level (ISCED)"), max_length=3, choices=Isced.choices, blank=True)
    disability = models.BooleanField(_("has a disability"), default=False)
    third_country_national = models.BooleanField(_("third-country national"), default=False)
    foreign_background = models.BooleanField(_("foreign background"), default=False)
    minority = models.BooleanField(_("belongs to a minority (incl. Roma)"), default=False)
    homeless = models.BooleanField(_("homeless or excluded from housing"), default=False)
    rural = models.BooleanField(_("lives in a rural area"), default=False)
    # NULL only where migration matchmaking 0005 found a code that is no municipality; forms require one.
    municipality = municipality_field("municipality")
    consent_date = models.DateField(_("consent given on"), null=True, blank=True)
    consent_scope = models.CharField(_("consent covers"), max_length=300, blank=True, validators=[refuse_personnummer])

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["entry_date", "code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="matchmaking_participant_code_per_project"),
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True) | Q(exit_date__gte=models.F("entry_date")),
                name="matchmaking_participant_exit_after_entry",
            ),
            models.CheckConstraint(
                condition=Q(unemployed_months__isnull=True) | Q(status_at_entry="unemployed"),
                name="matchmaking_participant_months_only_if_unemployed",
            ),
            models.CheckConstraint(
                condition=Q(birth_date__lte=models.F("entry_date")),
                name="matchmaking_participant_born_before_entry",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "entry_date"], name="mm_participant_entry"),
            models.Index(fields=["project", "exit_date"], name="mm_participant_exit"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def audit_target_id(self) -> str:
        """How the audit log names the participant: a code is unique within its project only, so the
        project's key comes first (otherwise a read of P-1 in one project would be listed for P-1 in another,
        e.g. in a data subject's export)."""
        return f"{self.project_id}:{self.code}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.exit_date and self.entry_date and self.exit_date < self.entry_date:
            errors["exit_date"] = _("The exit date cannot be before the entry date.")
        if self.birth_date and self.entry_date and self.birth_date > self.entry_date:
            errors["birth_date"] = _("The date of birth must be before the entry date.")
        if self.status_at_entry == LabourStatus.UNEMPLOYED and self.unemployed_months is None:
            errors["unemployed_months"] = _("Give the number of months of unemployment.")
        if self.status_at_entry != LabourStatus.UNEMPLOYED and self.unemployed_months is not None:
            errors["unemployed_months"] = _("Months of unemployment apply only to people unemployed at entry.")
        if errors:
            raise ValidationError(errors)

    def age_on(self, day: dt.date) -> int:
        """Completed years on `day`."""
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class OutcomeEvent(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    JOB_SEEKING = "job_seeking", _("Job seeking")
    EDUCATION = "education", _("In education or training")
    INACTIVE = "inactive", _("Inactive")
    QUALIFICATION = "qualification", _("Gained a qualification")
    IMPROVED = "improved", _("Improved labour-market situation")


class ImprovementCriterion(models.TextChoices):
    """What makes a situation "improved" (EECR06): the Commission's four criteria. A pay rise alone is none."""

    STABLE_CONTRACT = "stable_contract", _("From precarious to stable employment")
    MORE_HOURS = "more_hours", _("From under-employment to full employment")
    HIGHER_SKILLED = "higher_skilled", _("A job needing higher skills, competences or qualifications")
    PROMOTION = "promotion", _("A promotion (more responsibility)")


class LabourMarketEventQuerySet(models.QuerySet["LabourMarketEvent"]):
    def criterion_missing(self) -> LabourMarketEventQuerySet:
        """`improved` events recorded before a criterion was required: kept, not counted until completed."""
        return self.filter(event=OutcomeEvent.IMPROVED, criterion="")


class LabourMarketEvent(models.Model):
    """A dated labour-market situation or milestone of a participant (docs/esf-indicators.md). Several on
    one date: the one recorded last (highest id) counts. Which events replace the labour-market situation,
    and which are a dimension of their own (education) or milestones, is the ESF+ rules' business
    (reports/indicators.py)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="outcomes")
    date = models.DateField(_("date"))
    # "event" alone is a calendar event (Swedish "evenemang"); here it is a labour-market one ("händelse").
    event = models.CharField(pgettext_lazy("labour market", "event"), max_length=16, choices=OutcomeEvent.choices)
    criterion = models.CharField(
        _("what improved"),
        max_length=16,
        choices=ImprovementCriterion.choices,
        blank=True,
        help_text=_("Only for an improved labour-market situation, and required for it."),
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = person_field()

    objects = LabourMarketEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("labour-market event")
        verbose_name_plural = _("labour-market events")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["participant", "date"], name="mm_outcome_participant_date")]
        constraints = [
            # Required for `improved` only when recorded: events recorded before criteria existed stay without.
            models.CheckConstraint(
                condition=Q(criterion="") | Q(event="improved"),
                name="matchmaking_outcome_criterion_only_for_improved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.date} {self.event}"

    @property
    def criterion_missing(self) -> bool:
        return self.event == OutcomeEvent.IMPROVED and not self.criterion

    def clean(self) -> None:
        """Dated from the entry date to today; `improved` only for participants employed at entry and, when
        recorded, with its criterion; a criterion on no other event. An event already stored is checked
        against its participant again (an import may change the entry data) but not against today's date
        nor for a criterion it was recorded without: it keeps its place until completed."""
        super().clean()
        participant = self.participant
        errors: dict[str, Any] = {}
        if self.date and participant.entry_date and self.date < participant.entry_date:
            errors["date"] = _("A labour-market event cannot be dated before the entry date.")
        elif self.date and self._state.adding and self.date > timezone.localdate():
            errors["date"] = _("A labour-market event cannot be dated in the future: record it when it has happened.")
        if self.event == OutcomeEvent.IMPROVED and participant.status_at_entry != LabourStatus.EMPLOYED:
            errors["event"] = _("“Improved situation” applies only to participants who were employed at entry.")
        elif self.event == OutcomeEvent.IMPROVED and not self.criterion and self._state.adding:
            errors["criterion"] = _(
                "Say what improved: a more stable contract, more hours, a job needing higher skills or a promotion. "
                "A pay rise alone is not an improvement."
            )
        if self.criterion and self.event != OutcomeEvent.IMPROVED:
            errors["criterion"] = _("What improved is given only for an improved labour-market situation.")
        if errors:
            raise ValidationError(errors)


class Weekday(models.TextChoices):
    MORNINGS = "mornings", _("Mornings")
    AFTERNOONS = "afternoons", _("Afternoons")
    FULL_DAYS = "full_days", _("Full days")


class Adaptation(models.TextChoices):
    CALM = "calm", _("Calm environment")
    PHYSICAL = "physical", _("Physically accessible workplace")
    SHORT_DAYS = "short_days", _("Short days or gradual start")
    CLEAR_INSTRUCTIONS = "clear_instructions", _("Clear, step-by-step instructions")
    LANGUAGE = "language", _("Support in Swedish")
    TRANSPORT = "transport", _("Help with transport")


class OpportunityType(models.TextChoices):
    WORK_TRAINING = "arbetstraning", _("Work training")
    INTERNSHIP = "praktik", _("Internship")
    SUPPORTED_EMPLOYMENT = "anstallning_med_stod", _("Supported employment")
    WAGE_SUBSIDY = "lonestod", _("Wage subsidy")
    EXTRA_JOB = "extratjanst", _("Extra job")
    NEW_START_JOB = "nystartsjobb", _("New start job")
    OTHER = "other", _("Other")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PLACED = "placed", _("Placed")
    CLOSED = "closed", _("Closed")


# The furthest anyone may say they can travel to a placement (km).
MAX_TRAVEL_KM = 500


class Need(TimeStampedModel):
    """What a participant wants and needs. `free_text` is sensitive: only the raising organisation and
    coordinators see it, and it is never searched, filtered or sorted on."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="needs")
    occupation_codes = models.JSONField(_("occupational fields (SSYK 2012)"), default=list, blank=True)
    services = models.ManyToManyField(ServiceCategory, verbose_name=_("kinds of work of interest"), blank=True)
    hours_per_week = models.PositiveSmallIntegerField(
        _("hours per week"), validators=[MinValueValidator(1), MaxValueValidator(40)]
    )
    times = models.JSONField(_("preferred times"), default=list, blank=True)
    municipality = municipality_field("municipality")
    travel_km = models.PositiveSmallIntegerField(
        _("can travel (km)"), default=10, validators=[MaxValueValidator(MAX_TRAVEL_KM)]
    )
    adaptations = models.JSONField(_("adaptations needed"), default=list, blank=True)
    supervisor_needed = models.BooleanField(_("needs a supervisor on site"), default=False)
    language = models.CharField(_("language"), max_length=40, default="svenska", validators=[refuse_personnummer])
    earliest_start = models.DateField(_("earliest start"))
    free_text = models.TextField(_("more about the need"), blank=True, validators=[refuse_personnummer])
    status = models.CharField(_("status"), max_length=16, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    created_by = person_field()
    # Last reminder to the officer that the need has no proposal (matchmaking.tasks.send_nudges).
    nudged_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at"]

    def get_absolute_url(self) -> str:
        """The need's page."""
        return reverse("matchmaking:need_detail", kwargs={"code": self.code})

    def __str__(self) -> str:
        return f"{self.participant} ({self.get_status_display()})"

    def clean(self) -> None:
        super().clean()
        if set(self.times or []) - set(Weekday.values):
            raise ValidationError({"times": _("Unknown time of day.")})
        if set(self.adaptations or []) - set(Adaptation.values):
            raise ValidationError({"adaptations": _("Unknown adaptation.")})


class OpportunityQuerySet(models.QuerySet["Opportunity"]):
    def open(self, on: dt.date | None = None, now: dt.datetime | None = None) -> OpportunityQuerySet:
        """Published, places left, not expired (refreshed within OPPORTUNITY_REFRESH_WEEKS), not ended; at `now`
        (None: this moment), `on` its date unless given."""
        now = now or timezone.now()
        on = on or timezone.localdate(now)
        fresh_since = now - dt.timedelta(weeks=settings.OPPORTUNITY_REFRESH_WEEKS)
        return self.filter(published=True, places_available__gt=0, refreshed_at__gte=fresh_since).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=on)
        )

    def public(self) -> OpportunityQuerySet:
        """What anyone may see without logging in (/opportunities/): open, at an organisation whose profile is
        public. An opportunity holds nothing about participants; its placements are never reached from here."""
        return self.open().filter(organisation__published=True)

    def visible_to(self, actor: Actor) -> OpportunityQuerySet:
        """Open opportunities for logged-in members of the network; an organisation's own at any state."""
        if not actor.is_authenticated:
            return self.none()
        if actor.is_coordinator:
            return self.all()
        own = Q(organisation_id__in=actor.organisation_ids)
        return self.filter(Q(pk__in=self.model.objects.open().values("pk")) | own)


class Opportunity(TimeStampedModel):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="opportunities")
    type = models.CharField(_("type"), max_length=32, choices=OpportunityType.choices)
    title = models.CharField(_("title"), max_length=200, validators=[refuse_personnummer])
    description = models.TextField(_("description"), blank=True, validators=[refuse_personnummer])
    service = models.ForeignKey(
        ServiceCategory, verbose_name=_("kind of work"), null=True, blank=True, on_delete=models.SET_NULL
    )
    occupation_code = models.CharField(_("occupational field (SSYK 2012)"), max_length=4, blank=True)
    municipality = municipality_field("municipality")
    hours_per_week_min = models.PositiveSmallIntegerField(_("hours per week, from"), default=10)
    hours_per_week_max = models.PositiveSmallIntegerField(
        _("hours per week, up to"), default=40, validators=[MaxValueValidator(40)]
    )
    times = models.JSONField(_("times offered"), default=list, blank=True)
    places_total = models.PositiveSmallIntegerField(_("places"), default=1, validators=[MaxValueValidator(500)])
    places_available = models.PositiveSmallIntegerField(_("places available"), default=1)
    adaptations = models.JSONField(_("adaptations offered"), default=list, blank=True)
    supervisor_available = models.BooleanField(_("supervisor on site"), default=False)
    starts_on = models.DateField(_("available from"))
    ends_on = models.DateField(_("available until"), null=True, blank=True)
    published = models.BooleanField(_("published"), default=True)
    refreshed_at = models.DateTimeField(_("last confirmed"), default=timezone.now)
    # Last reminder to the organisation to refresh the opportunity (matchmaking.tasks.send_nudges).
    nudged_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("placement opportunity")
        verbose_name_plural = _("placement opportunities")
        ordering = ["-refreshed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(places_available__lte=models.F("places_total")),
                name="matchmaking_opportunity_available_le_total",
            ),
            models.CheckConstraint(
                condition=Q(hours_per_week_min__lte=models.F("hours_per_week_max")),
                name="matchmaking_opportunity_hours_range",
            ),
        ]
        indexes = [
            models.Index(fields=["published", "municipality", "places_available"], name="mm_opportunity_open"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The end must be after the start.")
        if self.hours_per_week_min > self.hours_per_week_max:
            errors["hours_per_week_max"] = _("The upper limit must be at least the lower limit.")
        if self.places_available > self.places_total:
            errors["places_available"] = _("There cannot be more places available than places in total.")
        if set(self.times or []) - set(Weekday.values):
            errors["times"] = _("Unknown time of day.")
        if set(self.adaptations or []) - set(Adaptation.values):
            errors["adaptations"] = _("Unknown adaptation.")
        if errors:
            raise ValidationError(errors)


class MatchStatus(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    STARTED = "started", _("Started")
    ENDED = "ended", _("Ended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Match(TimeStampedModel):
    """A need proposed for an opportunity, and what happened: proposed → accepted/declined → started → ended."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="matches")
    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="matches")
    status = models.CharField(max_length=16, choices=MatchStatus.choices, default=MatchStatus.PROPOSED)
    score = models.PositiveSmallIntegerField(default=0)
    reasons = models.JSONField(default=list, blank=True)
    proposed_by = person_field()
    proposed_at = models.DateTimeField(null=True, blank=True)
    decided_by = person_field()
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=300, blank=True, validators=[refuse_personnummer])
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_note = models.CharField(max_length=300, blank=True, validators=[refuse_personnummer])
    # Last reminder to the host that the proposal is unanswered (matchmaking.tasks.send_nudges).
    nudged_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["need", "opportunity"],
                condition=~Q(status__in=["declined", "withdrawn", "ended"]),
                name="matchmaking_match_one_live_per_pair",
            ),
        ]

    def get_absolute_url(self) -> str:
        """The placement's page."""
        return reverse("matchmaking:match_detail", kwargs={"code": self.code})

    def __str__(self) -> str:
        return f"{self.need_id} → {self.opportunity_id} ({self.status})"
