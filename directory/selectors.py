"""Reads in the directory. Every list starts from what the user may see."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    Field,
    Model,
    QuerySet,
    TextField,
    Window,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from directory import facet_cache
from directory.access import Actor
from directory.filters import (
    OrganisationFilter,
    certified_condition,
    facet_condition,
    load_choices,
    search_ordered,
    search_sort,
)
from directory.models import (
    Certification,
    CertificationStatus,
    Forbund,
    Freshness,
    Invitation,
    Membership,
    MembershipRole,
    Municipality,
    Organisation,
    OrganisationChange,
    OrganisationKind,
    ServiceCategory,
    SupportOffered,
)
from directory.search import rank as search_rank
from directory.search import search, searchable, swedish_name_order
from kernel.models import User
from kernel.replica import reading_connection

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
    sort: str
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    total: int | None = None  # the number of results, counted with the facets (None: not counted)
    # With `page=`: the ids of that page's organisations in order, read with the facets (None: not read; the
    # page is then a slice of `organisations`, e.g. a page past the end, which shows the last one).
    page_ids: list[int] | None = None

    @functools.cached_property
    def organisations(self) -> QuerySet[Organisation]:
        """The results in the order of `sort`: built when asked for (the search page reads its page's ids with
        the facets and never needs it; the exports, the map and the API do)."""
        return search_ordered(self.filterset.qs, self.sort)

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


# `?area=all`: the whole country, on the host of a förbund whose directory opens on its own area.
AREA_PARAM = "area"
WHOLE_COUNTRY = "all"


@dataclass(frozen=True)
class SearchArea:
    """Where the directory search page looks. On the host of a förbund with municipalities it opens on that
    förbund's area (`codes`: their kommunkoder) and offers the whole country (`?area=all`, codes None); on a
    national host, and for a förbund without municipalities, it is national and offers no choice (`forbund`
    None). An organisation without a municipality is in no förbund's area."""

    forbund: Forbund | None = None
    codes: frozenset[str] | None = None

    @property
    def whole_country(self) -> bool:
        return self.codes is None

    @property
    def label(self) -> str:
        return _("In %(name)s") % {"name": self.forbund.short_name} if self.forbund is not None else ""

    def cache_key(self) -> dict[str, Any] | None:
        """What of the area a cached results region depends on: the förbund (its control names it) and the
        municipalities searched. None on a national page."""
        if self.forbund is None:
            return None
        codes = sorted(self.codes) if self.codes is not None else None
        return {"forbund": self.forbund.pk, "name": self.forbund.short_name, "codes": codes}


def search_area(forbund: Forbund | None, params: QueryDict) -> SearchArea:
    """The search page's area for the request's förbund (from the registry: its `municipality_codes` cost no
    query) and the page's parameters."""
    codes = frozenset(getattr(forbund, "municipality_codes", ()) or ()) if forbund is not None else frozenset()
    if not codes:
        return SearchArea()
    if params.get(AREA_PARAM) == WHOLE_COUNTRY:
        return SearchArea(forbund=forbund)
    return SearchArea(forbund=forbund, codes=codes)


def organisation_search(
    *,
    actor: Actor,
    params: QueryDict,
    with_facets: bool = True,
    area: frozenset[str] | None = None,
    page: tuple[int, int] | None = None,
) -> SearchResult:
    """The directory search: the user's scope, the filters in `params`, the sort, and facet counts where
    each facet counts over the results of all the *other* filters (so choosing one kind still shows how
    many of the other kinds there are). A constant number of queries whatever the number of results.
    `area`: only organisations in these municipalities (SearchArea.codes); None: the whole country.
    `page`: (number, size) of the page of results to read with the facets (result.page_ids)."""
    choices = load_choices()
    base = _in_area(Organisation.objects.searchable_by(actor), area)
    params = _tidy(params)
    filterset = OrganisationFilter(params, queryset=base, choices=choices)
    if not filterset.is_valid():  # bad values are dropped by the lenient fields; anything else: no filter
        params = QueryDict()
        filterset = OrganisationFilter(params, queryset=base, choices=choices)
        filterset.is_valid()
    query = filterset.form.cleaned_data.get("q") or ""
    sort = search_sort(params.get("sort", ""), query)
    result = SearchResult(filterset=filterset, sort=sort)
    if with_facets:
        result.facets, result.total, result.page_ids = facet_counts(
            actor=actor, filterset=filterset, choices=choices, area=area, sort=sort, page=page
        )
    return result


