"""The audit log for coordinators and the data protection officer: who read or changed what, when, from which
request; filterable and exportable. Coordinators only (others 403; anonymous → login); the export needs a recent
re-authentication and is itself audited. With several förbund a coordinator reads the entries of their own
förbund's portal; the platform operator (a superuser) reads every entry."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from asfnet.audit.filters import AuditFilter
from asfnet.audit.selectors import readable_entries
from directory.access import coordinator_required
from kernel import tabular
from kernel.audit import audit_log
from kernel.downloads import attachment
from kernel.pagination import paginate, query_without_page

PER_PAGE = 50


EXPORT_COLUMNS = ["created_at", "actor", "action", "target_type", "target_id", "data", "request_id"]


@never_cache
@coordinator_required
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    entries = AuditFilter(request.GET, queryset=readable_entries(request))
    rows = entries.qs if entries.is_valid() else entries.queryset.none()
    page = paginate(request, rows, PER_PAGE)
    return render(request, "audit/log.html", {"filter": entries, "page": page, "query": query_without_page(request)})


@never_cache
@coordinator_required
@reauthentication_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    entries = AuditFilter(request.GET, queryset=readable_entries(request))
    if not entries.is_valid():
        return log(request)
    filters = {key: value for key, value in entries.form.cleaned_data.items() if value}
    audit_log(
        actor=request.actor.user, action="audit.export", data={"filters": {k: str(v) for k, v in filters.items()}}
    )
    rows = (
        [
            timezone.localtime(entry.created_at).isoformat(),
            entry.actor.email if entry.actor else "",
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.data,
            entry.request_id,
        ]
        for entry in entries.qs.iterator(chunk_size=2000)
    )
    return attachment(
        tabular.csv_lines(EXPORT_COLUMNS, rows),
        filename=f"asfnet-audit-{timezone.localdate():%Y%m%d}.csv",
        content_type=tabular.CONTENT_TYPES["csv"],
    )
