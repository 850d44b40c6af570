"""Benchmark-only endpoints: the two ceilings `make bench` (bench/run.py) measures the directory search page
against, served by the same gunicorn in the same run.

* `/bench/orgnr/<orgnr>/` — a bare view doing one indexed query (the unique index on orgnr), answered as JSON;
* `/bench/list/?kind=<kind>&kommunkod=<code>[,<code>]&service=<slug>` — a bare django-filter list of 25 rows
  rendered by a tiny template (no base template, no facet counts, no full text). `make bench` requests it
  with the facets of each search it sends the search page (one or two municipalities, a service).

Included from asfnet/urls.py only when settings.BENCH_ENDPOINTS is true (never under pytest, off by default).
Both show only what the public directory shows: published organisations' name, type and municipality.
"""

from __future__ import annotations

import django_filters
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.urls import path
from django.views.decorators.http import require_GET

from directory.models import Organisation

app_name = "bench"

LIST_SIZE = 25

# Compiled once, like the cached template loader does for files when DEBUG is off. No translatable text,
# so the message catalogue is untouched.
LIST_TEMPLATE = engines["django"].from_string(
    """<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>bench</title></head>
<body><main><table>
<thead><tr><th scope="col">name</th><th scope="col">kind</th><th scope="col">kommunkod</th>
<th scope="col">city</th></tr></thead>
<tbody>{% for org in organisations %}
<tr><td>{{ org.name }}</td><td>{{ org.get_kind_display }}</td><td>{{ org.kommunkod_id }}</td>
<td>{{ org.city }}</td></tr>{% endfor %}
</tbody></table></main></body></html>
"""
)


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """Comma-separated values: `?kommunkod=2581,2582`."""


class BenchOrganisationFilter(django_filters.FilterSet):
    # By code, without the select's query of the municipality reference (the foreign key's default filter).
    kommunkod = CharInFilter(field_name="kommunkod_id", lookup_expr="in")
    # By slug through the link table (one slug: no duplicate rows), without a query of the categories.
    service = django_filters.CharFilter(field_name="services__slug")

    class Meta:
        model = Organisation
        fields = ["kind", "kommunkod", "service"]


@require_GET
def orgnr_lookup(request: HttpRequest, orgnr: str) -> JsonResponse:
    row = Organisation.objects.filter(orgnr=orgnr, published=True).values("code", "name", "kind", "kommunkod").first()
    if row is None:
        return JsonResponse({"found": False}, status=404)
    return JsonResponse({"found": True, **row, "code": str(row["code"])})


@require_GET
def filtered_list(request: HttpRequest) -> HttpResponse:
    filterset = BenchOrganisationFilter(request.GET, queryset=Organisation.objects.filter(published=True))
    organisations = filterset.qs.order_by("name", "pk")[:LIST_SIZE]
    return HttpResponse(LIST_TEMPLATE.render({"organisations": organisations}, request))


urlpatterns = [
    path("orgnr/<str:orgnr>/", orgnr_lookup, name="orgnr"),
    path("list/", filtered_list, name="list"),
]
