"""Reads in the directory. Every list starts from what the user may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, prefetch_related_objects
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from directory.access import Actor
from directory.filters import OrganisationFilter, certified_condition, load_choices, search_ordered, search_sort
from directory.models import (
    Certification,
    Freshness,
    Invitation,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationChange,
    OrganisationKind,
    SupportOffered,
)
from directory.search import search, searchable, swedish_name_order
from kernel.models import User

FACETS = ("kind", "municipality", "service", "placements", "certified")


def organisation_list(*, actor: Actor, query: str = "") -> QuerySet[Organisation]:
    return search(Organisation.objects.searchable_by(actor), query).order_by(*swedish_name_order())


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

    @property
    def searchable(self) -> bool:
        """The query has a word to search for (and can be sorted by best match)."""
        return searchable(self.query)

    @property
    def ignored_query(self) -> str:
        """A search text with nothing to search for (only punctuation or symbols), which was ignored: the
        page says so instead of silently showing everything."""
        query = self.query.strip()
        return query if query and not self.searchable else ""


def _tidy(params: QueryDict) -> QueryDict:
    """A search text is cut to its first 200 characters and loses NUL characters rather than failing."""
    q = params.get("q")
    if q is None:
        return params
    params = params.copy()
    params["q"] = q.replace("\x00", "")[:200]
    return params


def organisation_search(*, actor: Actor, params: QueryDict, with_facets: bool = True) -> SearchResult:
    """The directory search: the user's scope, the filters in `params`, the sort, and facet counts where
    each facet counts over the results of all the *other* filters (so choosing one kind still shows how
    many of the other kinds there are). A constant number of queries whatever the number of results."""
    choices = load_choices()
    base = Organisation.objects.searchable_by(actor)
    params = _tidy(params)
    filterset = OrganisationFilter(params, queryset=base, choices=choices)
    if not filterset.is_valid():  # bad values are dropped by the lenient fields; anything else: no filter
        params = QueryDict()
        filterset = OrganisationFilter(params, queryset=base, choices=choices)
        filterset.is_valid()
    query = filterset.form.cleaned_data.get("q") or ""
    has_query = searchable(query)
    sort = search_sort(params.get("sort", ""), query)
    organisations = search_ordered(filterset.qs, sort)
    result = SearchResult(filterset=filterset, organisations=organisations, sort=sort)
    if with_facets:
        facet_base, facet_params = base, params
        if has_query:
            # The text search is the expensive part: run it once for the facets (one query for the ids of
            # the organisations that match the text) instead of once per facet.
            matched = list(search(base, query).order_by().values_list("pk", flat=True))
            facet_base = Organisation.objects.filter(pk__in=matched)
            facet_params = _without(params, "q")
        result.facets = _facets(params=facet_params, base=facet_base, filterset=filterset, choices=choices)
    return result


def _without(params: QueryDict, name: str) -> QueryDict:
    copy = params.copy()
    copy.pop(name, None)
    copy.pop("page", None)
    return copy


def _facets(
    *,
    params: QueryDict,
    base: QuerySet[Organisation],
    filterset: OrganisationFilter,
    choices: tuple[list[tuple[str, str]], list[tuple[str, str]]],
) -> dict[str, list[FacetValue]]:
    municipalities, services = choices
    cleaned = filterset.form.cleaned_data
    labels: dict[str, dict[str, Any]] = {
        "kind": dict(OrganisationKind.choices),
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


def member_user_ids(*, organisation_ids: Iterable[int], admins_only: bool = False) -> list[int]:
    """The active people in these organisations (their administrators only with `admins_only`): who hears
    about what happens to an organisation (notifications.services.notify)."""
    memberships = Membership.objects.filter(organisation_id__in=list(organisation_ids), user__is_active=True)
    if admins_only:
        memberships = memberships.filter(role=MembershipRole.ADMIN)
    return sorted(set(memberships.values_list("user_id", flat=True)))


def coordinator_user_ids() -> list[int]:
    """The active coordinators: who hears about work only coordinators do (verification, certifications)."""
    return list(User.objects.filter(is_coordinator=True, is_active=True).order_by("pk").values_list("pk", flat=True))


def certifications_awaiting_approval() -> QuerySet[Certification]:
    """The coordinators' queue: certifications whose evidence awaits approval, the longest waiting first."""
    return (
        Certification.objects.awaiting_approval()
        .select_related("organisation", "evidence_uploaded_by")
        .order_by("evidence_uploaded_at", "pk")
    )


