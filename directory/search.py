"""Directory search that works the way Swedish users type.

On PostgreSQL each word of the query must match in one of three ways:

* stemmed full text (`swedish` configuration, prefix match): `trädgård` finds "Trädgårdarna",
  `cat` finds "Cateringköket", words in the descriptions count too;
* a substring of the folded name/services/city text (lower case, å/ä → a, ö → o), backed by a pg_trgm GIN
  index: `service` finds "Städservice Piteå", `tradgard` finds "Trädgårdarna", `ostersund` finds "Östersund";
* trigram word similarity above pg_trgm's threshold (0.6), for small typos (`tradgaard`).

A word of fewer than MIN_SUBSTRING_LENGTH letters matches by full text only: trigrams need three letters, so
no index can find `%el%`, and two letters inside other words ("hotell", "kapell") are noise, not a match.

Results are ranked by full-text rank plus similarity. On SQLite (the embedded default) a word matches when
it is contained in the folded text or a description.

The folded text and the tsvector are stored on the row and kept current by `reindex()`, which every
service that changes a profile calls (one UPDATE for any number of rows).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection, connections
from django.db.models import BooleanField, F, FloatField, Func, IntegerField, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Collate
from django.db.models.lookups import Exact

from directory.models import Organisation

MAX_TERMS = 8
MAX_TERM_LENGTH = 40
MIN_SUBSTRING_LENGTH = 3

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "è": "e", "ü": "u", "æ": "a", "ø": "o"})


def fold(text: str) -> str:
    """Lower-case, Swedish letters folded to ASCII, punctuation to spaces, whitespace collapsed."""
    text = (text or "").lower().translate(_FOLD)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def terms(query: str) -> list[str]:
    """The words of a query: at most MAX_TERMS words of at most MAX_TERM_LENGTH letters/digits."""
    words = re.findall(r"\w+", (query or "").lower())
    return [w[:MAX_TERM_LENGTH] for w in words][:MAX_TERMS]


def searchable(query: str) -> bool:
    """Whether `query` has a word to search for. Punctuation, symbols and control characters alone
    (`!!!`, `[]`, `&|!`, `:*`) have none: such a query filters nothing and ranks nothing, so it is treated
    as no search text at all (every rank would be the same constant, and PostgreSQL refuses to order by
    a constant)."""
    return bool(terms(query))


def _pg() -> bool:
    return connection.vendor == "postgresql"


def search(queryset: QuerySet, query: str) -> QuerySet:
    """Filter `queryset` (Organisations) to those matching every word of `query`, annotated with `rank`."""
    words = terms(query)
    if not words:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    if not _pg():
        for word in words:
            folded = fold(word)
            queryset = queryset.filter(
                Q(search_text__contains=folded) | Q(description_sv__icontains=word) | Q(description_en__icontains=word)
            )
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))

    # Which rows match is decided first, in one subquery for all the words, that reads only the three
    # indexes (GIN on the tsvector; pg_trgm GIN for LIKE and for `%>`, the word-similarity operator with
    # pg_trgm.word_similarity_threshold, 0.6 by default): a BitmapOr per word, the words' bitmaps ANDed. The
    # rows are then fetched by primary key (`id = ANY(ARRAY(…))`), whatever else the outer query filters,
    # counts or sorts by: the outer query never computes a full-text match or a similarity for rows that do
    # not match. One array of the rows matching every word, not one per word: `id = ANY(a) AND id = ANY(b)`
    # compares each row of `a` with every element of `b`, which for "second hand" at 50,000 organisations
    # (3,195 and 17,542 ids) took 1.6 s of a 1.7 s query. The bitmap scans are chosen at SSD page costs
    # (random_page_cost 1.1, set per connection in asfnet/settings.py); tests/directory/test_search_plan.py
    # holds this at bench size. Ranks are computed for matching rows.

    matched = Organisation.objects.order_by().values("pk")
    for word in words:
        folded = fold(word)
        tsquery = _tsquery(word)
        condition = Q(search_vector=tsquery)
        if len(folded) >= MIN_SUBSTRING_LENGTH:
            condition |= Q(search_text__contains=folded) | Q(search_text__trigram_word_similar=folded)
        else:  # a stop word ("i", "på") has no lexeme and would match nothing: it filters nothing (folded at planning)
            condition |= Exact(Func(tsquery, function="numnode", output_field=IntegerField()), 0)
        matched = matched.filter(condition)
    return queryset.filter(AnyOfArray(F("pk"), Subquery(matched))).annotate(rank=rank(query))


def _tsquery(word: str) -> SearchQuery:
    return SearchQuery(f"{word}:*", search_type="raw", config="swedish")


def rank(query: str) -> Any:
    """How well an organisation matches `query`, as an expression over its row (higher is better): per word the
    full-text rank plus the trigram word similarity, summed; 0 without words and on SQLite. Computed only for
    rows that are sorted by it, never for the whole table."""
    words = terms(query)
    if not words or not _pg():
        return Value(0.0, output_field=FloatField())
    total = None
    for word in words:
        term_rank = Coalesce(SearchRank(F("search_vector"), _tsquery(word)), Value(0.0)) + TrigramWordSimilarity(
            Value(fold(word)),  # type: ignore[arg-type]  # the stubs allow only a field name; Django takes any expression
            "search_text",
        )
        total = term_rank if total is None else total + term_rank
    return total


# pg_trgm declares its word-similarity operator (`%>`) as cheap as `=` (COST 1), so at 50,000 organisations the
# planner read the whole table for a common word ("arbetsträning": 262 ms) rather than the three indexes
# (57 ms): it priced computing a similarity for every row like comparing two numbers. PostgreSQL gives its own
# text-search match of two texts COST 100; the similarity is declared the same. Run after every migrate
# (directory.apps) by a role that owns pg_trgm's functions (the one that created the extension); for any
# other role it changes nothing and the search stays correct, only slower on common words.
SIMILARITY_COST_SQL = """
DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM pg_proc
        WHERE oid = to_regprocedure('word_similarity_commutator_op(text, text)')
          AND pg_has_role(proowner, 'USAGE') AND procost < 100
    ) THEN
        ALTER FUNCTION word_similarity_commutator_op(text, text) COST 100;
    END IF;
