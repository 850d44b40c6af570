"""Writes of the account page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from directory.access import Actor
from directory.models import Membership, MembershipRole
from directory.services import account_erase
from kernel.audit import audit_log
from kernel.erasure import Erased, journal
from kernel.models import User


@transaction.atomic
def account_language_set(*, user: User, language: str) -> User:
    """The person's language for the interface (from the next login on, and at once through the cookie the
    view sets) and for e-mails. Audited when it changes; an unknown language is refused by full_clean."""
    if user.preferred_language == language:
        return user
    before = user.preferred_language
    user.preferred_language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["preferred_language"])
    audit_log(actor=user, action="account.language", target=user, data={"from": before, "to": language})
    return user


def account_erase_on_request(*, actor: Actor, user: User) -> Erased:
    """Delete an account when its person asks (GDPR art. 17): by the person themselves, or by a coordinator
    for someone who asked another way. Written to the erasure journal in the same transaction.

    A coordinator's account is ended by the förbund (remove the role first). A person who is the only
    administrator of an organisation with other members appoints another first, so the organisation is not
    left without anyone who can invite; a coordinator may erase them anyway (the right to erasure comes first,
    and a coordinator can appoint the next administrator)."""
    if actor.user is None or (actor.user.pk != user.pk and not actor.is_coordinator):
        raise PermissionDenied
    if user.coordinated_forbund.exists() or user.is_staff or user.is_superuser:
        raise ValidationError(
            _("A coordinator's account is ended by the förbund: take away the coordinator role first.")
        )
    with transaction.atomic():
        if actor.user.pk == user.pk:
            alone = [
                membership.organisation.name
                for membership in Membership.objects.select_for_update(of=("self",))
                .filter(user=user, role=MembershipRole.ADMIN)
                .select_related("organisation")
                if not Membership.objects.filter(organisation=membership.organisation, role=MembershipRole.ADMIN)
                .exclude(user=user)
                .exists()
                and Membership.objects.filter(organisation=membership.organisation).exclude(user=user).exists()
            ]
            if alone:
                raise ValidationError(
                    _(
                        "You are the only administrator of %(organisations)s. Make a colleague administrator first, "
                        "or ask the coordinators to delete your account."
                    )
                    % {"organisations": ", ".join(sorted(alone))}
                )
        erased = account_erase(user=user, policy="request", by=actor.user)
        journal("request", [erased])
    return erased
