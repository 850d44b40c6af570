"""List pages: one page of rows, and the query string its page links keep (templates/includes/pagination.html)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def query_without_page(request: HttpRequest, keep: Iterable[str] | None = None) -> str:
    """The request's query string without `page` (and, with `keep`, only those parameters), for links that
    show the same list again: the other pages, the map, the exports."""
    params = request.GET.copy()
    for key in list(params):
        if key == "page" or (keep is not None and key not in keep):
            params.pop(key)
    return params.urlencode()


def paginate(
    request: HttpRequest,
    rows: Sequence[Any] | QuerySet[Any],
    per_page: int,
    *,
    keep: Iterable[str] | None = None,
    count: int | None = None,
) -> Page:
    """The page of `rows` that `?page=` asks for (the last one when it is past the end, the first when it is
    not a number), with `page.query`: the parameters its page links keep (see `query_without_page`).
    `count`: the number of rows when the caller has already counted them (no COUNT query then)."""
    paginator = Paginator(rows, per_page)
    if count is not None:
        paginator.count = count  # Paginator.count is a cached property: this is its value
    page = paginator.get_page(request.GET.get("page"))
    page.query = query_without_page(request, keep)  # type: ignore[attr-defined]
    return page


# A page number beyond any list's end (25 million rows at 25 a page): left to Paginator.get_page, which shows the
# last page, rather than turned into an offset a database cannot hold.
MAX_KNOWN_PAGE = 1_000_000


def requested_page(request: HttpRequest) -> int | None:
    """The page number `?page=` asks for, read as Paginator.get_page reads it, where that is known before the rows
    are counted: 1 when it is missing or not a whole number; None when it is below 1 (get_page shows the last
    page then). A number past the end is the caller's to find out."""
    try:
        number = int(request.GET.get("page") or 1)
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= MAX_KNOWN_PAGE else None


def page_of(
    request: HttpRequest,
    rows: Sequence[Any],
    number: int,
    per_page: int,
    *,
    count: int,
    keep: Iterable[str] | None = None,
) -> Page:
    """Page `number` of a list of `count` rows, whose rows (`rows`) the caller has read already, like paginate()."""
    paginator = Paginator(rows, per_page)
    paginator.count = count  # Paginator.count is a cached property: this is its value
    page = Page(rows, number, paginator)
    page.query = query_without_page(request, keep)  # type: ignore[attr-defined]
    return page
