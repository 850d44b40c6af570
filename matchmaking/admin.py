"""Admin for matchmaking (coordinators only; the admin refuses everyone else).

Participants: lists show the code, project, organisation and dates only, and filter/search on those only —
never on a sensitive field. Opening or saving a participant in the admin is audited like any other read
or write."""

from django.contrib import admin

from directory.access import request_actor
from kernel.admin import OfferedLookupsOnly
from kernel.audit import audit_log
from matchmaking.models import FundedProject, LabourMarketEvent, Match, Need, Opportunity, Participant
from matchmaking.participants.forms import NeedForm


class CoordinatorAdmin(OfferedLookupsOnly):
    """Coordinators (staff with `is_coordinator`) may look up, add and change; nobody deletes here
    (participants leave through the retention purge, placements through the pipeline)."""

    def _coordinator(self, request) -> bool:
        return bool(request.user.is_staff and request_actor(request).is_coordinator)

    def has_module_permission(self, request):
        return self._coordinator(request)

    def has_view_permission(self, request, obj=None):
        return self._coordinator(request)

    def has_add_permission(self, request, obj=None):
        return self._coordinator(request)

    def has_change_permission(self, request, obj=None):
        return self._coordinator(request)

    def has_delete_permission(self, request, obj=None):
        return False

    # The path from the model to its förbund: a coordinator sees and changes only their förbund's rows.
    forbund_path = ""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not self.forbund_path:
            return queryset
        return queryset.filter(**{self.forbund_path: request_actor(request).forbund_id})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":  # a participant joins a project of the coordinator's förbund
            kwargs["queryset"] = FundedProject.objects.visible_to(request_actor(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(FundedProject)
class FundedProjectAdmin(CoordinatorAdmin):
    forbund_path = "forbund_id"
    list_display = ["diarienummer", "name", "owner", "starts_on", "ends_on"]
    search_fields = ["diarienummer", "name"]
    fields = ["diarienummer", "name", "owner", "starts_on", "ends_on", "programme_area", "objective"]
    raw_id_fields = ["owner"]

    def save_model(self, request, obj, form, change):
        if not change:  # a new project belongs to the förbund the coordinator acts in
            obj.forbund_id = request_actor(request).require_forbund_id()
        super().save_model(request, obj, form, change)


class LabourMarketEventInline(admin.TabularInline):
    model = LabourMarketEvent
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return request_actor(request).is_coordinator

    def has_add_permission(self, request, obj=None):
        return request_actor(request).is_coordinator

    def has_change_permission(self, request, obj=None):
        return request_actor(request).is_coordinator

    fields = ["date", "event", "recorded_at", "recorded_by"]
    readonly_fields = ["recorded_at", "recorded_by"]


@admin.register(Participant)
class ParticipantAdmin(CoordinatorAdmin):
    forbund_path = "project__forbund_id"
    list_display = ["code", "project", "raised_by_organisation", "entry_date", "exit_date"]
    list_filter = ["project"]
    search_fields = ["code"]
    list_select_related = ["project", "raised_by_organisation"]
    # No `fields`: the form lists every editable field of the model, in the model's order (the one place it is kept).
    readonly_fields = ["raised_by"]
    raw_id_fields = ["raised_by_organisation"]
    inlines = [LabourMarketEventInline]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        participant = self.get_object(request, object_id)
        if participant is not None:
            audit_log(actor=request.user, action="participant.read", target=participant, data={"purpose": "admin"})
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_log(
            actor=request.user,
            action="participant.update" if change else "participant.create",
            target=obj,
            data={"fields": sorted(form.changed_data), "via": "admin"},
        )


@admin.register(Need)
class NeedAdmin(CoordinatorAdmin):
    forbund_path = "participant__project__forbund_id"
    list_display = ["participant", "status", "hours_per_week", "municipality", "earliest_start", "created_at"]
    list_filter = ["status"]
    search_fields = ["participant__code"]
    list_select_related = ["participant"]
    # The officer's form, with whose need it is, where it stands and who wrote it.
    fields = ["participant", "status", *NeedForm.Meta.fields, "created_by"]
    readonly_fields = ["created_by"]
    raw_id_fields = ["participant"]
    filter_horizontal = ["services"]


@admin.register(Opportunity)
class OpportunityAdmin(CoordinatorAdmin):
    list_display = ["title", "organisation", "type", "municipality", "places_available", "places_total", "refreshed_at"]
    list_filter = ["type", "published", "municipality"]
    search_fields = ["title", "organisation__name"]
    list_select_related = ["organisation"]
    # No `fields`: the form lists every editable field of the model, in the model's order (the one place it is kept).
    raw_id_fields = ["organisation"]


@admin.register(Match)
class MatchAdmin(CoordinatorAdmin):
    forbund_path = "need__participant__project__forbund_id"
    """Read-only: the pipeline moves only through its services (race-safe, audited, e-mailed)."""

    list_display = ["need", "opportunity", "status", "proposed_at", "started_on", "ended_on"]
    list_filter = ["status"]
    search_fields = ["need__participant__code", "opportunity__title"]
    list_select_related = ["need__participant", "opportunity"]
    fields = [
        "need",
        "opportunity",
        "status",
        "score",
        "reasons",
        "proposed_by",
        "proposed_at",
        "decided_by",
        "decided_at",
        "decline_reason",
        "started_on",
        "ended_on",
        "end_note",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