END $$
"""


def declare_similarity_cost(using: str = "default") -> None:
    """Declare the word-similarity operator's cost (SIMILARITY_COST_SQL) on PostgreSQL; elsewhere nothing."""
    if connections[using].vendor == "postgresql":
        with connections[using].cursor() as cursor:
            cursor.execute(SIMILARITY_COST_SQL)


class AnyOfArray(Func):
    """`<value> = ANY(ARRAY(<subquery>))`: true when the subquery returns the value. Unlike `IN (<subquery>)`
    PostgreSQL runs the subquery once, before the outer query, and plans the outer query as a lookup of a
    few values (an index scan of the value's column) rather than as a join priced on the subquery's
    estimated rows, which can turn into a sequential scan of the outer table."""

    arg_joiner = " = ANY(ARRAY"
    template = "%(expressions)s)"
    output_field = BooleanField()


def search_text(*, name: str, legal_name: str, city: str, services: Iterable[tuple[str, str]]) -> str:
    """The stored search text of an organisation: its names, its services' Swedish and English names (in
    the services' order) and its city, folded."""
    names = " ".join(f"{name_sv} {name_en}" for name_sv, name_en in services)
    return fold(" ".join([name, legal_name, names, city]))


def _search_text(org) -> str:  # type: ignore[no-untyped-def,unused-ignore]
    return search_text(
        name=org.name,
        legal_name=org.legal_name,
        city=org.city,
        services=[(s.name_sv, s.name_en) for s in org.services.all()],
    )


def write_search_text(texts: dict[int, str]) -> None:
    """Store these search texts (organisation id → text). On PostgreSQL one UPDATE joined to two arrays
    (`unnest`), whatever the number of rows: Django's bulk_update writes a CASE over every row, which for
    thousands of rows costs seconds of Python and SQL parsing. Elsewhere (the SQLite embedded default)
    bulk_update."""
    if not texts:
        return
    if not _pg():
        organisations = [Organisation(pk=pk, search_text=text) for pk, text in texts.items()]
        Organisation.objects.bulk_update(organisations, ["search_text"], batch_size=1000)
        return
    table = connection.ops.quote_name(Organisation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS o SET search_text = v.text "  # noqa: S608 - the table name comes from model metadata
            "FROM unnest(%s::bigint[], %s::text[]) AS v(id, text) WHERE o.id = v.id",
            [list(texts), list(texts.values())],
        )


def reindex(ids: Iterable[int]) -> None:
    """Recompute the stored search text (and on PostgreSQL the tsvector) for these organisations."""
    ids = list(ids)
    if not ids:
        return
    organisations = Organisation.objects.filter(pk__in=ids).prefetch_related("services")
    write_search_text({org.pk: _search_text(org) for org in organisations})
    reindex_vectors(ids)


def reindex_vectors(ids: list[int]) -> None:
    """Recompute the tsvector of these organisations from their stored columns and services, in one UPDATE
    (PostgreSQL only; SQLite has none)."""
    if not ids or not _pg():
        return
    table = Organisation._meta.db_table
    through = Organisation.services.through._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} AS o SET search_vector =
                setweight(to_tsvector('swedish', coalesce(o.name, '') || ' ' || coalesce(o.legal_name, '')), 'A')
                || setweight(to_tsvector('swedish', coalesce(svc.names, '')), 'B')
                || setweight(to_tsvector('swedish',
                       coalesce(o.description_sv, '') || ' ' || coalesce(o.summary_easy_sv, '')), 'C')
                || setweight(to_tsvector('english', coalesce(o.description_en, '')), 'D')
            FROM (
                SELECT org.id, string_agg(sc.name_sv || ' ' || sc.name_en, ' ') AS names
                FROM {table} org
                LEFT JOIN {through} link ON link.organisation_id = org.id
                LEFT JOIN directory_servicecategory sc ON sc.id = link.servicecategory_id
                WHERE org.id = ANY(%s)
                GROUP BY org.id
            ) AS svc
            WHERE o.id = svc.id
            """,  # noqa: S608 - table names come from model metadata, values are parameters
            [ids],
        )


def swedish_name_order() -> list:
    """Order by name in Swedish alphabetical order (… X Y Z Å Ä Ö): PostgreSQL's default collation here is
    C, so the ICU collation is named explicitly; SQLite orders by code point, which for Å Ä Ö is already
    after Z."""
    if _pg():
        return [Collate("name", settings.DIRECTORY_NAME_COLLATION).asc(), "pk"]
    return ["name", "pk"]
