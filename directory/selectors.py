"""Reads in the directory. Every list starts from what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import QueryDict

from directory.filters import SORTS, OrganisationFilter, certified_condition, load_choices
from directory.models import Invitation, Membership, Organisation, OrganisationChange
from directory.search import swedish_name_order

FACETS = ("kind", "municipality", "service", "placements", "certified")


def organisation_list(*, user: Any, query: str = "") -> QuerySet[Organisation]:
    from directory.search import search

    return search(Organisation.objects.searchable_by(user), query).order_by(*swedish_name_order())


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchResult:
    filterset: OrganisationFilter
    organisations: QuerySet[Organisation]
    sort: str
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)

    @property
    def query(self) -> str:
        return self.filterset.form.cleaned_data.get("q") or ""


def _tidy(params: QueryDict) -> QueryDict:
    """A search text is cut to its first 200 characters and loses NUL characters rather than failing."""
    q = params.get("q")
    if q is None:
        return params
    params = params.copy()
    params["q"] = q.replace("\x00", "")[:200]
    return params


def _clean_sort(params: QueryDict, has_query: bool) -> str:
    sort = params.get("sort", "")
    if sort not in SORTS:
        sort = "relevance" if has_query else "name"
    if sort == "relevance" and not has_query:
        sort = "name"
    return sort


def _ordered(queryset: QuerySet, sort: str) -> QuerySet:
    if sort == "relevance":
        return queryset.order_by(F("rank").desc(nulls_last=True), *swedish_name_order())
    if sort == "updated":
        return queryset.order_by("-confirmed_at", "pk")
    return queryset.order_by(*swedish_name_order())


def organisation_search(*, user: Any, params: QueryDict, with_facets: bool = True) -> SearchResult:
    """The directory search: the user's scope, the filters in `params`, the sort, and facet counts where
    each facet counts over the results of all the *other* filters (so choosing one kind still shows how
    many of the other kinds there are). A constant number of queries whatever the number of results."""
    choices = load_choices()
    base = Organisation.objects.searchable_by(user)
    params = _tidy(params)
    filterset = OrganisationFilter(params, queryset=base, choices=choices)
    if not filterset.is_valid():  # bad values are dropped by the lenient fields; anything else: no filter
        params = QueryDict()
        filterset = OrganisationFilter(params, queryset=base, choices=choices)
        filterset.is_valid()
    has_query = bool(filterset.form.cleaned_data.get("q"))
    sort = _clean_sort(params, has_query)
    organisations = _ordered(filterset.qs, sort)
    result = SearchResult(filterset=filterset, organisations=organisations, sort=sort)
    if with_facets:
        result.facets = _facets(user=user, params=params, base=base, filterset=filterset, choices=choices)
    return result


def _without(params: QueryDict, name: str) -> QueryDict:
    copy = params.copy()
    copy.pop(name, None)
    copy.pop("page", None)
    return copy


def _facets(*, user: Any, params: QueryDict, base: QuerySet, filterset: OrganisationFilter, choices) -> dict:  # type: ignore[no-untyped-def]
    municipalities, services = choices
    cleaned = filterset.form.cleaned_data
    labels = {
        "kind": dict(Organisation._meta.get_field("kind").choices),
        "municipality": dict(municipalities),
        "service": dict(services),
    }
    facets: dict[str, list[FacetValue]] = {}

    def others(name: str) -> QuerySet:
        return OrganisationFilter(_without(params, name), queryset=base, choices=choices).qs

    def ids(qs: QuerySet) -> QuerySet:
        return qs.order_by().values("pk")

    kind_counts = dict(
        Organisation.objects.filter(pk__in=ids(others("kind"))).values_list("kind").annotate(n=Count("pk"))
    )
    municipality_counts = dict(
        Organisation.objects.filter(pk__in=ids(others("municipality"))).values_list("kommunkod").annotate(n=Count("pk"))
    )
    service_counts = dict(
        Organisation.services.through.objects.filter(organisation_id__in=ids(others("service")))
        .values_list("servicecategory__slug")
        .annotate(n=Count("organisation_id"))
    )
    for name, counts in (("kind", kind_counts), ("municipality", municipality_counts), ("service", service_counts)):
        selected = set(cleaned.get(name) or [])
        facets[name] = [
            FacetValue(value=value, label=str(label), count=counts.get(value, 0), selected=value in selected)
            for value, label in labels[name].items()
            if counts.get(value, 0) or value in selected
        ]
    placements = Organisation.objects.filter(pk__in=ids(others("placements"))).aggregate(
        n=Count("pk", filter=Q(takes_placements=True))
    )["n"]
    certified = Organisation.objects.filter(pk__in=ids(others("certified"))).aggregate(
        n=Count("pk", filter=Q(certified_condition()))
    )["n"]
    facets["placements"] = [FacetValue("1", "", placements, bool(cleaned.get("placements")))]
    facets["certified"] = [FacetValue("1", "", certified, bool(cleaned.get("certified")))]
    return facets


def membership_list(*, organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by("user__full_name", "user__email")


def open_invitation_list(*, organisation: Organisation) -> QuerySet[Invitation]:
    return Invitation.objects.usable().filter(organisation=organisation).order_by("-created_at")


def change_list(*, organisation: Organisation, limit: int = 200) -> QuerySet[OrganisationChange]:
    return organisation.changes.select_related("changed_by")[:limit]
