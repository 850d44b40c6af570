from django.contrib import admin

from directory.models import Forbund, Invitation, Membership, Organisation
from directory.search import reindex
from kernel.admin import OfferedLookupsOnly


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role"]


@admin.register(Organisation)
class OrganisationAdmin(OfferedLookupsOnly):
    list_display = ["name", "kind", "orgnr", "kommunkod", "published"]
    list_filter = ["kind", "published", "kommunkod"]
    search_fields = ["name", "orgnr"]
    fields = [
        "name",
        "kind",
        "orgnr",
        "kommunkod",
        "website",
        "description_sv",
        "description_en",
        "published",
    ]
    inlines = [MembershipInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        reindex([form.instance.pk])


@admin.register(Invitation)
class InvitationAdmin(OfferedLookupsOnly):
    list_display = ["email", "organisation", "role", "expires_at", "accepted_at", "revoked_at"]
    fields = ["email", "organisation", "role", "language", "expires_at", "accepted_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request):  # invitations are created through the members page
        return False


@admin.register(Forbund)
class ForbundAdmin(OfferedLookupsOnly):
    """The platform operator's (superusers only): each förbund's identifier, host name, area and coordinators,
    which its coordinators cannot change. Its texts and facts are also on the förbund's own settings page
    (/forbund/settings/), where its coordinators keep them. Saving drops the cached registry (registry.forget)."""

    list_display = ["name", "short_name", "host"]
    search_fields = ["name"]
    filter_horizontal = ["municipalities", "coordinators"]
    fields = [
        "slug",
        "name",
        "short_name",
        "orgnr",
        "host",
        "municipalities",
        "coordinators",
        "intro_sv",
        "intro_en",
        "contact_email",
        "contact_phone",
        "dpo_email",
        "accessibility_email",
        "accessibility_assessed_on",
        "show_national_events",
    ]

    def _operator(self, request) -> bool:
        # The admin site itself lets in only active staff accounts.
        return bool(request.user.is_superuser)

    def has_module_permission(self, request):
        return self._operator(request)

    def has_view_permission(self, request, obj=None):
        return self._operator(request)

    def has_add_permission(self, request):
        return self._operator(request)

    def has_change_permission(self, request, obj=None):
        return self._operator(request)

    def has_delete_permission(self, request, obj=None):
        return self._operator(request)
