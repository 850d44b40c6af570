"""Reads in the directory. Every list starts from what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from directory.models import Invitation, Membership, Organisation


def organisation_list(*, user: Any, query: str = "") -> QuerySet[Organisation]:
    organisations = Organisation.objects.visible_to(user)
    if query:
        organisations = organisations.filter(
            Q(name__icontains=query) | Q(description_sv__icontains=query) | Q(description_en__icontains=query)
        )
    return organisations.order_by("name", "pk")


def membership_list(*, organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by("user__full_name", "user__email")


def open_invitation_list(*, organisation: Organisation) -> QuerySet[Invitation]:
    return Invitation.objects.usable().filter(organisation=organisation).order_by("-created_at")
