"""Which audit entries a reader may see: the log page, its export and the admin site's list all ask here."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from directory.forbund.registry import registry
from kernel.models import AuditLog


def readable_entries(request: HttpRequest) -> QuerySet[AuditLog]:
    """Every entry for the platform operator (a superuser) and in a one-förbund installation. With several
    förbund a coordinator reads the entries of their förbund's portal only (who read which participant of
    another förbund is not theirs to see), and anyone else none."""
    entries = AuditLog.objects.all()
    if request.user.is_superuser or not registry().is_multi:
        return entries
    actor = request.actor  # type: ignore[attr-defined]
    if not actor.is_coordinator:
        return entries.none()
    return entries.filter(forbund_id=actor.require_forbund_id())
