"""The directory's to-do sources for the home page (kernel.todos; registered in DirectoryConfig.ready()).

* profile-confirmation (ASF staff, organisation members): their organisation's details not confirmed for
  DIRECTORY_NEEDS_UPDATE_MONTHS;
* awaiting-verification (coordinators): organisations never verified;
* verification-due (coordinators): verifications expiring within 30 days, or expired;
* stale-profiles (coordinators): profiles not confirmed for DIRECTORY_NEEDS_UPDATE_MONTHS (left out of public
  search after DIRECTORY_HIDE_AFTER_MONTHS);
* certifications-awaiting (coordinators): certifications whose evidence awaits approval.

The organisation and certification sources hold what the coordinator's work queues hold (directory.queues.filters
.in_queues_of): the organisations of the förbund's area and of no förbund's area, never another förbund's.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.access import Actor, Role
from directory.models import Certification, Freshness, Organisation
from directory.queues.filters import in_queues_of
from kernel.todos import TodoItem, TodoSource, oldest_first, todo_date


def _last_confirmed_item(organisation: Organisation, text: str, hidden: str, *, url: str, action: str) -> TodoItem:
    """An item about an organisation whose details were last confirmed long ago: `hidden` is the text once
    that has hidden it from public search, `text` before; both name %(organisation)s and %(date)s."""
    return TodoItem(
        text=(hidden if organisation.freshness == Freshness.HIDDEN else text)
        % {"organisation": organisation.name, "date": todo_date(organisation.confirmed_at)},
        url=url,
        action=action,
        since=organisation.confirmed_at,
    )


_MEMBERS = frozenset({Role.ASF_STAFF.value, Role.ORG_MEMBER.value})
_COORDINATORS = frozenset({Role.COORDINATOR.value})


class ProfileConfirmation(TodoSource[Actor, Organisation]):
    name = "profile-confirmation"
    title = gettext_lazy("Organisation details to confirm")
    roles = _MEMBERS
    order = 30
    since_label = gettext_lazy("Last confirmed")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[Organisation]:
        return oldest_first(
            Organisation.objects.needing_update().filter(pk__in=actor.organisation_ids),
            "confirmed_at",
        )

    def item(self, organisation: Organisation, now: dt.datetime) -> TodoItem:
        return _last_confirmed_item(
            organisation,
            _("The details of %(organisation)s were last confirmed on %(date)s."),
            _("The details of %(organisation)s were last confirmed on %(date)s. It is hidden from public search."),
            url=reverse("directory:confirm", kwargs={"code": organisation.code}),
            action=_("Check and confirm the details"),
        )


class AwaitingVerification(TodoSource[Actor, Organisation]):
    name = "awaiting-verification"
    title = gettext_lazy("Organisations awaiting verification")
    roles = _COORDINATORS
    order = 10
    since_label = gettext_lazy("In the directory since")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[Organisation]:
        return oldest_first(in_queues_of(actor.forbund).awaiting_verification(), "created_at")

    def item(self, organisation: Organisation, now: dt.datetime) -> TodoItem:
        return TodoItem(
            text=_("%(organisation)s (%(kind)s) has not been verified.")
            % {"organisation": organisation.name, "kind": organisation.get_kind_display()},
            url=organisation.get_absolute_url(),
            action=_("Verify the organisation"),
            since=organisation.created_at,
        )


class VerificationDue(TodoSource[Actor, Organisation]):
    name = "verification-due"
    title = gettext_lazy("Verifications expiring or expired")
    roles = _COORDINATORS
    order = 11
    since_label = gettext_lazy("Expires")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[Organisation]:
        organisations = in_queues_of(actor.forbund)
        due = organisations.verification_expiring(within_days=30, on=now) | organisations.verification_expired(on=now)
        return oldest_first(due, "verified_at")

    def item(self, organisation: Organisation, now: dt.datetime) -> TodoItem:
        expires = organisation.verification_expires_at
        assert expires is not None  # only verified organisations are due
        if expires <= now:
            text = _("The verification of %(organisation)s expired on %(date)s.")
        else:
            text = _("The verification of %(organisation)s expires on %(date)s.")
        return TodoItem(
            text=text % {"organisation": organisation.name, "date": todo_date(expires)},
            url=organisation.get_absolute_url(),
            action=_("Verify the organisation again"),
            since=expires,
        )


class StaleProfiles(TodoSource[Actor, Organisation]):
    name = "stale-profiles"
    title = gettext_lazy("Profiles not confirmed for a long time")
    roles = _COORDINATORS
    order = 12
    since_label = gettext_lazy("Last confirmed")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[Organisation]:
        return oldest_first(in_queues_of(actor.forbund).needing_update(), "confirmed_at")

    def item(self, organisation: Organisation, now: dt.datetime) -> TodoItem:
        return _last_confirmed_item(
            organisation,
            _("%(organisation)s was last confirmed on %(date)s."),
            _("%(organisation)s was last confirmed on %(date)s and is hidden from public search."),
            url=reverse("directory:queues") + "?queue=stale",
            action=_("Remind or hide in the work queue"),
        )


class CertificationsAwaiting(TodoSource[Actor, Certification]):
    name = "certifications-awaiting"
    title = gettext_lazy("Certifications awaiting approval")
    roles = _COORDINATORS
    order = 13
    since_label = gettext_lazy("Sent")

    def rows(self, actor: Actor, now: dt.datetime) -> QuerySet[Certification]:
        return oldest_first(
            Certification.objects.awaiting_approval()
            .filter(organisation__in=in_queues_of(actor.forbund))
            .select_related("organisation"),
            "evidence_uploaded_at",
        )

    def item(self, certification: Certification, now: dt.datetime) -> TodoItem:
        return TodoItem(
            text=_("%(organisation)s has sent evidence for the certification “%(certification)s”.")
            % {"organisation": certification.organisation.name, "certification": str(certification)},
            url=reverse(
                "directory:certification_decide",
                kwargs={"code": certification.organisation.code, "certification": certification.code},
            ),
            action=_("Review the certification"),
            since=certification.evidence_uploaded_at or certification.created_at,
        )


SOURCES = [ProfileConfirmation(), AwaitingVerification(), VerificationDue(), StaleProfiles(), CertificationsAwaiting()]
