"""Every kind of notification: what it says, who receives it, and how it is e-mailed by default.

A kind is vocabulary only — strings and a default. The apps that raise notifications (directory, matchmaking,
events) sit above this app and call `notifications.notify(kind=…)` from the service that owns the workflow;
this app imports none of them. The text is rendered when it is read (in the centre, in an e-mail), in the
reader's language, from the kind's sentence and the notification's `params` (short names and titles, never
anything about a participant beyond the participant's pseudonymous code).

Recipients (the caller decides; the person who acted is never notified of their own act):

| kind                   | recipients                                                                 |
|------------------------|----------------------------------------------------------------------------|
| partner_request        | the members of each ASF the request suggests                               |
| partner_answer         | the person who posted the request (else the requesting organisation's members) |
| placement_proposed     | the members of the host organisation                                       |
| placement_accepted     | the officer who proposed the placement                                     |
| placement_declined     | the officer who proposed the placement                                     |
| placement_started      | the other side: the host's members or the proposing officer               |
| placement_ended        | the other side: the host's members or the proposing officer               |
| waitlist_offer         | the registered person, when they have an account (the calendar e-mails the offer itself) |
| registration_decided   | the registered person, when they have an account (the calendar e-mails the decision itself) |
| invitation_accepted    | the person who sent the invitation (else the organisation's administrators) |
| verification_due       | coordinators                                                               |
| verification_expired   | coordinators                                                               |
| certification_pending  | coordinators                                                               |
| certification_decided  | the members of the organisation whose certification was approved or refused |
| outdated_report        | the members of the organisation the report is about                        |
| outdated_report_escalated | coordinators, once per report left open OUTDATED_REPORT_ESCALATE_DAYS   |
| profile_update_requested | the members of each organisation a coordinator asks to update (work queues) |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # what gettext_lazy returns, as django-stubs names it (a lazy str)
    from django.utils.functional import _StrPromise as Text

    from kernel.models import User
else:
    Text = Promise


class Delivery(models.TextChoices):
    """How a person wants a kind of notification by e-mail. Every notification is kept in the centre."""

    IMMEDIATE = "immediate", _("Immediately")
    DAILY = "daily", _("In a daily summary")
    OFF = "off", _("Not by e-mail")


class Group(models.TextChoices):
    PARTNERS = "partners", _("Partner requests")
    PLACEMENTS = "placements", _("Placements")
    EVENTS = "events", _("Events")
    ORGANISATIONS = "organisations", _("Organisations")


@dataclass(frozen=True)
class Kind:
    key: str
    group: Group
    title: Text  # a short heading: the e-mail's subject, the preference's label
    description: Text  # who receives it and when (the preferences page)
    text: Text  # one sentence with %(name)s placeholders filled from the notification's params
    default: Delivery = Delivery.IMMEDIATE
    # False: kept in the centre only; the owning app sends its own e-mail (e.g. one carrying a secret link).
    email: bool = True
    # Other sentences chosen by params["variant"] (e.g. the answer to a partner request).
    variants: Mapping[str, Text] = field(default_factory=dict)
    # Only coordinators receive it, so only they are asked how to be e-mailed about it.
    for_coordinators: bool = False


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            "partner_request",
            Group.PARTNERS,
            _("New partner request"),
            _("A business or public body asks for a service your ASF offers in its area."),
            _("%(organisation)s is looking for a partner in %(municipality)s: “%(title)s”."),
        ),
        Kind(
            "partner_answer",
            Group.PARTNERS,
            _("An answer to your partner request"),
            _("An ASF answers a partner request you posted."),
            _("%(organisation)s answered your request “%(title)s”."),
            variants={
                "interested": _("%(organisation)s is interested in your request “%(title)s”."),
                "not_interested": _("%(organisation)s cannot take on your request “%(title)s”."),
            },
        ),
        Kind(
            "placement_proposed",
            Group.PLACEMENTS,
            _("A participant is proposed"),
            _("An officer proposes a participant for one of your organisation's placement opportunities."),
            _("%(proposer)s proposes participant %(participant)s for your placement opportunity “%(opportunity)s”."),
        ),
        Kind(
            "placement_accepted",
            Group.PLACEMENTS,
            _("A placement is accepted"),
            _("The host organisation accepts a participant you proposed."),
            _("%(host)s accepted participant %(participant)s for “%(opportunity)s”."),
        ),
        Kind(
            "placement_declined",
            Group.PLACEMENTS,
            _("A placement is declined"),
            _("The host organisation declines a participant you proposed."),
            _("%(host)s declined participant %(participant)s for “%(opportunity)s”. The reason is on the placement."),
        ),
        Kind(
            "placement_started",
            Group.PLACEMENTS,
            _("A placement has started"),
            _("The other side of a placement records that it has started."),
            _("The placement of participant %(participant)s at %(host)s (“%(opportunity)s”) has started."),
            default=Delivery.DAILY,
        ),
        Kind(
            "placement_ended",
            Group.PLACEMENTS,
            _("A placement has ended"),
            _("The other side of a placement records that it has ended."),
            _("The placement of participant %(participant)s at %(host)s (“%(opportunity)s”) has ended."),
            default=Delivery.DAILY,
        ),
        Kind(
            "waitlist_offer",
            Group.EVENTS,
            _("A place is offered to you"),
            _("A place at an event you are waiting for becomes free. The calendar always e-mails you the offer."),
            _("A place has become free at “%(event)s”. Accept it before %(expires_at)s, or it passes on."),
            email=False,
        ),
        Kind(
            "registration_decided",
            Group.EVENTS,
            _("The organiser has decided on your registration"),
            _(
                "The organiser of an event that needs approval accepts or refuses your registration. The calendar "
                "always e-mails you the decision."
            ),
            _("The organiser of “%(event)s” has decided on your registration."),
            email=False,
            variants={
                "approved": _("You are accepted for “%(event)s” and have a place."),
                "approved_waitlisted": _(
                    "You are accepted for “%(event)s”. It is full, so you are on the waiting list."
                ),
                "refused": _("Your registration for “%(event)s” was not accepted."),
            },
        ),
        Kind(
            "invitation_accepted",
            Group.ORGANISATIONS,
            _("An invitation is accepted"),
            _("Someone you invited joins your organisation."),
            _("%(person)s accepted your invitation and is now a member of %(organisation)s."),
        ),
        Kind(
            "verification_due",
            Group.ORGANISATIONS,
            _("A verification is due"),
            _("For coordinators: an organisation's verification is about to expire."),
            _("The verification of %(organisation)s expires on %(expires_on)s. Check the organisation again."),
            default=Delivery.DAILY,
            for_coordinators=True,
        ),
        Kind(
            "verification_expired",
            Group.ORGANISATIONS,
            _("A verification has expired"),
            _("For coordinators: an organisation's verification has expired."),
            _("The verification of %(organisation)s has expired."),
            default=Delivery.DAILY,
            for_coordinators=True,
        ),
        Kind(
            "certification_pending",
            Group.ORGANISATIONS,
            _("A certification awaits approval"),
            _("For coordinators: an organisation has sent evidence of a certification."),
            _("%(organisation)s has sent evidence for the certification “%(certification)s”. It awaits approval."),
            default=Delivery.DAILY,
            for_coordinators=True,
        ),
        Kind(
            "certification_decided",
            Group.ORGANISATIONS,
            _("A certification is decided"),
            _("A coordinator approves or refuses a certification of your organisation."),
            _("A coordinator has decided on the certification “%(certification)s” of %(organisation)s."),
            variants={
                "approved": _(
                    "The certification “%(certification)s” of %(organisation)s is approved and now shows on the "
                    "public profile."
                ),
                "refused": _(
                    "The certification “%(certification)s” of %(organisation)s was refused. The reason is on the "
                    "certifications page."
                ),
            },
        ),
        Kind(
            "outdated_report",
            Group.ORGANISATIONS,
            _("Information reported as outdated"),
            _("Someone reports that your organisation's public profile is out of date."),
            _("Someone reported that information on the profile of %(organisation)s is out of date."),
        ),
        Kind(
            "outdated_report_escalated",
            Group.ORGANISATIONS,
            _("A report of outdated information is unanswered"),
            _("For coordinators: an organisation has left a report of outdated information unanswered."),
            _(
                "A report from %(reported_on)s that the profile of %(organisation)s is out of date is still "
                "unanswered by its members."
            ),
            default=Delivery.DAILY,
            for_coordinators=True,
        ),
        Kind(
            "profile_update_requested",
            Group.ORGANISATIONS,
            _("Please update your profile"),
            _("A coordinator asks your organisation to check and update its profile."),
            _("A coordinator asks you to check the profile of %(organisation)s, update it and confirm it."),
        ),
    )
}


def kind_choices() -> list[tuple[str, Text]]:
    """The kinds as model choices (a callable, so the migration does not copy the list)."""
    return [(kind.key, kind.title) for kind in KINDS.values()]


def is_coordinator(user: User) -> bool:
    """A coordinator of any förbund (directory.Forbund.coordinators, read through the user's side of the
    relation: this app sits below the directory)."""
    return bool(user.coordinated_forbund.exists())


def emailed_kinds(*, coordinator: bool = True) -> list[Kind]:
    """The kinds a person may choose how to receive by e-mail, in the order of the preferences page (those
    only coordinators receive left out for anyone else)."""
    return [kind for kind in KINDS.values() if kind.email and (coordinator or not kind.for_coordinators)]


def _shown(name: str, value: Any) -> Any:
    """A parameter as the sentence shows it: `…_at` (an ISO date-time) and `…_on` (an ISO date) formatted
    for the active language."""
    if isinstance(value, str) and name.endswith("_at"):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return date_format(moment, "DATETIME_FORMAT")
    if isinstance(value, str) and name.endswith("_on"):
        try:
            return date_format(dt.date.fromisoformat(value), "DATE_FORMAT")
        except ValueError:
            return value
    return value


def render_text(key: str, params: Mapping[str, Any]) -> str:
    """The sentence of a notification in the active language. A kind no longer known, or params that do not
    fit the sentence, give the kind's title (or a generic word) rather than an error on the page."""
    kind = KINDS.get(key)
    if kind is None:
        return str(_("Notification"))
    sentence = kind.variants.get(str(params.get("variant", "")), kind.text)
    try:
        return str(sentence) % {name: _shown(name, value) for name, value in params.items()}
    except (KeyError, TypeError, ValueError):
        return str(kind.title)


def render_title(key: str) -> str:
    kind = KINDS.get(key)
    return str(kind.title) if kind is not None else str(_("Notification"))
