"""Site middleware that needs the apps: MFA enforcement for roles that handle participant data, and idle sessions."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from directory.access import has_totp, requires_mfa

# Paths a person who must set up MFA may still reach (to set it up, to leave, or as a public page).
_MFA_EXEMPT_PREFIXES = (
    "/accounts/",
    "/static/",
    "/i18n/",
    "/healthz",
    "/api/",
    "/readyz",
    "/accessibility/",
    "/privacy/",
)


class MfaRequiredMiddleware:
    """Municipal officers and coordinators handle participant data and reports: they must have TOTP
    set up before they reach anything else. Everyone else may add MFA but need not."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            response = self._idle_timeout(request)
            if response is not None:
                return response
            if not request.path.startswith(_MFA_EXEMPT_PREFIXES) and requires_mfa(user) and not has_totp(user):
                return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _idle_timeout(request: HttpRequest) -> HttpResponse | None:
        now = int(time.time())
        last_seen = request.session.get("_asfnet_last_seen")
        if last_seen is not None and now - int(last_seen) > settings.SESSION_IDLE_TIMEOUT:
            logout(request)
            return redirect_to_login(request.get_full_path())
        if last_seen is None or now - int(last_seen) > 60:
            request.session["_asfnet_last_seen"] = now
        return None
