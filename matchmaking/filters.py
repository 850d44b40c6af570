"""The opportunity lists' parameters: `?type=<type>&municipality=<kommunkod>&service=<slug>&page=<n>`
(repeatable; unknown values are dropped, never a 500); the public list adds `q=<words>`,
`adaptation=<adaptation>` (repeatable: offers all of them) and `hours=<n>` (can start at n hours a week or
fewer). Only properties of the opportunity itself: nothing about participants or needs is a filter or sort key
anywhere in matchmaking, and any other parameter (`?ordering=`, `?disability=` …) is ignored."""

from __future__ import annotations

import django_filters
from django import forms
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from directory.filters import LenientMultipleChoiceFilter, load_choices
from matchmaking.models import Adaptation, OpportunityType

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


HOURS = (10, 20, 30, 40)


class _LenientChoice(django_filters.fields.ChoiceField):
    """An unknown value means no choice (a stale shared link still works)."""

    def clean(self, value):  # type: ignore[no-untyped-def]
        return super().clean(value if self.valid_value(value) else "")


class LenientChoiceFilter(django_filters.ChoiceFilter):
    field_class = _LenientChoice


class PublicOpportunityFilter(OpportunityFilter):
    """The public list (/opportunities/): the members' filters and what a job coach or a person looking for a
    first step asks next – words, adaptations, hours."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_words",
        max_length=100,
        help_text=_("Words in the title, the description or the organisation's name."),
    )
    adaptation = LenientMultipleChoiceFilter(
        label=_("Adaptations offered"), choices=Adaptation.choices, method="filter_adaptations", widget=CHECKBOXES
    )
    hours = LenientChoiceFilter(
        label=_("Hours a week to start with"),
        choices=[],
        empty_label=_("Any number of hours"),
        method="filter_hours",
    )

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.filters["hours"].extra["choices"] = [
            (str(n), ngettext("%(hours)s hour or fewer", "%(hours)s hours or fewer", n) % {"hours": n}) for n in HOURS
        ]

    @property
    def form(self):  # type: ignore[no-untyped-def]
        form = super().form
        form.order_fields(["q", "type", "municipality", "service", "adaptation", "hours"])
        return form

    def filter_words(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split()[:8]:
            queryset = queryset.filter(
                Q(title__icontains=word) | Q(description__icontains=word) | Q(organisation__name__icontains=word)
            )
        return queryset

    def filter_adaptations(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        if connection.features.supports_json_field_contains:  # PostgreSQL: in the database
            for adaptation in value:
                queryset = queryset.filter(adaptations__contains=[adaptation])
            return queryset
        # The embedded SQLite of `make run` has no JSON containment: the same rule, read row by row.
        wanted = set(value)
        offering = [pk for pk, offered in queryset.values_list("pk", "adaptations") if wanted <= set(offered or [])]
        return queryset.filter(pk__in=offering)

    def filter_hours(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(hours_per_week_min__lte=int(value)) if value else queryset
