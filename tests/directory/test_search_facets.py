"""The search's facet counts and total: one statement over the matched set, equal to counting each facet
value on its own (the old way, one query per facet over the other filters); and the anonymous counts from
the cache, never stale after a change however it is written."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directory.access import actor_for
from directory.filters import OrganisationFilter, load_choices
from directory.models import Municipality, Organisation, OrganisationKind, ServiceCategory
from directory.search import reindex
from directory.selectors import organisation_search
from directory.views import PAGE_SIZE
from tests.factories import CertificationFactory, MembershipFactory, OrganisationFactory

KINDS = [OrganisationKind.ASF, OrganisationKind.BUSINESS, OrganisationKind.CIVIL_SOCIETY]
MUNICIPALITIES = ["2581", "2582", "2580"]
SERVICES = ["catering", "stad", "tradgard-skog", "snickeri"]
WORDS = ["Trädgård", "Catering", "Snickeri"]


def _constructed_directory() -> None:
    """60 organisations over every combination that matters: kinds, municipalities, 0-3 services, takes
    placements or not, certified (valid, expired, pending) or not, and a few unpublished or stale."""
    rng = random.Random(7)
    services = {s.slug: s for s in ServiceCategory.objects.filter(slug__in=SERVICES)}
    stale = timezone.now() - dt.timedelta(days=800)
    for i in range(60):
        org = OrganisationFactory(
            name=f"{WORDS[i % 3]} {i}",
            kind=KINDS[i % 3],
            kommunkod=MUNICIPALITIES[(i // 3) % 3],
            takes_placements=i % 4 == 0,
            published=i % 17 != 0,
            **({"confirmed_at": stale} if i % 13 == 5 else {}),
        )
        org.services.set([services[s] for s in rng.sample(SERVICES, i % 4)])
        if i % 5 == 0:
            CertificationFactory(organisation=org)
        elif i % 5 == 1:
            CertificationFactory(organisation=org, expired=True)
        elif i % 5 == 2:
            CertificationFactory(organisation=org, pending=True, lou_reserved=True)
    reindex(Organisation.objects.values_list("pk", flat=True))


def _reference(actor, params: QueryDict) -> dict[str, dict[str, int]]:
    """Each facet value counted on its own: the other facets' filters plus this value, one count per value."""
    choices = load_choices()
    base = Organisation.objects.searchable_by(actor)
    values = {
        "kind": [k for k, _ in OrganisationKind.choices],
        "municipality": MUNICIPALITIES,
        "service": SERVICES,
        "placements": ["1"],
        "certified": ["1"],
    }
    counts: dict[str, dict[str, int]] = {}
    for name, options in values.items():
        counts[name] = {}
        for value in options:
            mine = params.copy()
            mine.setlist(name, [value])
            counted = OrganisationFilter(mine, queryset=base, choices=choices).qs.count()
            if counted:
                counts[name][value] = counted
    return counts


def _facets(result) -> dict[str, dict[str, int]]:
    return {name: {f.value: f.count for f in values if f.count} for name, values in result.facets.items()}


SEARCHES = [
    "",
    "kind=asf",
    "kind=asf&municipality=2581",
    "q=trädgård",
    "q=trädgård&kind=business&service=catering",
    "q=snickeri&municipality=2581&municipality=2582&placements=1",
    "service=stad&service=snickeri&certified=1",
    "q=catering&certified=1&placements=1&kind=business&kind=civil_society",
]


@pytest.mark.django_db
@pytest.mark.parametrize("user", ["anonymous", "member", "coordinator"])
def test_facet_counts_and_total_equal_counting_each_value_on_its_own(world, user):
    _constructed_directory()
    if user == "member":  # a member also finds their own unpublished organisation
        MembershipFactory(user=world.staff_a, organisation=Organisation.objects.filter(published=False).first())
    actor = actor_for({"anonymous": None, "member": world.staff_a, "coordinator": world.coordinator}[user])
    for params in map(QueryDict, SEARCHES):
        result = organisation_search(actor=actor, params=params)
        expected = _reference(actor, params)
        expected_total = organisation_search(actor=actor, params=params, with_facets=False).organisations.count()
        assert _facets(result) == expected, params
        assert result.total == expected_total, params
        assert expected_total > 0, params  # the constructed data answers every search


