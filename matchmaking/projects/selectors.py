from __future__ import annotations

from django.db.models import Count, QuerySet

from directory.access import Actor
from matchmaking.models import FundedProject


def project_list(actor: Actor) -> QuerySet[FundedProject]:
    """The förbund's projects with their owners and how many participants each has (one query)."""
    return (
        FundedProject.objects.visible_to(actor)
        .select_related("owner")
        .annotate(participant_count=Count("participants"))
        .order_by("-starts_on", "diarienummer")
    )
