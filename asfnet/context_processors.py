from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from directory.access import Role, request_actor


def site(request: HttpRequest) -> dict[str, Any]:
    role = request_actor(request).role
    return {
        "current_role": role,
        "is_coordinator_user": role is Role.COORDINATOR,
        "invitation_valid_days": settings.INVITATION_VALID_DAYS,  # how long an invitation link works
    }
