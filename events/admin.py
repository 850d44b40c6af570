"""The Django admin (coordinators only). Events and registrations are changed through the calendar's pages
and services (which audit, notify and keep capacity race-safe), so the admin here is for looking up."""

from django.contrib import admin

from events.models import Event, EventSeries, Registration
from kernel.admin import OfferedLookupsOnly


class ReadOnlyAdmin(OfferedLookupsOnly):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["title_sv", "organiser", "kind", "start", "status", "audience", "capacity"]
    list_filter = ["status", "kind", "audience"]
    search_fields = ["title_sv", "title_en", "organiser__name"]
    date_hierarchy = "start"
    list_select_related = ["organiser"]
    fields = [
        "code",
        "organiser",
        "series",
        "kind",
        "title_sv",
        "title_en",
        "start",
        "end",
        "place_name",
        "kommunkod",
        "audience",
        "capacity",
        "status",
        "sequence",
        "retention_days",
        "personal_data_purged_at",
    ]
    readonly_fields = fields


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    # No names, e-mail addresses or needs in the list: they are personal data with a retention period.
    list_display = ["event", "organisation", "organisation_kind", "status", "attendance", "created_at"]
    list_filter = ["status", "attendance", "organisation_kind"]
    list_select_related = ["event", "organisation"]
    fields = ["code", "event", "organisation", "organisation_kind", "status", "attendance", "checked_in_at"]
    readonly_fields = fields


@admin.register(EventSeries)
class EventSeriesAdmin(OfferedLookupsOnly):
    list_display = ["name", "organiser"]
    fields = ["name", "organiser"]
    raw_id_fields = ["organiser"]
    search_fields = ["name"]
