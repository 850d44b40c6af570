"""The network calendar: events by any member organisation, registration with capacity and a waitlist,
attendance, and per-event retention of personal data."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, URLValidator
from django.db import models
from django.db.models import DateTimeField, ExpressionWrapper, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from directory.models import Forbund, Organisation, municipality_field
from kernel.expressions import Days
from kernel.identifiers import refuse_personnummer
from kernel.models import TimeStampedModel, person_field

if TYPE_CHECKING:
    from directory.access import Actor


class EventKind(models.TextChoices):
    NETWORK_MEETING = "network_meeting", _("Network meeting")
    STUDY_VISIT = "study_visit", _("Study visit")
    TRAINING = "training", _("Training")
    WORKSHOP = "workshop", _("Workshop")
    MARKET_DIALOGUE = "market_dialogue", _("Market dialogue")
    OTHER = "other", _("Other")


class Audience(models.TextChoices):
    PUBLIC = "public", _("Open to everyone")
    NETWORK = "network", _("Members of the network")
    INVITED = "invited", _("Invited organisations only")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class EventSeries(TimeStampedModel):
    """A recurring meeting (e.g. the monthly network meeting): its events link here."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organiser = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="event_series")
    name = models.CharField(_("name"), max_length=200, validators=[refuse_personnummer])
    # The recurrence (events/series/): an RFC 5545 RRULE (without DTSTART) built by the series form, read with
    # python-dateutil, from `first_start` (Swedish wall-clock time, so 18:00 stays 18:00 across the
    # daylight-saving changes); EXDATE: the local dates skipped. Empty for a series without a rule.
    rrule = models.TextField(blank=True, editable=False)
    # ISO dates ("2031-03-25"), in order: JSON so that the embedded SQLite default (make run) has it too.
    exdates = models.JSONField(default=list, blank=True, editable=False)
    first_start = models.DateTimeField(null=True, blank=True, editable=False)
    duration = models.DurationField(null=True, blank=True, editable=False)
    capacity = models.PositiveIntegerField(
        _("number of places on each date"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100_000)],
        help_text=_("Leave empty for no limit."),
    )
    # The event the series was made from: the other dates copy its texts, place and audience.
    template = models.ForeignKey(
        "Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_by = person_field()

    class Meta:
        verbose_name = _("event series")
        verbose_name_plural = _("event series")

    def get_absolute_url(self) -> str:
        """The series' page."""
        return reverse("events:series", kwargs={"code": self.code})

    def __str__(self) -> str:
        return self.name

    @property
    def skipped_dates(self) -> list[dt.date]:
        return [dt.date.fromisoformat(day) for day in self.exdates]


def new_checkin_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on a phone
    return "".join(secrets.choice(alphabet) for _ in range(6))


def default_retention_days() -> int:
    return settings.EVENTS_RETENTION_DAYS


class EventQuerySet(models.QuerySet["Event"]):
    def in_reach_of(self, actor: Actor) -> EventQuerySet:
        """On a förbund's host its own events and the national ones; on the national host every event."""
        if actor.forbund_id is None:
            return self.all()
        return self.filter(Q(forbund_id=actor.forbund_id) | Q(forbund__isnull=True))

    def in_calendar_of(self, forbund: Forbund | None) -> EventQuerySet:
        """What a calendar lists: the förbund's own events, and the national ones if it shows them; the
        national calendar (no förbund) lists every event."""
        if forbund is None:
            return self.all()
        if forbund.show_national_events:
            return self.filter(Q(forbund_id=forbund.pk) | Q(forbund__isnull=True))
        return self.filter(forbund_id=forbund.pk)

    def visible_to(self, actor: Actor) -> EventQuerySet:
        """Within reach of the förbund (in_reach_of): published public events for everyone; network events for
        logged-in members; invited events for members of an invited organisation; the organiser's members see
        its drafts; the förbund's coordinators every event of its own."""
        reach = self.in_reach_of(actor)
        shown_statuses = [EventStatus.PUBLISHED, EventStatus.CANCELLED]
        if not actor.is_authenticated:
            return reach.filter(status__in=shown_statuses, audience=Audience.PUBLIC)
        mine = sorted(actor.organisation_ids)
        shown = Q(status__in=shown_statuses) & (
            Q(audience__in=[Audience.PUBLIC, Audience.NETWORK])
            | Q(audience=Audience.INVITED, invited_organisations__in=mine)
            | Q(organiser__in=mine)
        )
        own = Q(organiser__in=mine)
        if actor.is_coordinator:
            own |= Q(forbund_id=actor.forbund_id)
        return reach.filter(pk__in=self.model.objects.filter(shown | own).values("pk"))

    def editable_by(self, actor: Actor) -> EventQuerySet:
        """The organiser's members (within reach of the förbund); the förbund's coordinators its own events."""
        mine = Q(organiser__in=sorted(actor.organisation_ids))
        if actor.is_coordinator:
            return self.in_reach_of(actor).filter(mine | Q(forbund_id=actor.forbund_id))
        return self.in_reach_of(actor).filter(mine)

    def upcoming(self, now: dt.datetime | None = None) -> EventQuerySet:
        """Not ended by `now` (None: this moment)."""
        return self.filter(end__gte=now or timezone.now())

    def past_retention(self, now: dt.datetime) -> EventQuerySet:
        """Ended events whose personal data is not purged although their retention period (`retention_days`
        after the end, `Event.purge_due_at`) has passed by `now`."""
        due_at = ExpressionWrapper(F("end") + Days("retention_days"), output_field=DateTimeField())
        return (
            self.filter(personal_data_purged_at__isnull=True, end__lt=now)
            .alias(purge_due=due_at)
            .filter(purge_due__lte=now)
        )


class Event(TimeStampedModel):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organiser = models.ForeignKey(
        Organisation, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="events"
    )
    # The förbund whose calendar the event is in; none: a national event (in every calendar that shows them).
    forbund = models.ForeignKey(
        Forbund, verbose_name=_("förbund"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    series = models.ForeignKey(
        EventSeries, verbose_name=_("series"), null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    kind = models.CharField(_("type"), max_length=32, choices=EventKind.choices, default=EventKind.NETWORK_MEETING)
    title_sv = models.CharField(_("title (Swedish)"), max_length=200, validators=[refuse_personnummer])
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True, validators=[refuse_personnummer])
    description_sv = models.TextField(_("description (Swedish)"), blank=True, validators=[refuse_personnummer])
    description_en = models.TextField(_("description (English)"), blank=True, validators=[refuse_personnummer])
    start = models.DateTimeField(_("starts"))
    end = models.DateTimeField(_("ends"))
    place_name = models.CharField(_("place"), max_length=200, blank=True, validators=[refuse_personnummer])
    street_address = models.CharField(_("street address"), max_length=200, blank=True, validators=[refuse_personnummer])
    kommunkod = municipality_field("kommunkod", blank=True)
    venue_accessibility = models.TextField(
        _("accessibility of the venue"), blank=True, validators=[refuse_personnummer]
    )
    online_url = models.URLField(
        _("online meeting link"),
        blank=True,
        validators=[URLValidator(schemes=["https"])],
        help_text=_("Shown only to people who are registered."),
    )
    audience = models.CharField(_("who may come"), max_length=16, choices=Audience.choices, default=Audience.PUBLIC)
    invited_organisations = models.ManyToManyField(
        Organisation, verbose_name=_("invited organisations"), blank=True, related_name="event_invitations"
    )
    capacity = models.PositiveIntegerField(
        _("number of places"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100_000)],
        help_text=_("Leave empty for no limit."),
    )
    registration_opens = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes = models.DateTimeField(_("registration closes"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=EventStatus.choices, default=EventStatus.DRAFT)
    # A date of a series (events/series/): its local date in the series' rule, and whether the organiser
    # changed the number of places on this date (then a change of the series' capacity leaves it).
    series_date = models.DateField(null=True, blank=True, editable=False)
    capacity_changed = models.BooleanField(default=False, editable=False)
    # …and whether the organiser added or removed a question on this date: then a change of the series'
    # questions leaves this date's alone.
    questions_changed = models.BooleanField(default=False, editable=False)
    # The UID of the VEVENT this event was imported from (events/ics_import/), unique per organiser: a
    # second import of the same calendar updates the event instead of adding another.
    import_uid = models.CharField(max_length=255, blank=True, editable=False)
    # iCalendar SEQUENCE: raised on every change that calendar apps must pick up.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    checkin_code = models.CharField(max_length=8, default=new_checkin_code, editable=False)
    retention_days = models.PositiveIntegerField(
        _("days to keep personal data after the event"),
        default=default_retention_days,
        validators=[MaxValueValidator(3650)],
    )
    requires_approval = models.BooleanField(
        _("registrations need the organiser's approval"),
        default=False,
        help_text=_(
            "For a closed study visit or a market dialogue for invited buyers: nobody gets a place until you "
            "accept their registration."
        ),
    )
    personal_data_purged_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminders_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = person_field()

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["start", "pk"]
        indexes = [models.Index(fields=["status", "start"], name="events_event_status_start")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="events_event_ends_after_start"),
            models.UniqueConstraint(
                fields=["series", "series_date"],
                condition=Q(series__isnull=False, series_date__isnull=False),
                name="events_event_one_per_series_date",
            ),
            models.UniqueConstraint(
                fields=["organiser", "import_uid"], condition=~Q(import_uid=""), name="events_event_one_per_import_uid"
            ),
        ]

    def get_absolute_url(self) -> str:
        """The event's page."""
        return reverse("events:detail", kwargs={"code": self.code})

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        if (get_language() or "sv").startswith("en") and self.title_en:
            return self.title_en
        return self.title_sv

    @property
    def description(self) -> str:
        if (get_language() or "sv").startswith("en") and self.description_en:
            return self.description_en
        return self.description_sv

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.start and self.end and self.end <= self.start:
            errors["end"] = _("The event must end after it starts.")
        if self.registration_opens and self.registration_closes and self.registration_closes <= self.registration_opens:
            errors["registration_closes"] = _("Registration must close after it opens.")
        if self.registration_closes and self.end and self.registration_closes > self.end:
            errors["registration_closes"] = _("Registration must close before the event ends.")
        if not self.place_name and not self.online_url:
            errors["place_name"] = _("Give a place, an online link, or both.")
        if errors:
            raise ValidationError(errors)

    def registration_open(self, at: dt.datetime | None = None) -> bool:
        at = at or timezone.now()
        if self.status != EventStatus.PUBLISHED or at >= self.end:
            return False
        if self.registration_opens and at < self.registration_opens:
            return False
        return not (self.registration_closes and at >= self.registration_closes)

    def checkin_open(self, at: dt.datetime | None = None) -> bool:
        """Self check-in works from 30 minutes before the start until the end."""
        at = at or timezone.now()
        return self.status == EventStatus.PUBLISHED and self.start - dt.timedelta(minutes=30) <= at <= self.end

    @property
    def purge_due_at(self) -> dt.datetime:
        return self.end + dt.timedelta(days=self.retention_days)


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for e-mail confirmation")
    CONFIRMED = "confirmed", _("Registered")
    WAITLISTED = "waitlisted", _("On the waiting list")
    OFFERED = "offered", _("Offered a place, waiting for an answer")
    # A registration is withdrawn ("avbokad"); a cancelled event is called off ("inställt").
    CANCELLED = "cancelled", pgettext_lazy("registration", "Cancelled")
    EXPIRED = "expired", _("Offer expired")
    # Events that need the organiser's approval (Event.requires_approval): no place is held until accepted.
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for the organiser's approval")
    REFUSED = "refused", _("Not accepted by the organiser")


# Statuses that hold a place (count against capacity).
HOLDS_PLACE = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)
# Statuses of a registration that is still alive (one per person and event).
ACTIVE = (
    RegistrationStatus.PENDING,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.OFFERED,
    RegistrationStatus.AWAITING_APPROVAL,
)


class Attendance(models.TextChoices):
    UNKNOWN = "unknown", _("Not marked")
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


def registration_person_erased(collector, field, sub_objs, using):  # type: ignore[no-untyped-def]
    """on_delete of a registration's user: when an account is erased (GDPR art. 17), the registration stays for
    the event's counts (attendance, organisation kind) but keeps nothing about the person, as after the
    event's retention purge. The collector runs its updates in the order they are added, one statement each,
    and the row's own check allows a person-less row only once purged: so "purged" first, the user last.
    The answers to the event's questions and the organiser's message about the decision go with them."""
    model = field.model
    answers = RegistrationAnswer.objects.filter(registration__in=sub_objs)
    collector.collect(answers, source=model, nullable=True, fail_on_restricted=False)
    for name, value in (
        ("guest_name", ""),
        ("guest_email", ""),
        ("dietary_needs", ""),
        ("accessibility_needs", ""),
        ("decision_message", ""),
        ("personal_data_purged", True),
    ):
        collector.add_field_update(model._meta.get_field(name), value, sub_objs)
    collector.add_field_update(field, None, sub_objs)


class Registration(TimeStampedModel):
    """A person's place (or place in the queue) at an event: a logged-in member (their organisation is
    recorded) or a guest (name + e-mail, confirmed by a link). Guest data and the optional needs are
    personal data that the retention purge removes."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=registration_person_erased,
        related_name="event_registrations",
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="event_registrations"
    )
    # Kept after the purge (no personal data): what reports count by.
    organisation_kind = models.CharField(max_length=32, blank=True)
    guest_name = models.CharField(_("name"), max_length=150, blank=True, validators=[refuse_personnummer])
    guest_email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(max_length=8, default="sv")
    dietary_needs = models.CharField(_("dietary needs"), max_length=300, blank=True, validators=[refuse_personnummer])
    accessibility_needs = models.CharField(
        _("accessibility needs"), max_length=300, blank=True, validators=[refuse_personnummer]
    )
    status = models.CharField(max_length=24, choices=RegistrationStatus.choices, default=RegistrationStatus.CONFIRMED)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    attendance = models.CharField(max_length=16, choices=Attendance.choices, default=Attendance.UNKNOWN)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    registered_by = person_field()
    # Hash of the secret in the cancel/confirm link (only the e-mail carries the secret itself).
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The organiser's optional message with an accept or refuse (events that need approval): personal data,
    # purged with the needs.
    decision_message = models.TextField(_("message"), blank=True, max_length=2000, validators=[refuse_personnummer])
    decided_at = models.DateTimeField(null=True, blank=True)
    personal_data_purged = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=Q(status__in=ACTIVE) & Q(user__isnull=False),
                name="events_registration_one_per_person",
            ),
            models.UniqueConstraint(
                fields=["event", "guest_email"],
                condition=Q(status__in=ACTIVE) & ~Q(guest_email=""),
                name="events_registration_one_per_guest_email",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(guest_email="") | Q(personal_data_purged=True),
                name="events_registration_member_or_guest",
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "created_at"], name="events_reg_queue")]

    def __str__(self) -> str:
        return f"{self.display_name} @ {self.event_id}"

    @property
    def display_name(self) -> str:
        if self.user_id:
            return str(self.user)
        return self.guest_name or str(_("Guest"))

    @property
    def email(self) -> str:
        return self.user.email if self.user_id else self.guest_email

    @property
    def holds_place(self) -> bool:
        return self.status in HOLDS_PLACE


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Free text")
    CHOICE = "choice", _("One of listed options")
    YES_NO = "yes_no", _("Yes or no")


class QuestionFields(TimeStampedModel):
    """What a question is (in Swedish and English): asked on an event (EventQuestion) or on every date of a
    series (SeriesQuestion). A choice question lists its options one per line, the English ones in the same
    order as the Swedish."""

    kind = models.CharField(_("type of answer"), max_length=16, choices=QuestionKind.choices, default=QuestionKind.TEXT)
    label_sv = models.CharField(_("question (Swedish)"), max_length=300, validators=[refuse_personnummer])
    label_en = models.CharField(_("question (English)"), max_length=300, blank=True, validators=[refuse_personnummer])
    options_sv = models.TextField(
        _("options (Swedish)"), blank=True, validators=[refuse_personnummer], help_text=_("One option per line.")
    )
    options_en = models.TextField(
        _("options (English)"),
        blank=True,
        validators=[refuse_personnummer],
        help_text=_("One option per line, in the same order as the Swedish ones."),
    )
    required = models.BooleanField(_("an answer is required"), default=False)
    position = models.PositiveIntegerField(_("order"), default=0)

    # The fields a copy of the question carries (a series' question on each of its dates).
    COPIED = ("kind", "label_sv", "label_en", "options_sv", "options_en", "required", "position")

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if (get_language() or "sv").startswith("en") and self.label_en:
            return self.label_en
        return self.label_sv

    @staticmethod
    def _lines(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip()]

    @property
    def option_values(self) -> list[str]:
        """The stored value of each option: its Swedish text."""
        return self._lines(self.options_sv)

    def options(self) -> list[tuple[str, str]]:
        """(stored value, text in the active language) for each option."""
        values = self.option_values
        english = self._lines(self.options_en)
        if (get_language() or "sv").startswith("en") and len(english) == len(values):
            return list(zip(values, english, strict=True))
        return [(value, value) for value in values]

    @property
    def option_texts(self) -> list[str]:
        return [text for _value, text in self.options()]

    def display(self, value: str) -> str:
        """An answer as the reader's language shows it."""
        if self.kind == QuestionKind.YES_NO:
            return {"yes": str(_("Yes")), "no": str(_("No"))}.get(value, value)
        if self.kind == QuestionKind.CHOICE:
            return dict(self.options()).get(value, value)
        return value

    def clean(self) -> None:
        super().clean()
        if self.kind == QuestionKind.CHOICE:
            values = self.option_values
            if len(values) < 2:
                raise ValidationError({"options_sv": _("List at least two options, one per line.")})
            if len(set(values)) != len(values):
                raise ValidationError({"options_sv": _("Each option must be listed once.")})
            english = self._lines(self.options_en)
            if english and len(english) != len(values):
                raise ValidationError(
                    {"options_en": _("Give as many English options as Swedish ones, in the same order.")}
                )


class SeriesQuestion(QuestionFields):
    """A question of a series (events/series/): every date of the series asks it, as an EventQuestion copied
    from this one. Changing the series' questions changes the dates that have not started and whose own
    questions the organiser has not changed (Event.questions_changed), as the series' capacity does."""

    series = models.ForeignKey(EventSeries, on_delete=models.CASCADE, related_name="questions")

    class Meta(QuestionFields.Meta):
        verbose_name = _("question of a series")
        verbose_name_plural = _("questions of a series")


class EventQuestion(QuestionFields):
    """A question the organiser asks everyone who registers for the event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    # On a date of a series: the series' question this one is the copy of (none: asked on this date only).
    series_question = models.ForeignKey(
        SeriesQuestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="copies", editable=False
    )

    class Meta(QuestionFields.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")


class RegistrationAnswer(models.Model):
    """One registered person's answer to one of the event's questions: personal data, deleted by the event's
    retention purge and when the person's account is erased."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(EventQuestion, on_delete=models.CASCADE, related_name="answers")
    value = models.TextField(_("answer"), max_length=2000, blank=True, validators=[refuse_personnummer])

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["registration", "question"], name="events_answer_one_per_question"),
        ]

    def __str__(self) -> str:
        return f"answer {self.pk} to question {self.question_id}"


