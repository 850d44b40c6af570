from __future__ import annotations

from django.db.models import Count, QuerySet

from matchmaking.models import FundedProject


def project_list() -> QuerySet[FundedProject]:
    """Every project with its owner and how many participants it has (one query)."""
    return (
        FundedProject.objects.select_related("owner")
        .annotate(participant_count=Count("participants"))
        .order_by("-starts_on", "diarienummer")
    )
