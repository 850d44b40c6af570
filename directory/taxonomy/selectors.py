from __future__ import annotations

from django.db.models import Count, QuerySet

from directory.models import ServiceCategory


def category_list() -> QuerySet[ServiceCategory]:
    """Every category, in use or not, with how many organisations offer it (one query)."""
    return ServiceCategory.objects.annotate(organisation_count=Count("organisations")).order_by("position", "name_sv")
