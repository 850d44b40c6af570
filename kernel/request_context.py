"""The current request id, and the förbund whose portal the request came to, available to services, tasks and log
records without passing them around."""

from __future__ import annotations

import contextvars
import logging

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("asfnet_request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str) -> contextvars.Token[str]:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)


_forbund_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("asfnet_forbund_id", default=None)


def current_forbund_id() -> int | None:
    """The förbund whose portal this request came to (None: the national host, or no request)."""
    return _forbund_id.get()


def set_forbund_id(value: int | None) -> contextvars.Token[int | None]:
    return _forbund_id.set(value)


def reset_forbund_id(token: contextvars.Token[int | None]) -> None:
    _forbund_id.reset(token)


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` to every log record so the 500 page's incident id can be found in the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        # django.request logs 4xx/5xx after the middleware has returned (and reset the context), but its
        # records carry the request, which carries its id.
        request = getattr(record, "request", None)
        record.request_id = current_request_id() or getattr(request, "request_id", "") or "-"
        return True
