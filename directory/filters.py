"""The directory search's parameters, one FilterSet shared by the search page, the exports and the API:
`?q=<text>&kind=<kind>&municipality=<kommunkod>&service=<slug>&placements=1&certified=1&sort=<name|relevance|updated>&page=<n>`.
Facets are repeatable (`kind=asf&kind=business` means either). Unknown values are ignored, never a 500."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from directory import facet_cache, search
from directory.models import (
    Certification,
    CertificationKind,
    Municipality,
    Organisation,
    OrganisationKind,
    ServiceCategory,
)

SORTS = {
    "relevance": _("Best match"),
    "name": _("Name (A–Ö)"),
    "updated": _("Recently confirmed"),
}

# Only these certifications make an organisation "certified" in the facet.
CERTIFIED_KINDS = [CertificationKind.SKOOPI, CertificationKind.LOU_RESERVED]


def certified_condition() -> Exists:
    """Certified: a certification of these kinds approved by a coordinator and within its validity."""
    return Exists(Certification.objects.valid().filter(organisation=OuterRef("pk"), kind__in=CERTIFIED_KINDS))


class TickBox(forms.CheckboxInput):
    """A checkbox whose URL value may also be written 1/0, true/false, yes/no, on/off: `?placements=0` means
    not ticked (forms.CheckboxInput would read any non-empty string other than "false" as ticked)."""

    def value_from_datadict(self, data, files, name):  # type: ignore[no-untyped-def]
        value = str(data.get(name, "")).strip().lower()
        return value in {"1", "true", "yes", "on", "ja"}


class _LenientMultipleChoice(forms.MultipleChoiceField):
    """Drops unknown values instead of failing the whole search (a stale shared link still works)."""

    def clean(self, value):  # type: ignore[no-untyped-def]
        value = [v for v in (value or []) if self.valid_value(v)]
        return super().clean(value)


class LenientMultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    field_class = _LenientMultipleChoice


class Allowed(frozenset[str]):
    """The values a facet accepts. Immutable, so every copy Django and django-filter make of a form field or a
    filter for each request shares it rather than copying its elements."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Allowed:
        return self

    @classmethod
    def of(cls, values: Iterable[Any]) -> Allowed:
        return values if isinstance(values, Allowed) else cls(str(v) for v in values)


class FacetValues(forms.Field):
    """A repeatable facet from the URL (`?municipality=2580&municipality=2581`): the values in `allowed`, in the
    order given; unknown ones are dropped, so a stale shared link still works. Checked against a set: unlike a
    MultipleChoiceField it carries no list of choices for a widget to draw (the search draws its facets with
    their counts itself, directory/_facet.html), so the 290 municipalities are not copied into every request's
    form."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, allowed: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allowed = Allowed.of(allowed)

    def clean(self, value: Any) -> list[str]:
        values = value if isinstance(value, list | tuple) else [] if value in self.empty_values else [value]
        return [str(v) for v in values if str(v) in self.allowed]


class FacetFilter(django_filters.Filter):
    """A filter of FacetValues; `allowed` is set per filter set (OrganisationFilter.__init__)."""

    field_class = FacetValues


class OrganisationFilter(django_filters.FilterSet):
    """Pass `choices=(municipalities, services)` when building several filter sets for one request, so the
    choice lists are read once."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=200)
    kind = FacetFilter(label=_("Type"), allowed=OrganisationKind.values, method="filter_in")
    municipality = FacetFilter(label=_("Municipality"), field_name="kommunkod", method="filter_in")
    service = FacetFilter(label=_("Service"), method="filter_service")
    placements = django_filters.BooleanFilter(
        label=_("Takes placements"), field_name="takes_placements", widget=TickBox, method="filter_true"
    )
    certified = django_filters.BooleanFilter(
        label=_("Certified (Skoopi or reserved contracts)"), widget=TickBox, method="filter_certified"
    )

    def __init__(self, *args, choices=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        municipalities, services = choices or load_choices()
        self.filters["municipality"].extra["allowed"] = Allowed.of(code for code, _name in municipalities)
        self.filters["service"].extra["allowed"] = Allowed.of(slug for slug, _name in services)

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search.search(queryset, value)

    def filter_in(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(**{f"{name}__in": value}) if value else queryset

    def filter_service(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        condition = facet_condition("service", value)
        return queryset if condition is None else queryset.filter(condition)

    def filter_true(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset.filter(**{name: True}) if value else queryset

    def filter_certified(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        condition = facet_condition("certified", value)
        return queryset if condition is None else queryset.filter(condition)


def facet_condition(name: str, value: object) -> Q | None:
    """The condition a facet's cleaned value puts on organisations (None: no condition), shared by the
    filter set and the facet counts (directory.selectors), so both always mean the same thing."""
    if not value:
        return None
    if name == "kind":
        return Q(kind__in=value)
    if name == "municipality":
        return Q(kommunkod__in=value)
    if name == "service":
        # A subquery, not a join: one row per organisation without DISTINCT.
        links = Organisation.services.through.objects.filter(servicecategory__slug__in=value)
        return Q(pk__in=links.values("organisation_id"))
    if name == "placements":
        return Q(takes_placements=True)
    if name == "certified":
        return Q(certified_condition())
    raise ValueError(f"unknown facet {name!r}")


def search_sort(requested: str, query: str) -> str:
    """The sort a search uses: the one asked for when it is known, otherwise best match when the query has a
    word to search for and name order when not. Best match needs such a word: without one there is nothing
    to rank by (see search.searchable)."""
    has_words = search.searchable(query)
    if requested not in SORTS or (requested == "relevance" and not has_words):
        return "relevance" if has_words else "name"
    return requested


def search_ordered(queryset: QuerySet, sort: str) -> QuerySet:
    """`queryset` (from OrganisationFilter) in the order of `sort`, a value returned by search_sort."""
    if sort == "relevance":
        return queryset.order_by(F("rank").desc(nulls_last=True), *search.swedish_name_order())
    if sort == "updated":
        return queryset.order_by("-confirmed_at", "pk")
    return queryset.order_by(*search.swedish_name_order())


Choices = tuple[list[tuple[str, str]], list[tuple[str, str]]]

# The choice lists by language, with the directory generation they were read under (directory.facet_cache: a
# municipality's name or a service category changes it). Read on every search page, they seldom change.
_choices_read: dict[str, tuple[int, Choices]] = {}


def load_choices() -> Choices:
    """(municipalities, active services) as (value, label) pairs in the active language, each list in its order.
    Kept in this process while the directory's generation is the one they were read under; read afresh
    where there is no generation (SQLite, inside a transaction)."""
    language = get_language() or ""
    current = facet_cache.generation()
    kept = _choices_read.get(language)
    if current is not None and kept is not None and kept[0] == current:
        return kept[1]
    municipalities = Municipality.objects.choices()
    services = [(s.slug, s.name) for s in ServiceCategory.objects.filter(active=True)]
    if current is not None:
        _choices_read[language] = (current, (municipalities, services))
    return municipalities, services
