"""Logo uploads (docs/security-checks.md F29–F32): judged by content, size and pixel limits, re-encoded to PNG
under a generated name, served only through an authorised view with safe headers."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageFile
from PIL.PngImagePlugin import PngInfo

from directory.models import Organisation, OrganisationChange
from kernel.models import AuditLog

pytestmark = pytest.mark.adversarial("F")

GENERATED = re.compile(r"^logos/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}\.png$")


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def image_bytes(fmt: str = "PNG", size=(64, 32), mode: str = "RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "teal" if mode != "1" else 1).save(out, format=fmt, **save)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width: int, height: int) -> bytes:
    """A real 1-bit PNG of width × height white pixels, compressed to a few hundred kilobytes without ever
    holding the pixels in memory."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    parts = []
    for _ in range(height):
        parts.append(compressor.compress(row))
    parts.append(compressor.flush())
    idat = b"".join(parts)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def upload(client, org, content: bytes, name: str = "logo.png", content_type: str = "image/png"):
    return client.post(
        reverse("directory:logo", kwargs={"code": org.code}),
        {"logo": SimpleUploadedFile(name, content, content_type=content_type)},
    )


def stored(org) -> Organisation:
    return Organisation.objects.get(pk=org.pk)


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- Accepted ------------------------------------------------------------------------------------------


@pytest.mark.security("F32")
@pytest.mark.parametrize(
    ("fmt", "mode", "save"),
    [
        ("PNG", "RGB", {}),
        ("PNG", "RGBA", {}),
        ("PNG", "P", {}),
        ("JPEG", "RGB", {"quality": 80}),
        ("WEBP", "RGB", {}),
    ],
)
def test_png_jpeg_and_webp_are_stored_as_png_under_a_generated_name(client, world, media, fmt, mode, save):
    client.force_login(world.staff_a)
    response = upload(client, world.org_a, image_bytes(fmt, mode=mode, **save), name=f"logo.{fmt.lower()}")
    assert response.status_code == 302
    org = stored(world.org_a)
    assert GENERATED.match(org.logo.name), org.logo.name
    with Image.open(media / org.logo.name) as image:
        assert image.format == "PNG" and image.size == (64, 32)


@pytest.mark.security("F31")
def test_large_logo_is_shrunk_to_512_and_its_metadata_dropped(client, world, media):
    client.force_login(world.staff_a)
    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script> secret-author-name")
    out = io.BytesIO()
    Image.new("RGB", (2000, 1000), "navy").save(out, format="PNG", pnginfo=info)
    assert upload(client, world.org_a, out.getvalue()).status_code == 302
    path = media / stored(world.org_a).logo.name
    data = path.read_bytes()
    assert b"secret-author-name" not in data and b"<script" not in data
    with Image.open(path) as image:
        assert image.size == (512, 256)
        assert not image.text if hasattr(image, "text") else True


def test_jpeg_exif_is_not_kept(client, world, media):
    exif = Image.Exif()
    exif[0x010E] = "GPS and camera owner: Anna Andersson"  # ImageDescription
    out = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(out, format="JPEG", exif=exif)
    client.force_login(world.staff_a)
    assert upload(client, world.org_a, out.getvalue(), name="photo.jpg", content_type="image/jpeg").status_code == 302
    assert b"Anna Andersson" not in (media / stored(world.org_a).logo.name).read_bytes()


def test_logo_change_is_in_the_history_without_the_file_name_and_audited(client, world):
    client.force_login(world.staff_a)
    upload(client, world.org_a, image_bytes())
    change = OrganisationChange.objects.get(organisation=world.org_a, field="logo")
    assert (change.old_value, change.new_value, change.changed_by) == ("", "", world.staff_a)
    audit = AuditLog.objects.get(action="organisation.update", target_id=str(world.org_a.code))
    assert audit.data["fields"] == ["logo"]


