import uuid

from django import forms
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import capfirst

from directory.forbund_settings.forms import FIELDS as COORDINATOR_FIELDS
from directory.models import Forbund, Invitation, Membership, Organisation
from directory.profile.logos import reencode_logo
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


class ForbundAdminForm(forms.ModelForm):
    """The logo as the settings page takes it: judged and re-encoded by reencode_logo (never Django's own image
    check, which lets any format Pillow reads through as it was sent), stored under a generated name."""

    logo = forms.FileField(
        label=capfirst(Forbund._meta.get_field("logo").verbose_name),
        help_text=Forbund._meta.get_field("logo").help_text,
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    class Meta:
        model = Forbund
        fields = ["logo"]  # the ModelAdmin's `fields` below decide which fields the form has

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if isinstance(logo, UploadedFile):
            return ContentFile(reencode_logo(logo, size=logo.size), name=f"{uuid.uuid4()}.png")
        # False: "clear" was ticked. Otherwise None, "no change": the stored logo is not assigned again (which
        # would open the file to read its size once more).
        return False if logo is False else None


@admin.register(Forbund)
class ForbundAdmin(OfferedLookupsOnly):
    """The platform operator's (superusers only): each förbund's identifier, host name, area and coordinators,
    which its coordinators cannot change. Its texts and facts are also on the förbund's own settings page
    (/forbund/settings/), where its coordinators keep them. Saving drops the cached registry (registry.forget)."""

    form = ForbundAdminForm
    list_display = ["name", "short_name", "host"]
    search_fields = ["name"]
    filter_horizontal = ["municipalities", "coordinators"]
    # What only the operator sets, then what the förbund's coordinators keep on their settings page too.
    fields = ["slug", "host", "municipalities", "coordinators", *COORDINATOR_FIELDS, "logo"]

    def save_model(self, request, obj, form, change):
        """A replaced or removed logo's file is deleted once the change is committed."""
        old_name = Forbund.objects.filter(pk=obj.pk).values_list("logo", flat=True).first() if change else ""
        super().save_model(request, obj, form, change)
        if old_name and old_name != obj.logo.name:
            storage = obj.logo.storage
            transaction.on_commit(lambda: storage.delete(old_name))

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
