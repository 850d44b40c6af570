"""The calendar's parameters, one FilterSet shared by the list and the month view:
`?municipality=<kommunkod>&kind=<kind>&organiser=<organisation code>&audience=<audience>&when=<upcoming|past>`.
Filters are repeatable (`kind=training&kind=workshop` means either). Unknown values are ignored, never a 500,
so a stale shared link still works."""

from __future__ import annotations

import uuid

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.filters import LenientMultipleChoiceFilter
from directory.models import Municipality
from events.models import Audience, EventKind

WHEN = {"upcoming": _("Upcoming"), "past": _("Past")}


class EventFilter(django_filters.FilterSet):
    """Pass `municipalities=` (kommunkod, name pairs) when they are already loaded for the request."""

    municipality = LenientMultipleChoiceFilter(
        label=_("Municipality"), field_name="kommunkod", choices=[], method="filter_in"
    )
    kind = LenientMultipleChoiceFilter(label=_("Type"), choices=EventKind.choices, method="filter_in")
    audience = LenientMultipleChoiceFilter(label=_("Who may come"), choices=Audience.choices, method="filter_in")
    organiser = django_filters.CharFilter(label=_("Organiser"), method="filter_organiser", max_length=64)

    def __init__(self, *args, municipalities=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if municipalities is None:
            municipalities = Municipality.objects.choices()
        self.filters["municipality"].extra["choices"] = municipalities

    def filter_in(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(**{f"{name}__in": value}) if value else queryset

    def filter_organiser(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        values = self.data.getlist("organiser") if hasattr(self.data, "getlist") else [value]
        codes = [code for code in (organiser_code(v) for v in values) if code]
        return queryset.filter(organiser__code__in=codes) if codes else queryset


def organiser_code(value: str) -> uuid.UUID | None:
    """An organisation code from the URL, or None for anything that is not one (ignored, not an error)."""
    try:
        return uuid.UUID(str(value).strip())
    except (ValueError, AttributeError):
        return None


def clean_when(value: str | None) -> str:
    return value if value in WHEN else "upcoming"


def apply_when(queryset: QuerySet, when: str) -> QuerySet:
    """Upcoming: not yet ended, soonest first. Past: ended, latest first."""
    now = timezone.now()
    if when == "past":
        return queryset.filter(end__lt=now).order_by("-start", "-pk")
    return queryset.filter(end__gte=now).order_by("start", "pk")