def test_new_logo_replaces_the_old_file(client, world, media, django_capture_on_commit_callbacks):
    client.force_login(world.staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, world.org_a, image_bytes(size=(10, 10)))
    first = stored(world.org_a).logo.name
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, world.org_a, image_bytes(size=(20, 20)))
    second = stored(world.org_a).logo.name
    assert first != second
    assert not (media / first).exists()
    assert [p.relative_to(media).as_posix() for p in files_under(media)] == [second]


def test_member_removes_the_logo_and_its_file(client, world, media, django_capture_on_commit_callbacks):
    client.force_login(world.staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, world.org_a, image_bytes())
    name = stored(world.org_a).logo.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("directory:logo_remove", kwargs={"code": world.org_a.code}))
    assert response.status_code == 302
    assert not stored(world.org_a).logo
    assert not (media / name).exists()
    assert OrganisationChange.objects.filter(organisation=world.org_a, field="logo").count() == 2


# --- Refused ---------------------------------------------------------------------------------------------

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="5"/></svg>'
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
XHTML = b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>'


@pytest.mark.security("F29", "F30")
@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        pytest.param(b"\x89PNG\r\n\x1a\n" + HTML, "logo.png", "image/png", id="png-header-then-html"),
        pytest.param(PDF, "logo.png", "image/png", id="pdf-named-png"),
        pytest.param(HTML, "logo.png", "image/png", id="html-with-spoofed-content-type"),
        pytest.param(HTML, "logo.html", "text/html", id="html"),
        pytest.param(SVG, "logo.svg", "image/svg+xml", id="svg"),
        pytest.param(SVG, "logo.png", "image/png", id="svg-named-png"),
        pytest.param(XHTML, "logo.xhtml", "application/xhtml+xml", id="xhtml"),
        pytest.param(image_bytes("GIF"), "logo.gif", "image/gif", id="gif-not-accepted"),
        pytest.param(image_bytes("BMP"), "logo.png", "image/png", id="bmp-named-png"),
        pytest.param(image_bytes("PNG")[:60], "logo.png", "image/png", id="truncated-png"),
    ],
)
def test_anything_but_a_real_png_jpeg_or_webp_is_refused(client, world, media, content, name, content_type):
    client.force_login(world.staff_a)
    response = upload(client, world.org_a, content, name=name, content_type=content_type)
    assert response.status_code == 200
    assert "Upload the logo as a PNG, JPEG or WebP image." in response.content.decode()
    assert not stored(world.org_a).logo
    assert files_under(media) == []


@pytest.mark.security("F29")
def test_html_riding_after_a_real_png_is_dropped_by_the_re_encoding(client, world, media):
    client.force_login(world.staff_a)
    response = upload(client, world.org_a, image_bytes() + HTML)
    if response.status_code == 302:  # accepted: then only our own re-encoded pixels were kept
        data = (media / stored(world.org_a).logo.name).read_bytes()
        assert b"<script" not in data and b"<html" not in data
        assert data.startswith(b"\x89PNG")
    else:
        assert not stored(world.org_a).logo


@pytest.mark.security("F31")
def test_a_20_mb_file_gets_a_clear_error_and_nothing_is_stored(client, world, media):
    client.force_login(world.staff_a)
    big = image_bytes() + b"\x00" * (20 * 1024 * 1024)
    response = upload(client, world.org_a, big)
    assert response.status_code == 200
    assert "The logo is too large: at most 2 MB." in response.content.decode()
    assert not stored(world.org_a).logo and files_under(media) == []


@pytest.mark.security("F31")
@pytest.mark.parametrize(("width", "height"), [(20_000, 20_000), (50_000, 50_000), (4001, 4000)])
def test_pixel_bomb_is_refused_before_any_pixel_is_decoded(client, world, media, monkeypatch, width, height):
    data = bomb_png(width, height)
    assert len(data) < 2 * 1024 * 1024  # it passes the byte limit: only the pixel check stops it

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    client.force_login(world.staff_a)
    response = upload(client, world.org_a, data)
    assert response.status_code == 200
    assert "The image has too many pixels" in response.content.decode()
    assert not stored(world.org_a).logo and files_under(media) == []


