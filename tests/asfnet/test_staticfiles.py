"""kernel.staticfiles: each static file's URL is worked out once per process, the same as whitenoise's
manifest storage gives it; a file the manifest does not name still raises every time."""

from __future__ import annotations

import json

import pytest

from kernel.staticfiles import ManifestStaticFilesStorage


def test_a_url_is_the_manifest_storages_and_worked_out_once(tmp_path, settings, monkeypatch):
    settings.DEBUG = False
    manifest = {"version": "1.1", "paths": {"css/site.css": "css/site.0123abcd.css"}, "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    storage = ManifestStaticFilesStorage(location=str(tmp_path), base_url="/static/")
    assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"
    monkeypatch.setattr(storage, "stored_name", lambda name: pytest.fail("worked out again"))
    assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"
    monkeypatch.undo()
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