def _in_area(queryset: QuerySet[Organisation], area: frozenset[str] | None) -> QuerySet[Organisation]:
    return queryset if area is None else queryset.filter(kommunkod__in=sorted(area))


def facet_counts(
    *,
    actor: Actor,
    filterset: OrganisationFilter,
    choices: tuple[list[tuple[str, str]], list[tuple[str, str]]],
    area: frozenset[str] | None = None,
    sort: str = "name",
    page: tuple[int, int] | None = None,
) -> tuple[dict[str, list[FacetValue]], int, list[int] | None]:
    """The facets, the number of results (within `area`, see organisation_search) and, with `page`
    ((number, size)), the ids of that page's results in the order of `sort`. For anonymous visitors they come
    from the cache while no organisation, certification or taxonomy row has changed (directory.facet_cache;
    the area, the sort and the page are part of the key); everyone else, and the embedded SQLite default, gets
    them from the database: one statement (`_count_facets`)."""
    cleaned = filterset.form.cleaned_data
    selected = {name: _selection(cleaned.get(name)) for name in FACETS}
    query = cleaned.get("q") or ""
    compute = functools.partial(
        _count_facets, actor=actor, query=query, selected=selected, area=area, sort=sort, page=page
    )
    if actor.is_authenticated:
        counts, total, page_ids = compute()
    else:
        area_key = sorted(area) if area is not None else None
        key = {"q": query, **selected, "area": area_key, "sort": sort, "page": page}
        counts, total, page_ids = facet_cache.cached(key=key, compute=compute)
    municipalities, services = choices
    labels: dict[str, dict[str, Any]] = {
        "kind": dict(OrganisationKind.choices),
        "municipality": dict(municipalities),
        "service": dict(services),
    }
    facets: dict[str, list[FacetValue]] = {}
    for name in ("kind", "municipality", "service"):
        picked = selected[name]  # the list facets' values; a flag facet's is a bool
        chosen = set(picked) if isinstance(picked, list) else set()
        facets[name] = [
            FacetValue(value=value, label=str(label), count=counts[name].get(value, 0), selected=value in chosen)
            for value, label in labels[name].items()
            if counts[name].get(value, 0) or value in chosen
        ]
    for name in ("placements", "certified"):
        facets[name] = [FacetValue("1", "", counts[name].get("1", 0), bool(cleaned.get(name)))]
    return facets, total, page_ids


def _selection(value: object) -> list[str] | bool:
    """A facet's cleaned value in a stable, hashable form (a sorted list of strings, or a bool)."""
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(str(v) for v in value)
    return bool(value)


