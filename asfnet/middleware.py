"""Site middleware that needs the apps: who the user is (`request.actor`), the interface language of a person
who logs in, idle sessions and session activity, and MFA enforcement for roles that handle participant data."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Literal, cast

from allauth.account.adapter import get_adapter
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import SimpleLazyObject

from directory.access import cached_actor_for, has_totp, request_actor
from directory.forbund.middleware import request_forbund

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


def install_actor(request: HttpRequest) -> None:
    """`request.actor`: the directory.access.Actor of `request.user`, built on first use (one query for a
    signed-in user, none for a visitor) and then kept for the rest of the request — the view, the
    templates and the context processors all read the same one."""
    # HttpRequest declares no `actor`: the site adds it (read it through directory.access.request_actor
    # where the type matters).
    forbund = request_forbund(request)
    request.actor = SimpleLazyObject(lambda: cached_actor_for(request.user, forbund))  # type: ignore[attr-defined]


class ActorMiddleware:
    """Sets `request.actor` (after AuthenticationMiddleware, which sets `request.user`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        install_actor(request)
        return self.get_response(request)


def _user_changed(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    """Logging in or out inside a request changes `request.user`: the Actor follows it."""
    if request is not None and hasattr(request, "actor"):
        install_actor(request)


user_logged_in.connect(_user_changed, dispatch_uid="asfnet.actor.login")


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """The cookie Django's LocaleMiddleware reads, written as `django.views.i18n.set_language` writes it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=cast(Literal["Lax", "Strict", "None", False] | None, settings.LANGUAGE_COOKIE_SAMESITE),
    )


_LOGIN_LANGUAGE = "_asfnet_login_language"


def _remember_login_language(
    sender: object, request: HttpRequest | None = None, user: object = None, **kwargs: object
) -> None:
    language = getattr(user, "preferred_language", "")
    if request is not None and language in dict(settings.LANGUAGES):
        setattr(request, _LOGIN_LANGUAGE, language)


user_logged_in.connect(_remember_login_language, dispatch_uid="asfnet.language.login")


class UserLanguageMiddleware:
    """The interface follows the language a person chose on their account page: when they log in, the
    language cookie is set to it, so every page after the login is in that language (whatever the browser's
    Accept-Language says). A browser that already carries the cookie keeps it: someone chose that language
    in this browser with the header's switcher, which changes this browser only. The account page changes
    both the account and the cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = getattr(request, _LOGIN_LANGUAGE, None)
        if language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            set_language_cookie(response, language)
        return response


user_logged_out.connect(_user_changed, dispatch_uid="asfnet.actor.logout")


class SessionActivityMiddleware:
    """Idle sessions end, and a session's activity is written at most every SESSION_ACTIVITY_INTERVAL
    seconds rather than on every request: the last-seen time in the session (what the idle timeout reads) and
    allauth's record of the session (its list of the account's sessions, with IP address, browser and last
    activity). A session is recorded at once when its key, IP address or browser changes.

    The idle timeout therefore measures from the last *written* activity, which is at most one interval
    older than the last request: an idle session ends no later than SESSION_IDLE_TIMEOUT after its last
    request, and at most one interval earlier (5 minutes, or a tenth of a shorter timeout)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = _now()
            last_seen = request.session.get(_LAST_SEEN)
            if last_seen is not None and now - int(last_seen) > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                return redirect_to_login(request.get_full_path())
            client = _client_fingerprint(request)
            if (
                last_seen is None
                or now - int(last_seen) >= settings.SESSION_ACTIVITY_INTERVAL
                or request.session.get(_CLIENT) != client
            ):
                request.session[_LAST_SEEN] = now
                request.session[_CLIENT] = client
                if settings.USERSESSIONS_TRACK_ACTIVITY and request.session.session_key:
                    UserSession.objects.create_from_request(request)
        return self.get_response(request)


def _now() -> int:
    return int(time.time())


_LAST_SEEN = "_asfnet_last_seen"  # when the session's activity was last written (Unix time)
_CLIENT = "_asfnet_client"  # the session key, IP address and browser it was written for (a digest)


def _client_fingerprint(request: HttpRequest) -> str:
    seen = "\n".join(
        [request.session.session_key or "", get_adapter().get_client_ip(request), request.headers.get("User-Agent", "")]
    )
    return hashlib.sha256(seen.encode()).hexdigest()[:32]


class MfaRequiredMiddleware:
    """Municipal officers and coordinators handle participant data and reports: they must have TOTP
    set up before they reach anything else. Everyone else may add MFA but need not."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            exempt = request.path.startswith(_MFA_EXEMPT_PREFIXES)
            if not exempt and request_actor(request).requires_mfa and not has_totp(user):
                return redirect("mfa_activate_totp")
        return self.get_response(request)