@pytest.mark.security("F32")
@pytest.mark.parametrize(
    "name",
    [
        "../../x.png",
        "..\\..\\x.png",
        "/etc/passwd.png",
        "a.png.html",
        "logo\x00.png",
        "a" * 300 + ".png",
        "logo\u202egnp.html",  # right-to-left override: shows as "logolmth.png"
        ".htaccess",
        "",
    ],
)
def test_the_uploaded_name_is_never_used(client, world, media, tmp_path, name):
    client.force_login(world.staff_a)
    response = upload(client, world.org_a, image_bytes(), name=name or "x")
    assert response.status_code == 302
    org_name = stored(world.org_a).logo.name
    assert GENERATED.match(org_name), org_name
    assert [p.relative_to(media).as_posix() for p in files_under(media)] == [org_name]
    assert files_under(tmp_path) == files_under(media)  # nothing escaped the media directory


@pytest.mark.security("C11")
@pytest.mark.adversarial("C")
@pytest.mark.parametrize("role", ["staff_b", "business_member", "officer_x"])
def test_outsiders_cannot_change_or_remove_another_organisations_logo(client, world, media, role):
    client.force_login(world.staff_a)
    upload(client, world.org_a, image_bytes())
    before = stored(world.org_a).logo.name
    client.force_login(world.user(role))
    assert upload(client, world.org_a, image_bytes(size=(5, 5))).status_code == 404
    assert client.post(reverse("directory:logo_remove", kwargs={"code": world.org_a.code})).status_code == 404
    assert stored(world.org_a).logo.name == before
    assert len(files_under(media)) == 1


# --- Served --------------------------------------------------------------------------------------------


def test_logo_is_served_as_png_with_safe_headers(client, world, media):
    client.force_login(world.staff_a)
    upload(client, world.org_a, image_bytes())
    client.logout()
    response = client.get(reverse("directory:logo_image", kwargs={"code": world.org_a.code}))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "inline"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert "private" in response["Cache-Control"]


def test_profile_page_shows_the_logo_through_the_view(client, world):
    client.force_login(world.staff_a)
    upload(client, world.org_a, image_bytes())
    body = client.get(reverse("directory:detail", kwargs={"code": world.org_a.code})).content.decode()
    assert reverse("directory:logo_image", kwargs={"code": world.org_a.code}) in body
    assert "/media/" not in body


def test_unpublished_organisations_logo_is_404_for_outsiders(client, world):
    client.force_login(world.staff_b)  # member of the unpublished organisation
    assert upload(client, world.hidden_org, image_bytes()).status_code == 302
    url = reverse("directory:logo_image", kwargs={"code": world.hidden_org.code})
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 404
    client.force_login(world.staff_a)
    assert client.get(url).status_code == 404


def test_missing_logo_file_is_404_not_500(client, world):
    Organisation.objects.filter(pk=world.org_a.pk).update(logo="logos/gone.png")
    assert client.get(reverse("directory:logo_image", kwargs={"code": world.org_a.code})).status_code == 404


@pytest.mark.security("G37", "C19")
@pytest.mark.adversarial("G")
def test_media_directory_is_not_served(client, world):
    client.force_login(world.staff_a)
    upload(client, world.org_a, image_bytes())
    name = stored(world.org_a).logo.name
    assert client.get(f"/media/{name}").status_code == 404
    assert client.get("/media/logos/").status_code == 404


def test_logo_for_a_profile_that_no_longer_validates_gets_an_error_not_a_500(client, world, media):
    Organisation.objects.filter(pk=world.org_a.pk).update(postal_code="1")  # e.g. from an old import
    client.force_login(world.staff_a)
    response = upload(client, world.org_a, image_bytes())
    assert response.status_code == 200
    assert "A postal code has five digits" in response.content.decode()
    assert not stored(world.org_a).logo
    assert files_under(media) == []  # the new file was taken away again
