"""The audit log as a data protection officer reads it: `?person=<e-mail>&participant=<PROJECT:CODE>&object=<type>
&object_id=<id>&action=<prefix>&since=<date>&until=<date>`. Every filter is optional; unknown values give an empty
list or a message on the form, never a 500."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.models import AuditLog
from matchmaking.models import Participant


def _object_types() -> list[tuple[str, str]]:
    labels = sorted(model._meta.label_lower for model in apps.get_models())
    return [(label, label) for label in labels]


class AuditFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(
        label=_("Person (e-mail address)"),
        method="filter_person",
        help_text=_("What this person did. The whole address, in any case."),
    )
    participant = django_filters.CharFilter(
        label=_("Participant"),
        method="filter_participant",
        help_text=_("PROJECT:CODE, e.g. 23-051-S06:P-1234: everything done with this participant's data, reads too."),
    )
    object = django_filters.ChoiceFilter(label=_("Kind of object"), field_name="target_type", choices=_object_types)
    object_id = django_filters.CharFilter(label=_("Object's code"), field_name="target_id")
    action = django_filters.CharFilter(
        label=_("Action"), field_name="action", lookup_expr="startswith", help_text=_("E.g. participant.read")
    )
    since = django_filters.DateFilter(
        label=_("From"), method="filter_since", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        label=_("To"), method="filter_until", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditLog
        fields: list[str] = []

    def filter_person(self, queryset: QuerySet[AuditLog], name: str, value: str) -> QuerySet[AuditLog]:
        return queryset.filter(actor__email__iexact=value.strip())

    def filter_participant(self, queryset: QuerySet[AuditLog], name: str, value: str) -> QuerySet[AuditLog]:
        project, sep, code = value.strip().partition(":")
        participant = (
            Participant.objects.filter(project__diarienummer=project.strip(), code=code.strip()).first()
            if sep
            else None
        )
        if participant is None:
            return queryset.none()
        # A read through a need or a placement is audited on the participant itself.
        return queryset.filter(target_type="matchmaking.participant", target_id=participant.audit_target_id)

    def filter_since(self, queryset: QuerySet[AuditLog], name: str, value: dt.date) -> QuerySet[AuditLog]:
        start = timezone.make_aware(dt.datetime.combine(value, dt.time.min))
        return queryset.filter(created_at__gte=start)

    def filter_until(self, queryset: QuerySet[AuditLog], name: str, value: dt.date) -> QuerySet[AuditLog]:
        end = timezone.make_aware(dt.datetime.combine(value + dt.timedelta(days=1), dt.time.min))
        return queryset.filter(created_at__lt=end)

    @property
    def qs(self) -> Any:
        return super().qs.select_related("actor").order_by("-created_at", "-id")
