"""kernel.downloads: every download is named, sandboxed and kept out of caches the same way."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse

from kernel.downloads import attachment, inline_image, stored_file


def test_bytes_are_sent_at_once_named_sandboxed_and_not_stored():
    response = attachment(b"a;b\n", filename="export.csv", content_type="text/csv")
    assert type(response) is HttpResponse
    assert response.content == b"a;b\n"
    assert response["Content-Disposition"] == 'attachment; filename="export.csv"'
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "no-store"


def test_lines_are_streamed():
    response = attachment(iter(["a\n", "b\n"]), filename="x.csv", content_type="text/csv")
    assert isinstance(response, StreamingHttpResponse)
    assert b"".join(response.streaming_content) == b"a\nb\n"


def test_an_open_file_is_sent_as_a_file():
    response = attachment(io.BytesIO(b"%PDF-"), filename="x.pdf", content_type="application/pdf")
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == "application/pdf"


def test_a_swedish_file_name_is_encoded_per_rfc_6266():
    response = attachment(b"", filename="Överenskommelse åäö.pdf", content_type="application/pdf")
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%C3%96verenskommelse%20%C3%A5%C3%A4%C3%B6.pdf"
    )


def test_open_data_leaves_caching_to_the_caller():
    response = attachment(b"", filename="open.zip", content_type="application/zip", public=True)
    assert not response.has_header("Cache-Control")


def test_an_image_is_inline_and_cached_privately():
    response = inline_image(io.BytesIO(b"png"), content_type="image/png")
    assert response["Content-Disposition"] == "inline"
    assert response["Cache-Control"] == "private, max-age=86400"


def test_a_stored_file_missing_from_storage_is_404(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    name = default_storage.save("kept.txt", ContentFile(b"kept"))
    field_file = FieldFile(None, type("F", (), {"storage": default_storage})(), name)
    with stored_file(field_file) as handle:
        assert handle.read() == b"kept"
    default_storage.delete(name)
    with pytest.raises(Http404):
        stored_file(field_file)
