"""The admin site: for the platform operator (a superuser) and for the coordinators of the förbund whose portal it
is opened on. A coordinator of one förbund is not admitted on another's portal or on the national host (the
lists there would be that förbund's), and a coordinator removed from the förbund loses it on the next request
even while the account keeps its staff flag."""

from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpRequest

from directory.access import request_actor


class PortalAdminSite(admin.AdminSite):
    site_header = "asfnet"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
        # The admin login goes through allauth: rate limits, MFA and the same login page as everyone else.
        self.login = secure_admin_login(self.login)  # type: ignore[method-assign]

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        return bool(request.user.is_superuser or request_actor(request).is_coordinator)