def _count_facets(
    *,
    actor: Actor,
    query: str,
    selected: dict[str, Any],
    area: frozenset[str] | None = None,
    sort: str = "name",
    page: tuple[int, int] | None = None,
) -> tuple[dict[str, dict[str, int]], int, list[int] | None]:
    """Facet counts and the total, in one statement over the matched set as a subquery: the organisations the
    actor may search that match the text, with one flag per chosen facet. Each facet counts the rows that
    pass every *other* chosen facet; the total counts the rows that pass all of them. The text search runs
    once, inside the statement; nothing is sent back as a list of ids.

    With `page` ((number, size)) the same statement also returns the ids of that page of the rows that pass
    every facet, in the order of `sort` (filters.search_ordered's order; ranked, for best match, only those
    rows): the page then costs a read by primary key, not a second search. None when the page is past the
    end (the caller shows the last page, as Paginator.get_page does)."""
    conditions = {name: facet_condition(name, value) for name, value in selected.items()}
    flags = {f"f_{name}": ExpressionWrapper(c, output_field=BooleanField()) for name, c in conditions.items() if c}
    matched = search(_in_area(Organisation.objects.searchable_by(actor), area), query).order_by()
    matched = matched.annotate(is_certified=certified_condition(), **flags).values(
        "pk", "kind", "kommunkod", "takes_placements", "is_certified", *flags
    )
    inner_sql, params = matched.query.sql_with_params()

    def others(name: str) -> str:
        return " AND ".join(f"m.{flag}" for flag in flags if flag != f"f_{name}") or "TRUE"

    page_sql = ""
    if page is not None:
        number, size = page
        # The rows of `m` that pass every facet, ranked and sorted by Django (the same order expressions as
        # the results list), cut to the page. A subquery of the CTE: ids only, in order.
        passing = RawSQL(f"SELECT m.pk FROM m WHERE {others('')}", ())  # noqa: S608,S611 - flag names from FACETS
        rows = search_ordered(Organisation.objects.filter(pk__in=passing).annotate(rank=search_rank(query)), sort)
        # The position in the whole ordered list, so the order does not depend on how rows leave a subquery.
        ordering: list[Any] = list(rows.query.order_by)
        rows = rows.annotate(position=Window(RowNumber(), order_by=ordering))
        rows_sql, rows_params = rows.values("pk", "position")[
            (number - 1) * size : number * size
        ].query.sql_with_params()
        page_sql = f"""
        UNION ALL
        SELECT 'page', CAST(r.pk AS TEXT), r.position FROM ({rows_sql}) r"""  # noqa: S608 - compiled by Django
        params = (*params, *rows_params)

    through = Organisation.services.through._meta.db_table
    categories = ServiceCategory._meta.db_table
    statement = f"""
        WITH m AS MATERIALIZED ({inner_sql})
        SELECT 'kind', m.kind, count(*) FROM m WHERE {others("kind")} GROUP BY m.kind
        UNION ALL
        SELECT 'municipality', m.kommunkod, count(*) FROM m WHERE {others("municipality")} GROUP BY m.kommunkod
        UNION ALL
        SELECT 'service', sc.slug, count(*) FROM m
            JOIN {through} link ON link.organisation_id = m.pk
            JOIN {categories} sc ON sc.id = link.servicecategory_id
            WHERE {others("service")} GROUP BY sc.slug
        UNION ALL
        SELECT 'placements', '1', count(*) FROM m WHERE {others("placements")} AND m.takes_placements
        UNION ALL
        SELECT 'certified', '1', count(*) FROM m WHERE {others("certified")} AND m.is_certified
        UNION ALL
        SELECT 'total', '', count(*) FROM m WHERE {others("")}{page_sql}
    """  # noqa: S608 - table names come from model metadata, flag names from FACETS, values are parameters
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    total = 0
    positions: list[tuple[int, int]] = []
    with reading_connection(Organisation).cursor() as cursor:
        cursor.execute(statement, params)
        for facet, value, count in cursor.fetchall():
            if facet == "total":
                total = count
            elif facet == "page":
                positions.append((count, int(value)))
            elif value is not None:
                counts[facet][value] = count
    page_ids = None
    if page is not None and (positions or page[0] == 1):  # past the end: None (the last page is shown)
        page_ids = [pk for _position, pk in sorted(positions)]
    return counts, total, page_ids