class MessageGroup(models.TextChoices):
    """Whom an organiser's message goes to."""

    ALL = "all", _("Everyone registered, waiting or awaiting approval")
    CONFIRMED = "confirmed", _("Everyone with a place")
    WAITLISTED = "waitlisted", _("Everyone on the waiting list")
    ATTENDED = "attended", _("Everyone who came")
    AWAITING_APPROVAL = "awaiting_approval", _("Everyone awaiting your approval")


class EventMessage(models.Model):
    """A message an organiser sent to a group of the event's registered people: the log of what was sent."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="messages")
    group = models.CharField(_("to"), max_length=24, choices=MessageGroup.choices)
    subject = models.CharField(_("subject"), max_length=200, validators=[refuse_personnummer])
    body = models.TextField(_("message"), max_length=10_000, validators=[refuse_personnummer])
    sender = person_field()
    sent_at = models.DateTimeField(default=timezone.now)
    recipient_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("message to registered people")
        verbose_name_plural = _("messages to registered people")
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return self.subject


class CalendarFeedToken(models.Model):
    """The secret in a user's private "my events" feed URL. Only the hash is stored; a new token
    replaces the old one."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")

    def __str__(self) -> str:
        return f"calendar token of user {self.user_id}"


# --- Attendance certificates (events/certificates/) ------------------------------------------------------
# 32 URL-safe characters (192 random bits): guessing a valid code is hopeless, so the public verification
# page needs no rate limit of its own.
CODE_BYTES = 24


