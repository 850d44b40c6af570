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
