"""The unread count in the site header: one COUNT for a signed-in user, on first use; nothing for a visitor."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kernel.request_context import current_forbund_id
from notifications.selectors import unread_count


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    forbund_id = current_forbund_id()  # the portal this request came to (kernel.request_context)
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user=user, forbund_id=forbund_id))}
