"""View decorators built from one rule: `checked_first(check)` runs `check(request)` before the view, and the
check refuses by raising (PermissionDenied → 403, Http404 → 404). Django's own `user_passes_test` can only
send a refused person to the login page, which is right for nobody who is already signed in.

    coordinator_required = checked_first(require_coordinator, login=True)   # anonymous → login, others → 403
    forbund_host_only = checked_first(require_forbund_host)               # 404 before any login
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase

R = TypeVar("R", bound=HttpResponseBase)
ViewDecorator = Callable[[Callable[..., R]], Callable[..., R]]


def checked_first(check: Callable[[HttpRequest], object], *, login: bool = False) -> ViewDecorator[R]:
    """A view decorator that calls `check(request)` before the view; the check refuses by raising. With
    `login`, an anonymous visitor is sent to the login page first (the check then sees a signed-in person)."""

    def decorator(view: Callable[..., R]) -> Callable[..., R]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> R:
            check(request)
            return view(request, *args, **kwargs)

        return login_required(wrapped) if login else wrapped

    return decorator
