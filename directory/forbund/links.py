"""Absolute links in e-mails, PDFs and calendar feeds: they lead to the portal of the förbund the thing
belongs to, never to the request's Host header (SITE_URL's scheme and port, the förbund's host)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from directory.forbund.registry import registry


def portal_of(forbund_id: int | None) -> str:
    """The address of förbund `forbund_id`'s own portal (SITE_URL's scheme and port, the förbund's host) once
    the installation has several förbund; "" while the site itself is the portal (one förbund, none, or a
    förbund without a host). No query: the registry is cached."""
    current = registry()
    forbund = current.get(forbund_id)
    if not current.is_multi or forbund is None or not forbund.host:
        return ""
    parts = urlsplit(settings.SITE_URL)
    netloc = forbund.host if parts.port is None else f"{forbund.host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", "")).rstrip("/")


def site_url(forbund_id: int | None) -> str:
    """Where links to what belongs to förbund `forbund_id` start: its portal, or SITE_URL."""
    return portal_of(forbund_id) or settings.SITE_URL
