"""Files a person downloads, in one place: how they are named, cached and kept from running in the browser.

* `attachment(content, filename=…, content_type=…)` — a generated file (bytes, an iterator of lines or an
  open file): saved under `filename` (non-ASCII names per RFC 6266), sandboxed so that a file opened in a
  browser tab runs no script, and never stored by a browser or a proxy unless `public=True` (open data).
* `stored_file(field_file)` — open a file the site stored (an upload, a report file); a file that is gone
  from storage is 404, never a 500.
* `inline_image(file, …)` — an image the page shows (a logo), cached privately.

`SecurityMiddleware` adds `X-Content-Type-Options: nosniff` to every response (settings.SECURE_CONTENT_TYPE_NOSNIFF)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from django.core.files import File
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.http import content_disposition_header

# A downloaded file opened in a tab of the site's own origin must not run script or load anything.
SANDBOX = "sandbox; default-src 'none'"


def attachment(
    content: bytes | str | Iterable[str] | IO[bytes],
    *,
    filename: str,
    content_type: str,
    public: bool = False,
) -> HttpResponseBase:
    """A download named `filename`. Bytes or text are sent at once, an open file as a file, any other iterable
    (CSV lines) streamed. Personal or internal data (the default) is `no-store`; `public=True` leaves caching
    to the caller (the open data API sets its own)."""
    response: HttpResponseBase
    if isinstance(content, bytes | str):
        response = HttpResponse(content, content_type=content_type)
    elif hasattr(content, "read"):
        response = FileResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    response["Content-Security-Policy"] = SANDBOX
    if not public:
        response["Cache-Control"] = "no-store"
    return response


def stored_file(field_file: File[Any]) -> IO[bytes]:
    """Open a stored file for reading; missing from storage (deleted, a restore without media) → 404."""
    try:
        return field_file.storage.open(field_file.name, "rb")  # type: ignore[attr-defined]
    except OSError:
        raise Http404 from None


def inline_image(file: IO[bytes], *, content_type: str, max_age: int = 86400) -> FileResponse:
    """An image shown in a page. Cached by the browser only: an image of an unpublished organisation must not
    land in a shared cache (pages link a versioned URL, so a new image is fetched at once)."""
    response = FileResponse(file, content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = f"private, max-age={max_age}"
    return response
