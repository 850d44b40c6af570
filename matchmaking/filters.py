"""The opportunity list's parameters: `?type=<type>&municipality=<kommunkod>&service=<slug>&page=<n>`
(repeatable; unknown values are dropped, never a 500). Only properties of the opportunity itself: nothing
about participants or needs is a filter or sort key anywhere in matchmaking, and any other parameter
(`?ordering=`, `?disability=` …) is ignored."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from directory.filters import LenientMultipleChoiceFilter, load_choices
from matchmaking.models import OpportunityType

CHECKBOXES = forms.CheckboxSelectMultiple


class OpportunityFilter(django_filters.FilterSet):
    type = LenientMultipleChoiceFilter(
        label=_("Type"), choices=OpportunityType.choices, method="filter_in", widget=CHECKBOXES
    )
    municipality = LenientMultipleChoiceFilter(
        label=_("Municipality"), choices=[], method="filter_in", widget=CHECKBOXES
    )
    service = LenientMultipleChoiceFilter(
        label=_("Kind of work"), choices=[], method="filter_service", widget=CHECKBOXES
    )

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        municipalities, services = load_choices()
        # Of Sweden's 290 municipalities, the boxes offered are those with an opportunity in the list (and
        # any already chosen, so a chosen one with none left still filters to nothing rather than to all).
        offered = set(self.queryset.order_by().values_list("municipality", flat=True).distinct())
        chosen = set(self.data.getlist("municipality")) if hasattr(self.data, "getlist") else set()
        self.filters["municipality"].extra["choices"] = [
            (code, name) for code, name in municipalities if code in offered or code in chosen
        ]
        self.filters["service"].extra["choices"] = services

    def filter_in(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(**{f"{name}__in": value}) if value else queryset

    def filter_service(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(service__slug__in=value) if value else queryset
