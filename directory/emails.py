"""E-mails of the directory: the invitation, and the freshness nudge to the members of an organisation whose
details have not been confirmed for DIRECTORY_NEEDS_UPDATE_MONTHS. The tasks (directory/tasks.py) call
these services; this module imports no task.

The nudge goes to an organisation at most once every NUDGE_INTERVAL_DAYS: it is claimed with a
compare-and-swap on `nudged_at` (so duplicate or overlapping runs claim it once), then each active member
gets a task of their own, and each (claim, member) is sent once (kernel.mail.send_templated's once_key), so a
task retried after a failed send never repeats an e-mail already handed over."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from directory.models import Invitation, Organisation
from directory.selectors import active_members
from kernel.mail import send_templated
from kernel.models import User

NUDGE_INTERVAL_DAYS = 30


def invitation_email_send(*, invitation_id: int, token: str) -> int:
    """The invitation, in the language it was written for. The link is built from SITE_URL, never from a
    request's Host header. Nothing for an invitation no longer usable. Returns 0 or 1."""
    invitation = Invitation.objects.select_related("organisation", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_usable:
        return 0
    link = settings.SITE_URL + reverse("directory:invitation_accept", kwargs={"token": token})
    return send_templated(
        "directory/invitation",
        to=invitation.email,
        language=invitation.language,
        context={"invitation": invitation, "link": link, "valid_days": settings.INVITATION_VALID_DAYS},
    )


# --- Freshness nudge ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrganisationNudge:
    organisation_id: int
    nudged_at: str  # the claim's time: tells this nudge from the next one
    member_ids: list[int]


def organisation_nudges_claim(*, now: dt.datetime | None = None) -> list[OrganisationNudge]:
    """Claim every organisation that needs an update ("needs update", and "hidden" too: those need it most)
    and was not nudged in the last NUDGE_INTERVAL_DAYS, with who hears about it. The caller enqueues one
    organisation_nudge_send per (nudge, member)."""
    now = now or timezone.now()
    due = Q(nudged_at__isnull=True) | Q(nudged_at__lt=now - dt.timedelta(days=NUDGE_INTERVAL_DAYS))
    claimed = []
    for pk in list(Organisation.objects.needing_update().filter(due).values_list("pk", flat=True)):
        if Organisation.objects.needing_update().filter(due, pk=pk).update(nudged_at=now) != 1:
            continue  # another run got it first, or it was confirmed meanwhile
        claimed.append(OrganisationNudge(pk, now.isoformat(), [user.pk for user in active_members(pk)]))
    return claimed


def organisation_nudge_send(*, organisation_id: int, user_id: int, nudged_at: str) -> int:
    """The nudge claimed at `nudged_at` to one member, in the member's language, once; nothing to someone
    who is no longer an active member. Returns 0 or 1."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    user = next((u for u in active_members(organisation_id) if u.pk == user_id), None)
    if organisation is None or user is None:
        return 0
    context = {
        "organisation": organisation,
        "confirm_link": settings.SITE_URL + reverse("directory:confirm", kwargs={"code": organisation.code}),
        "edit_link": settings.SITE_URL + reverse("directory:edit", kwargs={"code": organisation.code}),
    }
    return send_templated(
        "directory/nudge",
        to=user,
        context=context,
        once_key=f"directory.nudge:{organisation_id}:{nudged_at}:{user_id}",
    )


# --- The warning before an inactive account is deleted ------------------------------------------------------
def inactivity_warning_key(user: User) -> str:
    """One warning per period of inactivity: logging in starts a new period (and a new key)."""
    since = user.last_login or user.date_joined
    return f"directory.inactive_account:{user.pk}:{since.isoformat()}"


def inactivity_warning_send(*, user: User, deleted_on: dt.date) -> int:
    """Tell `user`, in their language, that their account is deleted on `deleted_on` unless they log in.
    Sent once per period of inactivity. Returns 0 or 1."""
    context = {"deleted_on": deleted_on, "login_link": settings.SITE_URL + reverse("account_login")}
    return send_templated("directory/inactive_account", to=user, context=context, once_key=inactivity_warning_key(user))
