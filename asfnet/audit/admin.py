"""The audit log in the admin site: read-only, and only the entries the reader may see (selectors)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet

from asfnet.audit.selectors import readable_entries
from kernel.admin import OfferedLookupsOnly
from kernel.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(OfferedLookupsOnly):
    list_display = ["created_at", "actor", "action", "target_type", "target_id", "forbund_id", "request_id"]
    list_filter = ["action"]
    search_fields = ["target_id", "request_id"]
    fields = readonly_fields = (
        "created_at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "data",
        "request_id",
        "forbund_id",
    )

    def get_queryset(self, request: Any) -> QuerySet[AuditLog]:
        return readable_entries(request)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: AuditLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: AuditLog | None = None) -> bool:
        return False
