from typing import Any

from allauth.usersessions.admin import UserSessionAdmin as BaseUserSessionAdmin
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.contrib.admin.widgets import url_params_from_lookup_dict
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models.constants import LOOKUP_SEP

from kernel.models import User


class OfferedLookupsOnly(admin.ModelAdmin):
    """An admin list filters only by what it offers (`list_filter`, `date_hierarchy`, the lookups its raw-id
    pop-ups need). Django allows a URL to filter by any field of the model (`?disability__exact=1`), which
    would let anyone with the list narrow participants or registrations down by a sensitive field and so
    learn it; here such a URL is refused (400). Every admin of the project uses this base."""

    def _offered(self, request: Any) -> set[str]:
        offered = {self.date_hierarchy} if self.date_hierarchy else set()
        for item in self.get_list_filter(request):
            if isinstance(item, str):
                offered.add(item.split(LOOKUP_SEP, 1)[0])
            elif isinstance(item, (tuple, list)):
                offered.add(str(item[0]).split(LOOKUP_SEP, 1)[0])
            elif isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
                offered.add(str(item.parameter_name))
        for fk_lookup in self.model._meta.related_fkey_lookups:
            offered.update(key.split(LOOKUP_SEP, 1)[0] for key in url_params_from_lookup_dict(fk_lookup))
        return offered

    def lookup_allowed(self, lookup: str, value: Any, request: Any = None) -> bool:
        if lookup.split(LOOKUP_SEP, 1)[0] not in self._offered(request):
            return False
        return super().lookup_allowed(lookup, value, request)


@admin.register(User)
class UserAdmin(OfferedLookupsOnly, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "preferred_language"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ["groups"]


# allauth's own admin searches `user__username`, which our User does not have (people log in by e-mail):
# any search text on its list was a 500. Search what our users have instead.
admin.site.unregister(UserSession)


@admin.register(UserSession)
class UserSessionAdmin(OfferedLookupsOnly, BaseUserSessionAdmin):
    search_fields = ["user__email", "user__full_name", "ip"]
