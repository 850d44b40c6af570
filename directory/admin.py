from django.contrib import admin

from directory.models import Invitation, Membership, Organisation
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