def new_certificate_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


class Certificate(TimeStampedModel):
    """Issued the first time the certificate of a present attendee is downloaded; the code is printed on it.
    It outlives the event's retention purge: the verification page then still confirms the event, the date and
    the hours, but no longer anything about the person (the name is never stored here)."""

    code = models.CharField(max_length=64, unique=True, default=new_certificate_code, editable=False)
    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="certificate", editable=False
    )
    # Frozen at issue: a later change of the event's times does not change a certificate already handed out.
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = _("attendance certificate")
        verbose_name_plural = _("attendance certificates")

    def __str__(self) -> str:
        return f"certificate of registration {self.registration_id}"


# --- Closing reports (events/closing/) --------------------------------------------------------------------
class ClosingReport(TimeStampedModel):
    """What the organiser writes after the event, and the attendance figures frozen when it is finalised
    (`events.closing.selectors.event_figures`): reports read the frozen figures, so a later change of the
    attendance marks or the purge of personal data does not change what was reported."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="closing_report", editable=False)
    minutes = models.TextField(_("minutes"), blank=True, validators=[refuse_personnummer])
    follow_ups = models.TextField(_("follow-ups"), blank=True, validators=[refuse_personnummer])
    figures = models.JSONField(default=dict, blank=True, editable=False)
    finalised_at = models.DateTimeField(null=True, blank=True, editable=False)
    finalised_by = person_field()
    created_by = person_field()

    class Meta:
        verbose_name = _("closing report")
        verbose_name_plural = _("closing reports")

    def __str__(self) -> str:
        return f"closing report of event {self.event_id}"

    @property
    def is_final(self) -> bool:
        return self.finalised_at is not None