@pytest.mark.django_db
def test_facets_and_total_are_one_statement_with_no_ids_sent_back(client, world):
    _constructed_directory()
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("directory:index"), {"q": "trädgård", "kind": "asf", "municipality": "2581"})
    facet_statements = [q["sql"] for q in captured.captured_queries if "WITH m AS MATERIALIZED" in q["sql"]]
    assert len(facet_statements) == 1
    others = [q["sql"] for q in captured.captured_queries if q["sql"] not in facet_statements]
    assert not [sql for sql in others if "COUNT(" in sql.upper()]  # the paginator takes the statement's total
    # The matched set stays a subquery: the only ids sent back are the page's (read by key, at most a page).
    for q in captured.captured_queries:
        for listed in re.findall(r"IN \(([\d, ]+)\)", q["sql"]):
            assert len(listed.split(",")) <= PAGE_SIZE, q["sql"]


@pytest.mark.django_db
@pytest.mark.parametrize("user", ["anonymous", "member", "coordinator"])
@pytest.mark.parametrize("sort", ["relevance", "name", "updated"])
def test_the_page_read_with_the_facets_is_that_page_of_the_ordered_results(world, user, sort):
    """The facet statement also returns the page's ids (no second search): for every search, sort and page they
    are the ids of that slice of the results list in its own order, ties (equal ranks, equal confirmation
    times) included; a page past the end is None (the view then shows the last page)."""
    _constructed_directory()
    Organisation.objects.filter(pk__in=Organisation.objects.order_by("pk").values("pk")[:30]).update(
        confirmed_at=timezone.now() - dt.timedelta(days=3)  # ties in "updated": broken by the primary key
    )
    if user == "member":
        MembershipFactory(user=world.staff_a, organisation=Organisation.objects.filter(published=False).first())
    actor = actor_for({"anonymous": None, "member": world.staff_a, "coordinator": world.coordinator}[user])
    size = 7
    for search in SEARCHES:
        params = QueryDict(f"{search}&sort={sort}")
        ordered = list(
            organisation_search(actor=actor, params=params, with_facets=False).organisations.values_list(
                "pk", flat=True
            )
        )
        pages = -(-len(ordered) // size)
        assert pages >= 1, search
        for number in range(1, pages + 1):
            result = organisation_search(actor=actor, params=params, page=(number, size))
            assert result.page_ids == ordered[(number - 1) * size : number * size], (search, sort, number)
            assert result.total == len(ordered)
        assert organisation_search(actor=actor, params=params, page=(pages + 1, size)).page_ids is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "shown"),
    [("2", 2), ("", 1), ("abc", 1), ("2.5", 1), ("0", "last"), ("-3", "last"), ("999", "last"), ("9" * 30, "last")],
)
def test_the_results_page_asked_for_is_the_page_shown(client, world, page, shown):
    """`?page=` as Django's Paginator.get_page reads it: not a number, the first page; below 1 or past the end,
    the last; the rows shown are that slice of the ordered results."""
    _constructed_directory()
    params = {"q": "trädgård", "sort": "name", "page": page}
    response = client.get(reverse("directory:index"), params)
    assert response.status_code == 200
    shown_page = response.context["page"]
    ordered = list(
        organisation_search(
            actor=actor_for(None), params=QueryDict("q=trädgård&sort=name"), with_facets=False
        ).organisations.values_list("pk", flat=True)
    )
    last = -(-len(ordered) // PAGE_SIZE)
    assert last >= 1
    number = last if shown == "last" else shown
    assert shown_page.number == number
    assert [org.pk for org in shown_page.object_list] == ordered[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_search_not_in_the_cache_reads_the_generation_once_and_searches_once(client):
    """The results region and the facet counts are cached under the same generation: read once per request (the
    values made for it read what they show after it), and the choice lists come from this process's memory
    while it is unchanged."""
    OrganisationFactory(name="Cachad Trädgård", kind=OrganisationKind.ASF, kommunkod="2581")
    reindex(Organisation.objects.values_list("pk", flat=True))
    client.get(reverse("directory:index"), {"q": "snickeri"})  # the choice lists are read
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("directory:index"), {"q": "trädgård", "kind": "asf"})
    assert "Cachad Trädgård" in response.content.decode()
    statements = [q["sql"] for q in captured.captured_queries]
    assert statements.count("SELECT n FROM directory_facet_generation WHERE id = 1") == 1
    assert len([sql for sql in statements if "WITH m AS MATERIALIZED" in sql]) == 1
    assert not [sql for sql in statements if "directory_municipality" in sql and "directory_organisation" not in sql]


@pytest.mark.django_db(transaction=True)
def test_the_choice_lists_kept_in_memory_change_with_a_renamed_municipality_or_service(client):
    """load_choices keeps the lists while the directory's generation is the same; a renamed municipality or
    service category moves the generation on, so the next search shows the new name."""
    OrganisationFactory(name="Namnbytet", kind=OrganisationKind.ASF, kommunkod="2581")
    url = reverse("directory:index")
    assert ("2581", "Piteå") in load_choices()[0]
    assert load_choices() is load_choices()  # kept: no second read
    Municipality.objects.filter(code="2581").update(name="Piteå stad")
    assert ("2581", "Piteå stad") in load_choices()[0]
    html = client.get(url, {"municipality": "2581"}, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Piteå stad" in html
    ServiceCategory.objects.filter(slug="catering").update(name_sv="Storkök")
    html = client.get(url, {"service": "catering"}, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Storkök" in html


def _count(client, facet: str, value: str, params: dict | None = None) -> int:
    """The count the page shows beside a facet's choice (read from the HTML: a page from the cache has no
    template context)."""
    html = client.get(reverse("directory:index"), params or {}).content.decode()
    found = re.search(rf'<label for="facet-{facet}-{re.escape(value)}">[^<]*<span class="count">\((\d+)\)</span>', html)
    return int(found.group(1)) if found else 0


def _served_from_cache(client, params: dict | None = None) -> bool:
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("directory:index"), params or {})
    return not any("WITH m AS MATERIALIZED" in q["sql"] for q in captured.captured_queries)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "change",
    ["save", "queryset update", "unpublish", "delete", "services", "certification", "taxonomy"],
)
def test_anonymous_facet_counts_come_from_the_cache_and_change_with_the_data(client, change):
    """Committed changes (a transactional test: every statement commits, as in a request), each written a
    different way, are seen by the very next page view."""
    for i, kind in enumerate([OrganisationKind.ASF, OrganisationKind.ASF, OrganisationKind.BUSINESS]):
        OrganisationFactory(name=f"Cachad {i}", kind=kind, kommunkod="2581")
    org = Organisation.objects.get(name="Cachad 0")
    catering = ServiceCategory.objects.get(slug="catering")
    params = {"service": "catering"} if change in ("services", "taxonomy") else {}
    if change == "taxonomy":
        org.services.add(catering)
    if change == "certification":
        params = {"certified": "1"}
    before = {"services": 0, "certification": 0, "taxonomy": 1}.get(change, 2)
    assert _count(client, "kind", "asf", params) == before
    assert _served_from_cache(client, params)  # the second view of the same page reads the cache

    if change == "save":
        org.kind = OrganisationKind.BUSINESS
        org.save()
    elif change == "queryset update":  # no signal is sent: the trigger still sees it
        Organisation.objects.filter(pk=org.pk).update(kind=OrganisationKind.BUSINESS)
    elif change == "unpublish":
        Organisation.objects.filter(pk=org.pk).update(published=False)
    elif change == "delete":
        org.delete()
    elif change == "services":
        org.services.add(catering)
    elif change == "certification":
        CertificationFactory(organisation=org)
    elif change == "taxonomy":  # a renamed slug: the service facet counts by slug
        ServiceCategory.objects.filter(pk=catering.pk).update(slug="catering-2")
    if change == "taxonomy":
        assert _count(client, "service", "catering-2") == 1
        assert _count(client, "service", "catering") == 0
        ServiceCategory.objects.filter(pk=catering.pk).update(slug="catering")
        assert _count(client, "service", "catering") == 1
        params = {}
    else:
        assert _count(client, "kind", "asf", params) == 1
    assert _served_from_cache(client, params)  # and the new counts are cached again


@pytest.mark.django_db(transaction=True)
def test_a_logged_in_persons_counts_are_never_cached(client, world):
    OrganisationFactory(name="Cachad", kind=OrganisationKind.ASF)
    client.force_login(world.staff_a)
    client.get(reverse("directory:index"))
    assert not _served_from_cache(client)


@pytest.mark.django_db(transaction=True)
def test_the_anonymous_results_come_from_the_cache_until_the_directory_changes(client):
    """The whole results region, not only the counts: a repeated anonymous search reads one row (the
    directory's generation) and renders no result from the database; a committed rename shows at once."""
    OrganisationFactory(name="Cachad Snickeri", kind=OrganisationKind.ASF, kommunkod="2581")
    url = reverse("directory:index")
    first = client.get(url, {"kind": "asf"})
    assert "Cachad Snickeri" in first.content.decode()
    with CaptureQueriesContext(connection) as captured:
        again = client.get(url, {"kind": "asf"})
    assert again.content.decode().count("Cachad Snickeri") == first.content.decode().count("Cachad Snickeri")
    assert [q["sql"] for q in captured.captured_queries] == ["SELECT n FROM directory_facet_generation WHERE id = 1"]
    Organisation.objects.filter(name="Cachad Snickeri").update(name="Omdöpta Snickeriet")
    renamed = client.get(url, {"kind": "asf"}).content.decode()
    assert "Omdöpta Snickeriet" in renamed
    assert "Cachad Snickeri" not in renamed
    htmx = client.get(url, {"kind": "asf"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Omdöpta Snickeriet" in htmx and "<html" not in htmx


@pytest.mark.django_db(transaction=True)
def test_a_logged_in_persons_results_are_never_cached(client, world):
    OrganisationFactory(name="Cachad Snickeri", kind=OrganisationKind.ASF)
    client.force_login(world.staff_a)
    client.get(reverse("directory:index"), {"kind": "asf"})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("directory:index"), {"kind": "asf"})
    assert "Cachad Snickeri" in response.content.decode()
    assert any("directory_organisation" in q["sql"] for q in captured.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_profile_shows_its_facts_from_the_cache_until_the_organisation_changes(client):
    organisation = OrganisationFactory(name="Cachad Snickeri", kind=OrganisationKind.ASF, phone="0920-123 45")
    url = reverse("directory:detail", args=[organisation.code])
    assert "0920-123 45" in client.get(url).content.decode()
    with CaptureQueriesContext(connection) as captured:
        again = client.get(url).content.decode()
    assert "0920-123 45" in again
    # One statement: the organisation (who may see it) with the directory's generation and whether the other
    # apps' panels have anything to show (it has no events and no opportunities: they read nothing more); no
    # read of the facts (municipality, services, municipalities served, certifications).
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    assert "directory_organisation_services" not in tables and "directory_certification" not in tables
    assert len(captured.captured_queries) == 1
    assert "directory_facet_generation" in tables
    Organisation.objects.filter(pk=organisation.pk).update(phone="0920-999 99")
    changed = client.get(url).content.decode()
    assert "0920-999 99" in changed and "0920-123 45" not in changed


def _served(html: str) -> list[str]:
    """The names in the profile's "Municipalities served" section (empty when there is none)."""
    found = re.search(r'<section aria-labelledby="served-heading">.*?<ul>(.*?)</ul>', html, flags=re.S)
    return re.findall(r"<li>([^<]*)</li>", found.group(1)) if found else []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", ["add", "set", "remove", "link table", "rename a municipality"])
def test_an_anonymous_profile_shows_changed_municipalities_served_at_once(client, change):
    """The municipalities served are a many-to-many: changing only them writes the link table, not the
    organisation's row, and the cached facts must not outlive it (migration directory/0022)."""
    organisation = OrganisationFactory(name="Cachad Snickeri", kind=OrganisationKind.ASF, kommunkod="2580")
    organisation.municipalities_served.set(["2580", "2583"])  # Luleå, Haparanda
    url = reverse("directory:detail", args=[organisation.code])
    assert _served(client.get(url).content.decode()) == ["Haparanda", "Luleå"]
    with CaptureQueriesContext(connection) as captured:
        assert _served(client.get(url).content.decode()) == ["Haparanda", "Luleå"]
    assert "directory_organisation_municipalities_served" not in " ".join(q["sql"] for q in captured.captured_queries)

    served = Organisation.municipalities_served.through
    expected = {
        "add": ["Haparanda", "Kiruna", "Luleå"],
        "set": ["Kiruna"],
        "remove": ["Luleå"],
        "link table": ["Haparanda"],
        "rename a municipality": ["Haparanda", "Luleå stad"],
    }[change]
    renamed = Municipality.objects.get(code="2580").name
    try:
        if change == "add":
            organisation.municipalities_served.add("2584")
        elif change == "set":
            organisation.municipalities_served.set(["2584"])
        elif change == "remove":
            organisation.municipalities_served.remove("2583")
        elif change == "link table":  # raw link rows, as an import or a merge writes them: no signal, no save
            served.objects.filter(organisation=organisation, municipality_id="2580").delete()
        else:  # the reference table's name, shown in the facts
            Municipality.objects.filter(code="2580").update(name="Luleå stad")
        assert _served(client.get(url).content.decode()) == expected
    finally:
        Municipality.objects.filter(code="2580").update(name=renamed)


def _section_items(html: str, name: str) -> list[str]:
    """The list items of the profile's section `name` (empty when there is none)."""
    found = re.search(rf'<section aria-labelledby="{name}-heading">.*?<ul>(.*?)</ul>', html, flags=re.S)
    return [item.split(" – ")[0].strip() for item in re.findall(r"<li>([^<]*)</li>", found.group(1))] if found else []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "change", ["add a service", "rename a service", "approve a certification", "a certification ends", "unpublish"]
)
def test_an_anonymous_profile_never_shows_stale_facts_after_a_change(client, change):
    """The facts are cached under the directory's generation, read in the profile's own query of the
    organisation (one statement, one snapshot): each committed change shows on the very next view."""
    organisation = OrganisationFactory(name="Cachad Snickeri", kind=OrganisationKind.ASF, kommunkod="2580")
    catering = ServiceCategory.objects.get(slug="catering")
    organisation.services.set([catering])
    certification = CertificationFactory(organisation=organisation, pending=True, kind="other", name="Intyg A")
    url = reverse("directory:detail", args=[organisation.code])
    first = client.get(url).content.decode()
    assert _section_items(first, "services") == [catering.name_sv]
    assert _section_items(first, "certifications") == []
    with CaptureQueriesContext(connection) as captured:  # from the cache: one statement, no facts read
        assert _section_items(client.get(url).content.decode(), "services") == [catering.name_sv]
    assert len(captured.captured_queries) == 1
    name_sv = catering.name_sv
    try:
        if change == "add a service":
            organisation.services.add(ServiceCategory.objects.get(slug="stad"))
            expected = sorted([catering.name_sv, ServiceCategory.objects.get(slug="stad").name_sv])
            assert sorted(_section_items(client.get(url).content.decode(), "services")) == expected
        elif change == "rename a service":
            ServiceCategory.objects.filter(pk=catering.pk).update(name_sv="Catering och fest")
            assert _section_items(client.get(url).content.decode(), "services") == ["Catering och fest"]
        elif change == "approve a certification":
            type(certification).objects.filter(pk=certification.pk).update(status="approved")
            assert _section_items(client.get(url).content.decode(), "certifications") == ["Intyg A"]
        elif change == "a certification ends":
            type(certification).objects.filter(pk=certification.pk).update(status="approved")
            assert _section_items(client.get(url).content.decode(), "certifications") == ["Intyg A"]
            yesterday = timezone.localdate() - dt.timedelta(days=1)
            type(certification).objects.filter(pk=certification.pk).update(valid_until=yesterday)
            assert _section_items(client.get(url).content.decode(), "certifications") == []
        else:
            Organisation.objects.filter(pk=organisation.pk).update(published=False)
            assert client.get(url).status_code == 404
    finally:
        ServiceCategory.objects.filter(pk=catering.pk).update(name_sv=name_sv)


@pytest.mark.django_db
def test_a_generation_read_inside_a_transaction_is_never_used():
    """`cached(known=...)` with a generation read inside a transaction (its uncommitted changes) computes and
    stores nothing, as cached() reading the generation itself does."""
    from directory import facet_cache

    calls = []
    key = {"test": "inside a transaction"}
    for _ in range(2):
        assert facet_cache.cached(key=key, compute=lambda: calls.append(1) or "value", known=1) == "value"
    assert len(calls) == 2  # the test runs in a transaction: never from the cache


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_profile_not_in_the_cache_reads_its_facts_with_the_organisation(client):
    """The cache is looked in before the organisation is read: on a miss the facts come in the organisation's
    own statement (one query for the whole page when the panels have nothing to show); a value made under
    another generation is not used, and the facts are then read on their own."""
    organisation = OrganisationFactory(name="Okänd Snickeri", kind=OrganisationKind.ASF, kommunkod="2580")
    organisation.services.set([ServiceCategory.objects.get(slug="catering")])
    url = reverse("directory:detail", args=[organisation.code])
    with CaptureQueriesContext(connection) as captured:
        first = client.get(url).content.decode()
    reads = [q["sql"] for q in captured.captured_queries if "directory_organisation_services" in q["sql"]]
    assert len(reads) == 1 and "directory_facet_generation" in reads[0]  # with the organisation
    assert _section_items(first, "services") == ["Catering"]
    ServiceCategory.objects.filter(slug="catering").update(name_sv="Catering och fest")  # a new generation
    try:
        with CaptureQueriesContext(connection) as captured:
            assert _section_items(client.get(url).content.decode(), "services") == ["Catering och fest"]
        reads = [q["sql"] for q in captured.captured_queries if "directory_organisation_services" in q["sql"]]
        assert len(reads) == 1 and "directory_facet_generation" not in reads[0]  # the facts made afresh
    finally:
        ServiceCategory.objects.filter(slug="catering").update(name_sv="Catering")


@pytest.mark.django_db
def test_a_facet_keeps_known_values_in_their_order_and_drops_unknown_ones():
    """A stale shared link still searches: unknown values are dropped, not an error; the values allowed are one
    set shared by every copy of the form field (the 290 municipalities are not copied per request)."""
    import copy

    params = QueryDict("municipality=2582&municipality=9999&municipality=2581&kind=asf&kind=nonsense&service=x")
    filterset = OrganisationFilter(params, queryset=Organisation.objects.all())
    assert filterset.is_valid()
    cleaned = filterset.form.cleaned_data
    assert (cleaned["municipality"], cleaned["kind"], cleaned["service"]) == (["2582", "2581"], ["asf"], [])
    field = filterset.form.fields["municipality"]
    assert len(field.allowed) == Municipality.objects.count()
    assert copy.deepcopy(field).allowed is field.allowed
