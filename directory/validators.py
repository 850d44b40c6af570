"""Password validation beyond Django's own: no organisation names in passwords."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kernel.models import User

# Set on a user who is signing up through an invitation (directory.adapters), before the user has a membership.
PENDING_ORGANISATION_NAME = "_pending_organisation_name"
_FIXED_WORDS = ("asfnet", "samordningsforbund", "norrbotten")
# Words that are in many organisation names and say nothing about which one.
_GENERIC_WORDS = {"kommun", "region", "forening", "ekonomisk", "aktiebolag", "stiftelse", "sodra", "norra"}


def _fold(text: str) -> str:
    text = text.lower().translate(str.maketrans("åäöé", "aaoe"))
    return re.sub(r"[^a-z0-9]", "", text)


class OrganisationNamePasswordValidator:
    """Refuse a password that contains the name of the user's organisation (or the network's own name):
    these are the first guesses of anyone who knows where the person works."""

    def validate(self, password: str, user: User | None = None) -> None:
        folded = _fold(password)
        names: list[str] = list(_FIXED_WORDS)
        if user is not None and getattr(user, "pk", None):
            from directory.models import Organisation

            names += Organisation.objects.filter(memberships__user=user).values_list("name", flat=True)
        pending = getattr(user, PENDING_ORGANISATION_NAME, "") if user is not None else ""
        if pending:
            names.append(pending)
        for name in names:
            candidates = {_fold(name), *(_fold(w) for w in name.split())} - _GENERIC_WORDS
            if any(len(word) >= 4 and word in folded for word in candidates):
                raise ValidationError(
                    _("The password must not contain the name of your organisation or of asfnet."),
                    code="password_contains_org_name",
                )

    def get_help_text(self) -> str:
        return _("Your password must not contain the name of your organisation.")