def membership_list(*, organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by("user__full_name", "user__email")


def member_user_ids(*, organisation_ids: Iterable[int], admins_only: bool = False) -> list[int]:
    """The active people in these organisations (their administrators only with `admins_only`): who hears
    about what happens to an organisation (notifications.services.notify)."""
    memberships = Membership.objects.filter(organisation_id__in=list(organisation_ids), user__is_active=True)
    if admins_only:
        memberships = memberships.filter(role=MembershipRole.ADMIN)
    return sorted(set(memberships.values_list("user_id", flat=True)))


def active_members(organisation_id: int) -> list[User]:
    """The active people of an organisation, by e-mail address: whom an organisation's reminders are written to
    (each in their own language)."""
    return [
        m.user
        for m in Membership.objects.filter(organisation_id=organisation_id, user__is_active=True)
        .select_related("user")
        .order_by("user__email")
    ]


def coordinator_user_ids(organisation: Organisation) -> list[int]:
    """Who hears about work only coordinators do for an organisation (verification, certifications, reports of
    outdated information): the active coordinators of the förbund whose area holds the organisation's
    municipality; when no förbund covers it, the coordinators of every förbund (the directory is national)."""
    coordinators = User.objects.filter(is_active=True, coordinated_forbund__isnull=False)
    local = coordinators.filter(coordinated_forbund__municipalities=organisation.kommunkod_id)
    chosen = local if organisation.kommunkod_id is not None and local.exists() else coordinators
    return sorted(set(chosen.values_list("pk", flat=True)))


def certifications_awaiting_approval(organisations: QuerySet[Organisation]) -> QuerySet[Certification]:
    """The coordinators' queue: certifications of `organisations` (the förbund's work queues,
    directory.queues.filters.in_queues_of) whose evidence awaits approval, the longest waiting first."""
    return (
        Certification.objects.awaiting_approval()
        .filter(organisation__in=organisations)
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
    services: list[ServiceCategory]
    municipalities_served: list[Municipality]
    support_offered: list[str]
    valid_certifications: list[Certification]

    @property
    def place(self) -> str:
        """The address and the municipality on one line (the profile map's text alternative); may be empty."""
        org = self.organisation
        town = " ".join(part for part in (org.postal_code, org.city) if part)
        parts = [org.street_address, town]
        if self.municipality_name and self.municipality_name != org.city:
            parts.append(self.municipality_name)
        return ", ".join(part for part in parts if part)


# The municipality's name, the services, the municipalities served and the valid certifications.
_ProfileFacts = tuple[str, list[ServiceCategory], list[Municipality], list[Certification]]


def organisation_profile(*, organisation: Organisation) -> OrganisationProfile:
    """The profile's facts: the municipality's name, the services and municipalities served in their models'
    order, the certifications that count (certified_q: approved and valid today) by kind and date. Read with
    the organisation when it was read with profile_facts_annotation(), otherwise in one statement (on the
    embedded SQLite default, which has no JSON aggregates, in four: `_profile_facts_read`)."""
    labels = dict(SupportOffered.choices)
    municipality_name, services, served, certifications = _profile_facts(organisation)
    return OrganisationProfile(
        organisation=organisation,
        municipality_name=municipality_name,
        services=services,
        municipalities_served=served,
        support_offered=[str(labels[value]) for value in organisation.support_offered or [] if value in labels],
        valid_certifications=certifications,
    )


def _profile_facts(organisation: Organisation) -> _ProfileFacts:
    """The four facts of organisation_profile: from the annotation, else from one statement, else (SQLite)
    from `_profile_facts_read`."""
    facts = getattr(organisation, PROFILE_FACTS, None)
    if facts is None and not _json_facts():
        return _profile_facts_read(organisation)
    if facts is None:
        statement = f"SELECT {_profile_facts_expression('%s', '%s')}"
        with reading_connection(Organisation).cursor() as cursor:
            cursor.execute(statement, [organisation.kommunkod_id, *[organisation.pk] * 3, *_certified_params()])
            facts = cursor.fetchone()[0]
    municipality_name, service_rows, served_rows, certification_rows = json.loads(facts)
    certifications = []
    for row in certification_rows:
        row[_VALID_UNTIL] = dt.date.fromisoformat(row[_VALID_UNTIL])  # JSON has no dates
        certifications.append(Certification.from_db(None, _CERTIFICATION_FIELDS, row))
    return (
        municipality_name or "",
        [ServiceCategory.from_db(None, _SERVICE_FIELDS, row) for row in service_rows],
        [Municipality.from_db(None, _MUNICIPALITY_FIELDS, row) for row in served_rows],
        certifications,
    )


def _json_facts() -> bool:
    """Whether the facts can be read as one JSON value (_profile_facts_expression): PostgreSQL."""
    return reading_connection(Organisation).vendor == "postgresql"


def _profile_facts_read(organisation: Organisation) -> _ProfileFacts:
    """The facts of _profile_facts_expression read with the ORM, in the same orders: where there are no JSON
    aggregates (the embedded SQLite default)."""
    municipality_name = Municipality.objects.filter(code=organisation.kommunkod_id).values_list("name", flat=True)
    services = organisation.services.only(*_SERVICE_FIELDS).order_by("position", "name_sv", "id")
    served = organisation.municipalities_served.only(*_MUNICIPALITY_FIELDS).order_by("name", "code")
    status, today = _certified_params()
    certifications = Certification.objects.filter(organisation=organisation, status=status, valid_until__gte=today)
    certifications = certifications.only(*_CERTIFICATION_FIELDS).order_by("kind", "valid_until", "id")
    return next(iter(municipality_name), ""), list(services), list(served), list(certifications)


# The annotation profile_facts_annotation() reads the facts under.
PROFILE_FACTS = "profile_facts"


def profile_facts_annotation(today: dt.date | None = None) -> dict[str, RawSQL]:
    """The profile's facts as an annotation of a query of organisations (`.annotate(**…)`): read in the same
    statement as the organisation, for organisation_profile(). `today`: the day certifications are valid on
    (None: today)."""
    if not _json_facts():  # organisation_profile() reads them in four queries
        return {}
    table = connection.ops.quote_name(Organisation._meta.db_table)
    column = functools.partial(_column, Organisation)
    expression = _profile_facts_expression(f"{table}.{column('id')}", f"{table}.{column('kommunkod')}")
    return {PROFILE_FACTS: RawSQL(expression, _certified_params(today), output_field=TextField())}  # noqa: S611


def _certified_params(today: dt.date | None = None) -> tuple[str, dt.date]:
    return CertificationStatus.APPROVED, today or timezone.localdate()


# The columns the profile shows of each, in the model's field order (as Model.from_db takes them; the others
# are deferred).
_SERVICE_FIELDS = ["id", "slug", "name_sv", "name_en", "active", "position"]
_MUNICIPALITY_FIELDS = ["code", "name", "county_code", "county_name"]
_CERTIFICATION_FIELDS = ["id", "code", "organisation_id", "kind", "name", "valid_until", "status"]
_VALID_UNTIL = _CERTIFICATION_FIELDS.index("valid_until")


def _column(model: type[Model], name: str) -> str:
    """The quoted column of a concrete field (a field with a column of its own, not a relation's reverse)."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise ValueError(f"{model.__name__}.{name} has no column of its own")
    return connection.ops.quote_name(field.column)


@functools.cache
def _profile_facts_expression(organisation: str, kommunkod: str) -> str:
    """The facts as one JSON text: [the municipality's name, services, municipalities served, certifications
    that count], each list of rows in its model's Meta.ordering (the primary key last, so ties keep one order).
    `organisation` and `kommunkod`: the organisation's id and municipality (a placeholder or the outer query's
    columns); then two placeholders: the approved status and today. Names from the models' metadata."""

    def columns(model: type[Model], names: list[str], alias: str) -> str:
        return ", ".join(f"{alias}.{_column(model, name)}" for name in names)

    municipality = connection.ops.quote_name(Municipality._meta.db_table)
    services = connection.ops.quote_name(ServiceCategory._meta.db_table)
    services_link = connection.ops.quote_name(Organisation.services.through._meta.db_table)
    served_link = connection.ops.quote_name(Organisation.municipalities_served.through._meta.db_table)
    certification = connection.ops.quote_name(Certification._meta.db_table)
    return f"""json_build_array(
        (SELECT m.name FROM {municipality} m WHERE m.code = {kommunkod}),
        (SELECT coalesce(json_agg(json_build_array({columns(ServiceCategory, _SERVICE_FIELDS, "s")})
                                  ORDER BY s.position, s.name_sv, s.id), '[]')
           FROM {services_link} link JOIN {services} s ON s.id = link.servicecategory_id
          WHERE link.organisation_id = {organisation}),
        (SELECT coalesce(json_agg(json_build_array({columns(Municipality, _MUNICIPALITY_FIELDS, "m")})
                                  ORDER BY m.name, m.code), '[]')
           FROM {served_link} link JOIN {municipality} m ON m.code = link.municipality_id
          WHERE link.organisation_id = {organisation}),
        (SELECT coalesce(json_agg(json_build_array({columns(Certification, _CERTIFICATION_FIELDS, "c")})
                                  ORDER BY c.kind, c.valid_until, c.id), '[]')
           FROM {certification} c
          WHERE c.organisation_id = {organisation} AND c.status = %s AND c.valid_until >= %s)
    )::text"""  # noqa: S608 - names come from model metadata, values are parameters


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