def open_invitation_list(*, organisation: Organisation) -> QuerySet[Invitation]:
    return Invitation.objects.usable().filter(organisation=organisation).order_by("-created_at")


def change_list(*, organisation: Organisation, limit: int = 200) -> QuerySet[OrganisationChange]:
    return organisation.changes.select_related("changed_by")[:limit]


# --- The profile page, its history and the members' completeness checklist ----------------------------


@dataclass
class OrganisationProfile:
    """What the public profile page shows, read in a fixed number of queries."""

    organisation: Organisation
    municipality_name: str
    services: list[Any]
    municipalities_served: list[Any]
    support_offered: list[str]
    valid_certifications: list[Any]

    @property
    def place(self) -> str:
        """The address and the municipality on one line (the profile map's text alternative); may be empty."""
        org = self.organisation
        town = " ".join(part for part in (org.postal_code, org.city) if part)
        parts = [org.street_address, town]
        if self.municipality_name and self.municipality_name != org.city:
            parts.append(self.municipality_name)
        return ", ".join(part for part in parts if part)


def organisation_profile(*, organisation: Organisation) -> OrganisationProfile:

    labels = dict(SupportOffered.choices)
    return OrganisationProfile(
        organisation=organisation,
        municipality_name=organisation.kommunkod.name if organisation.kommunkod is not None else "",
        services=list(organisation.services.all()),
        municipalities_served=list(organisation.municipalities_served.all()),
        support_offered=[str(labels[value]) for value in organisation.support_offered or [] if value in labels],
        valid_certifications=list(Certification.objects.valid().filter(organisation=organisation)),
    )


def organisation_history(*, organisation: Organisation) -> QuerySet[OrganisationChange]:
    """Every history row of the organisation, newest first (the history page paginates it)."""
    return organisation.changes.select_related("changed_by").order_by("-changed_at", "-id")


@dataclass
class ChecklistItem:
    key: str
    label: str
    done: bool
    url: str


@dataclass
class Completeness:
    score: int  # 0–100
    items: list[ChecklistItem]

    @property
    def todo(self) -> list[ChecklistItem]:
        return [item for item in self.items if not item.done]

    @property
    def done_count(self) -> int:
        return sum(item.done for item in self.items)


def organisation_completeness(organisation: Organisation) -> Completeness:
    """How complete the organisation's profile is, and what to do next. Uses prefetched `services` and
    `memberships` when they are there (see `memberships_with_completeness`), otherwise two small queries."""

    def url(name: str, anchor: str = "") -> str:
        return reverse(name, kwargs={"code": organisation.code}) + (f"#{anchor}" if anchor else "")

    items = [
        ChecklistItem("logo", _("Add a logo"), bool(organisation.logo), url("directory:logo")),
        ChecklistItem(
            "services", _("Add services"), bool(organisation.services.all()), url("directory:edit", "fs-services")
        ),
        ChecklistItem(
            "description_sv",
            _("Write a description in Swedish"),
            bool(organisation.description_sv.strip()),
            url("directory:edit", "fs-description"),
        ),
        ChecklistItem(
            "description_en",
            _("Add an English description"),
            bool(organisation.description_en.strip()),
            url("directory:edit", "fs-description"),
        ),
        ChecklistItem(
            "contact",
            _("Add contact details"),
            bool(organisation.phone or organisation.email),
            url("directory:edit", "fs-contact"),
        ),
        ChecklistItem(
            "coordinates",
            _("Add the location on the map"),
            organisation.has_coordinates,
            url("directory:edit", "fs-coordinates"),
        ),
        ChecklistItem(
            "colleague",
            _("Invite a colleague"),
            len(organisation.memberships.all()) >= 2,
            url("directory:members"),
        ),
        ChecklistItem(
            "confirm",
            _("Confirm that the details are correct"),
            organisation.freshness == Freshness.FRESH,
            url("directory:confirm"),
        ),
    ]
    score = round(100 * sum(item.done for item in items) / len(items))
    return Completeness(score=score, items=items)


def memberships_with_completeness(memberships: list[Membership]) -> list[Membership]:
    """The user's memberships, each with `.completeness` of its organisation, for the members' dashboard.
    Two queries whatever the number of memberships (services and memberships prefetched)."""

    organisations = [m.organisation for m in memberships]
    prefetch_related_objects(organisations, "services", "memberships")
    for membership in memberships:
        membership.completeness = organisation_completeness(membership.organisation)  # type: ignore[attr-defined]
    return memberships
