"""The queues page's parameters: `?queue=<awaiting|expiring|expired|stale|hidden>&kind=<kind>&municipality=<kommunkod>
&q=<name>&page=<n>`. No queue given: awaiting verification. Unknown values give a message on the form and an
empty list, never a 500."""

from __future__ import annotations

from typing import Any

import django_filters
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from directory.models import Forbund, Municipality, Organisation, OrganisationKind, OrganisationQuerySet, months_ago

QUEUES = {
    "awaiting": _("Awaiting verification"),
    "expiring": _("Verification expiring within 30 days"),
    "expired": _("Verification expired"),
    "stale": _("Profile not confirmed for a long time"),
    "hidden": _("Hidden from the public directory"),
}
DEFAULT_QUEUE = "awaiting"


def queue_rows(queue: str) -> QuerySet[Organisation]:
    """The organisations in one queue."""
    if queue == "awaiting":
        return Organisation.objects.awaiting_verification()
    if queue == "expiring":
        return Organisation.objects.verification_expiring(within_days=30)
    if queue == "expired":
        return Organisation.objects.verification_expired()
    hide_after = months_ago(settings.DIRECTORY_HIDE_AFTER_MONTHS)
    if queue == "stale":  # needs an update, still listed
        return Organisation.objects.needing_update().filter(published=True, confirmed_at__gte=hide_after)
    if queue == "hidden":  # unpublished, or left out of public search for want of confirmation
        return Organisation.objects.filter(Q(published=False) | Q(confirmed_at__lt=hide_after))
    raise ValueError(f"unknown queue {queue!r}")


def in_queues_of(forbund: Forbund | None) -> OrganisationQuerySet:
    """The organisations a förbund's coordinators work on: those in its area, and those in no förbund's area
    (no municipality, or one no förbund covers), so that no organisation falls outside every queue. The
    directory is national: any förbund's coordinator may still act on any organisation's page."""
    if forbund is None:
        return Organisation.objects.all()
    covered = Forbund.municipalities.through.objects.values("municipality_id")
    area = sorted(forbund.municipality_codes)  # type: ignore[attr-defined]
    return Organisation.objects.filter(Q(kommunkod__in=area) | Q(kommunkod__isnull=True) | ~Q(kommunkod__in=covered))


def queue_counts(organisations: QuerySet[Organisation] | None = None) -> dict[str, int]:
    """The number of `organisations` (default: all) in every queue, in one statement (one filtered count per
    queue over the queue's own rows as a subquery, so each count means exactly what `queue_rows` lists)."""
    names = list(QUEUES)
    counts = (organisations if organisations is not None else Organisation.objects.all()).aggregate(
        **{f"q{i}": Count("pk", filter=Q(pk__in=queue_rows(name).values("pk"))) for i, name in enumerate(names)}
    )
    return {name: counts[f"q{i}"] for i, name in enumerate(names)}


def _municipality_choices() -> list[tuple[str, str]]:
    return Municipality.objects.choices()


class QueueFilter(django_filters.FilterSet):
    queue = django_filters.ChoiceFilter(
        label=_("Queue"), choices=list(QUEUES.items()), method="filter_queue", empty_label=None
    )
    kind = django_filters.ChoiceFilter(label=_("Type"), choices=OrganisationKind.choices, empty_label=_("All types"))
    municipality = django_filters.ChoiceFilter(
        label=_("Municipality"), field_name="kommunkod", choices=_municipality_choices, empty_label=_("All")
    )
    q = django_filters.CharFilter(label=_("Name contains"), field_name="name", lookup_expr="icontains")

    class Meta:
        model = Organisation
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if data is not None and not data.get("queue"):
            data = data.copy()
            data["queue"] = DEFAULT_QUEUE
        super().__init__(data, *args, **kwargs)

    def filter_queue(self, queryset: QuerySet[Organisation], name: str, value: str) -> QuerySet[Organisation]:
        return queryset.filter(pk__in=queue_rows(value or DEFAULT_QUEUE).values("pk"))

    @property
    def chosen_queue(self) -> str:
        value = self.form.cleaned_data.get("queue") if self.is_valid() else None
        return value or DEFAULT_QUEUE

    @property
    def qs(self) -> Any:
        return super().qs.select_related("kommunkod").order_by("name", "pk")
