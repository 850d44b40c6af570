"""Client errors are one log line; server errors keep their traceback.

Django logs every PermissionDenied (403), BadRequest and SuspiciousOperation (400) with the exception's
traceback (``exc_info``), SuspiciousOperation even at ERROR. They are answers to a client, not faults of
the server, and their tracebacks bury the real errors. This filter turns any record that carries a 4xx
``status_code`` (Django's ``django.request`` and ``django.security.*`` records) into one WARNING line:
status, method, path, user id and the original message; the request id is on every line already
(RequestIdLogFilter). Records of 5xx responses and all other records pass unchanged.
"""

from __future__ import annotations

import logging
from typing import Any


def _user_id(request: Any) -> str:
    try:
        user = request.user
        return str(user.pk) if user.is_authenticated else "anonymous"
    except Exception:  # no user yet (refused before AuthenticationMiddleware) or the database is away
        return "-"


class ClientErrorLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if not isinstance(status, int) or not 400 <= status < 500 or getattr(record, "_asfnet_concise", False):
            return True
        request = getattr(record, "request", None)
        original = record.getMessage()
        record.msg = "%s %s %s user_id=%s: %s"
        record.args = (
            status,
            getattr(request, "method", "-"),
            getattr(request, "path", "-"),
            _user_id(request) if request is not None else "-",
            original,
        )
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        record.levelno = logging.WARNING
        record.levelname = logging.getLevelName(logging.WARNING)
        record._asfnet_concise = True  # the filter sits on a logger and a handler: rewrite once
        return True
