from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from directory.access import Role, request_actor


def site(request: HttpRequest) -> dict[str, Any]:
    role = request_actor(request).role
    return {
        # The request's förbund (directory/forbund/middleware.py); None on a national host, in an installation
        # without förbund and on a request that did not pass the middleware. Read from the request: no query.
        "forbund": getattr(request, "forbund", None),
        "current_role": role,
        "is_coordinator_user": role is Role.COORDINATOR,
        "invitation_valid_days": settings.INVITATION_VALID_DAYS,  # how long an invitation link works
    }
