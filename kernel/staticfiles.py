"""The static files' storage when DEBUG is off: whitenoise's compressed manifest storage, remembering each
file's URL.

A page names a dozen static files (`{% static %}`); each costs the manifest storage a look-up of the hashed
name, a split and a join of the URL and a quoting of the path, the same every time for as long as the process
runs: the manifest is read once, when the storage is made, and a new collectstatic takes a new process
(deployments restart the web processes). So each URL is worked out once per process. A missing file still
raises every time (manifest_strict), as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or settings.DEBUG or name is None:
            return super().url(name, force)
        found = self._urls.get(name)
        if found is None:
            found = self._urls[name] = super().url(name)
        return found

    def post_process(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        """collectstatic: the hashed names change, so no URL worked out before is kept."""
        self._urls.clear()
        yield from super().post_process(*args, **kwargs)
        self._urls.clear()
