from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from directory.access import Role, role_of


def site(request: HttpRequest) -> dict[str, Any]:
    role = role_of(getattr(request, "user", None))
    return {
        "current_role": role,
        "is_coordinator_user": role is Role.COORDINATOR,
    }
