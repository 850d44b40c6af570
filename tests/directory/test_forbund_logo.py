"""The förbund's logo: its coordinators upload and remove it on the settings page (judged and re-encoded like an
organisation's logo, directory.profile.logos), the portal serves it at /forbund/logo.png, and the page header
shows it beside the förbund's name from the cached registry, without a query."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from directory.access import actor_for
from directory.forbund import registry as forbund_registry
from directory.forbund_settings import services
from directory.models import Forbund
from kernel.factories import UserFactory
from kernel.models import AuditLog
from tests.conftest import give_totp
from tests.directory.test_forbund_settings import form_data as settings_form_data

pytestmark = pytest.mark.adversarial("F")

SETTINGS = reverse("forbund:settings")
UPLOAD = reverse("forbund:logo_upload")
REMOVE = reverse("forbund:logo_remove")
LOGO = reverse("forbund:logo")
A_HOST = "a.testserver"
B_HOST = "b.testserver"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
GENERATED = re.compile(r"^forbund/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}\.png$")


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def actor_on(user, forbund: Forbund):
    """The Actor of `user` on `forbund`'s portal (as the request's förbund: the registry's entry)."""
    forbund_registry.forget_local()
    return actor_for(user, forbund_registry.registry().get(forbund.pk))


def image_bytes(fmt: str = "PNG", size=(120, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, format=fmt)
    return out.getvalue()


def upload(client, content: bytes, *, host: str = A_HOST, name: str = "logo.png", **extra):
    file = SimpleUploadedFile(name, content, content_type="image/png")
    return client.post(UPLOAD, {"logo": file}, HTTP_HOST=host, **{**EN, **extra})


def stored(forbund: Forbund) -> Forbund:
    return Forbund.objects.get(pk=forbund.pk)


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def field_errors(response, field: str = "logo") -> str:
    return response.content.decode().split(f'id="id_{field}_error"', 1)[1].split("</ul>", 1)[0]


# --- Upload --------------------------------------------------------------------------------------------


@pytest.mark.security("F29", "F32")
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_the_coordinator_uploads_a_logo_stored_as_our_own_png(client, two, media, fmt):
    a, _b, coordinator_a, _ = two
    client.force_login(coordinator_a)
    response = upload(client, image_bytes(fmt), name=f"Vår logga.{fmt.lower()}")
    assert response.status_code == 302 and response["Location"] == SETTINGS
    assert "The logo was saved." in client.get(SETTINGS, HTTP_HOST=A_HOST, **EN).content.decode()

    saved = stored(a)
    assert GENERATED.match(saved.logo.name), saved.logo.name
    assert (saved.logo_width, saved.logo_height) == (120, 40)
    with Image.open(media / saved.logo.name) as image:
        assert image.format == "PNG" and image.size == (120, 40)
    row = AuditLog.objects.get(action="forbund.update")
    assert row.actor == coordinator_a and row.target_id == str(a.pk)
    assert row.data == {"fields": ["logo"]}  # that the logo changed, never a file name


def test_the_logo_is_served_as_png_on_the_forbunds_portal_for_everyone(client, two, media):
    a, _b, coordinator_a, _ = two
    client.force_login(coordinator_a)
    upload(client, image_bytes("JPEG"))
    client.logout()

    response = client.get(LOGO, HTTP_HOST=A_HOST)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == "inline"
    assert response["Cache-Control"] == "private, max-age=86400"
    body = b"".join(response.streaming_content)
    assert body == (media / stored(a).logo.name).read_bytes()


def test_the_header_shows_the_logo_beside_the_name_with_its_size_and_version(client, two):
    a, _b, coordinator_a, _ = two
    client.force_login(coordinator_a)
    assert "brand-logo" not in client.get("/", HTTP_HOST=A_HOST, **EN).content.decode()

    upload(client, image_bytes(size=(300, 100)))
    version = stored(a).logo_version
    assert re.fullmatch(r"[0-9a-f]{12}", version)
    header = client.get("/", HTTP_HOST=A_HOST, **EN).content.decode().split("</header>", 1)[0]
    # Decorative beside the visible name, which names the link (WCAG 1.1.1): alt="".
    assert (
        f'<img class="brand-logo" src="{LOGO}?v={version}" alt="" width="300" height="100">'
        '<span class="brand-name">asfnet<span class="brand-sub">Södra Norrbotten</span></span>'
    ) in header

    # A new logo: a new version, so the browser fetches it at once.
    upload(client, image_bytes(size=(100, 100)))
    assert stored(a).logo_version != version
    header = client.get("/", HTTP_HOST=A_HOST, **EN).content.decode().split("</header>", 1)[0]
    assert f'src="{LOGO}?v={stored(a).logo_version}" alt="" width="100" height="100"' in header


def test_the_header_reads_the_logo_from_the_registry_without_a_query(client, two):
    """A page costs the same queries with a logo as without one: the registry entry carries it."""
    a, _b, coordinator_a, _ = two
    client.force_login(UserFactory())

    def queries_of_the_front_page() -> int:
        client.get("/", HTTP_HOST=A_HOST, **EN)  # the registry built and cached
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/", HTTP_HOST=A_HOST, **EN)
        assert page.status_code == 200
        return len(captured)

    without = queries_of_the_front_page()
    services.forbund_logo_set(actor=actor_on(coordinator_a, a), forbund=a, png=image_bytes())
    forbund_registry.forget_local()
    with_logo = queries_of_the_front_page()
    assert 'class="brand-logo"' in client.get("/", HTTP_HOST=A_HOST, **EN).content.decode()
    assert with_logo == without


@pytest.mark.security("F29", "F30")
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Inte en bild, bara text.", "Upload the logo as a PNG, JPEG or WebP image."),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "Upload the logo as a PNG, JPEG or WebP image."),  # a "PNG"
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "Upload the logo as a PNG"),
        (b"", "The submitted file is empty."),
    ],
    ids=["text", "png-signature-then-garbage", "svg", "empty"],
)
def test_a_file_that_is_no_logo_is_refused_on_the_field_and_nothing_is_saved(client, two, media, content, message):
    a, _b, coordinator_a, _ = two
    client.force_login(coordinator_a)
    before = Forbund.objects.values().get(pk=a.pk)
    response = upload(client, content)
    assert response.status_code == 200
    assert message in field_errors(response)
    assert Forbund.objects.values().get(pk=a.pk) == before
    assert files_under(media) == []
    assert not AuditLog.objects.filter(action="forbund.update").exists()


@pytest.mark.security("F30")
def test_an_oversized_file_is_refused_in_swedish_too(client, two, media, settings):
    a, _b, coordinator_a, _ = two
    client.force_login(coordinator_a)
    too_big = image_bytes() + b"\x00" * settings.LOGO_MAX_BYTES
    response = upload(client, too_big, HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200
    assert "Logotypen är för stor: högst 2 MB." in field_errors(response)
    assert not stored(a).logo and files_under(media) == []

    response = upload(client, too_big)
    assert "The logo is too large: at most 2 MB." in field_errors(response)


def test_a_refused_logo_keeps_the_settings_page_whole(client, two):
    """The page comes back with the förbund's own texts in their form and the message at the file field."""
    _a, _b, coordinator_a, _ = two
    client.force_login(coordinator_a)
    page = upload(client, b"nej").content.decode()
    assert 'value="Samordningsförbundet Södra Norrbotten"' in page
    assert 'enctype="multipart/form-data"' in page and f'action="{UPLOAD}"' in page
    assert '<a href="#id_logo">' in page  # the error summary links to the file field


def test_a_post_without_a_file_asks_for_one(client, two):
    a, _b, coordinator_a, _ = two
    client.force_login(coordinator_a)
    response = client.post(UPLOAD, {}, HTTP_HOST=A_HOST, **EN)
    assert response.status_code == 200
    assert "This field is required." in field_errors(response)
    assert not stored(a).logo


def test_a_new_logo_replaces_the_old_file(client, two, media, django_capture_on_commit_callbacks):
    a, _b, coordinator_a, _ = two
    client.force_login(coordinator_a)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, image_bytes())
    first = stored(a).logo.name
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, image_bytes("JPEG"))
    second = stored(a).logo.name
    assert second != first
    assert [p.relative_to(media).as_posix() for p in files_under(media)] == [second]


def test_saving_the_texts_keeps_the_logo(client, two):
    a, _b, coordinator_a, _ = two
    client.force_login(coordinator_a)
    upload(client, image_bytes())
    logo = stored(a).logo.name
    data = {
        "name": a.name,
        "short_name": "Södra NB",
        "orgnr": a.orgnr,
        "intro_sv": a.intro_sv,
        "intro_en": a.intro_en,
        "contact_email": a.contact_email,
        "dpo_email": a.dpo_email,
        "show_national_events": "on",
    }
    assert client.post(SETTINGS, data, HTTP_HOST=A_HOST, **EN).status_code == 302
    saved = stored(a)
    assert saved.short_name == "Södra NB" and saved.logo.name == logo
    assert (saved.logo_width, saved.logo_height) == (120, 40)


# --- Remove --------------------------------------------------------------------------------------------


def test_the_coordinator_removes_the_logo(client, two, media, django_capture_on_commit_callbacks):
    a, _b, coordinator_a, _ = two
    client.force_login(coordinator_a)
    upload(client, image_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REMOVE, HTTP_HOST=A_HOST, **EN)
    assert response.status_code == 302 and response["Location"] == SETTINGS
    saved = stored(a)
    assert not saved.logo and (saved.logo_width, saved.logo_height) == (None, None)
    assert files_under(media) == []
    rows = AuditLog.objects.filter(action="forbund.update", target_id=str(a.pk)).order_by("pk")
    assert [row.data for row in rows] == [{"fields": ["logo"]}] * 2  # the upload, then the removal
    page = client.get(SETTINGS, HTTP_HOST=A_HOST, **EN).content.decode()
    assert "The logo was removed." in page and "brand-logo" not in page
    assert client.get(LOGO, HTTP_HOST=A_HOST).status_code == 404


def test_removing_when_there_is_no_logo_changes_nothing(client, two):
    _a, _b, coordinator_a, _ = two
    client.force_login(coordinator_a)
    assert client.post(REMOVE, HTTP_HOST=A_HOST, **EN).status_code == 302
    assert not AuditLog.objects.exists()


# --- Who ------------------------------------------------------------------------------------------------


def test_the_coordinator_of_another_forbund_cannot_change_this_ones_logo(client, two, media):
    a, _b, coordinator_a, coordinator_b = two
    client.force_login(coordinator_a)
    upload(client, image_bytes())
    before = Forbund.objects.values().get(pk=a.pk)
    client.force_login(coordinator_b)
    assert upload(client, image_bytes("JPEG")).status_code == 403
    assert client.post(REMOVE, HTTP_HOST=A_HOST).status_code == 403
    assert Forbund.objects.values().get(pk=a.pk) == before
    assert len(files_under(media)) == 1
    assert AuditLog.objects.filter(action="forbund.update").count() == 1  # coordinator A's upload only


def test_on_their_own_portal_they_set_their_own_forbunds_logo(client, two):
    a, b, _, coordinator_b = two
    client.force_login(coordinator_b)
    assert upload(client, image_bytes(), host=B_HOST).status_code == 302
    assert stored(b).logo and not stored(a).logo
    assert client.get(LOGO, HTTP_HOST=B_HOST).status_code == 200
    assert client.get(LOGO, HTTP_HOST=A_HOST).status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_others_may_not_change_the_logo(client, two, who):
    a, _b, _, _ = two
    if who == "member":
        client.force_login(UserFactory())
    responses = [upload(client, image_bytes()), client.post(REMOVE, HTTP_HOST=A_HOST)]
    if who == "anonymous":
        assert all(r.status_code == 302 and r["Location"].startswith(reverse("account_login")) for r in responses)
    else:
        assert [r.status_code for r in responses] == [403, 403]
    assert not stored(a).logo


def test_the_service_refuses_anyone_but_the_forbunds_coordinator(two, media):
    a, _b, _, coordinator_b = two
    with pytest.raises(PermissionDenied):
        services.forbund_logo_set(actor=actor_on(coordinator_b, a), forbund=a, png=image_bytes())
    with pytest.raises(PermissionDenied):
        services.forbund_logo_remove(actor=actor_on(UserFactory(), a), forbund=a)
    assert files_under(media) == []


def test_a_failed_save_leaves_no_file_behind(two, media, monkeypatch):
    a, _b, coordinator_a, _ = two

    def broken(**kwargs):
        raise RuntimeError("the audit log is down")

    monkeypatch.setattr(services, "audit_log", broken)
    with pytest.raises(RuntimeError):
        services.forbund_logo_set(actor=actor_on(coordinator_a, a), forbund=a, png=image_bytes())
    assert files_under(media) == [] and not stored(a).logo


def test_no_logo_and_the_national_host_are_404(client, two):
    a, _b, coordinator_a, _ = two
    assert client.get(LOGO, HTTP_HOST=A_HOST).status_code == 404
    services.forbund_logo_set(actor=actor_on(coordinator_a, a), forbund=a, png=image_bytes())
    forbund_registry.forget_local()
    assert client.get(LOGO, HTTP_HOST=A_HOST).status_code == 200
    assert client.get(LOGO, HTTP_HOST="testserver").status_code == 404
    client.force_login(coordinator_a)
    assert upload(client, image_bytes(), host="testserver").status_code == 404
    assert client.post(REMOVE, HTTP_HOST="testserver").status_code == 404


def test_a_logo_missing_from_storage_is_404_not_500(client, two, media):
    a, _b, coordinator_a, _ = two
    services.forbund_logo_set(actor=actor_on(coordinator_a, a), forbund=a, png=image_bytes())
    (media / stored(a).logo.name).unlink()
    forbund_registry.forget_local()
    assert client.get(LOGO, HTTP_HOST=A_HOST).status_code == 404


# --- The platform operator's admin -----------------------------------------------------------------------


@pytest.fixture
def operator(client, two):
    user = UserFactory(is_staff=True, is_superuser=True)
    give_totp(user)
    client.force_login(user)
    return user


def _admin_data(forbund: Forbund, **changes) -> dict:
    """What the admin's change form posts: the settings page's fields and what only the operator sets."""
    data = {
        **settings_form_data(forbund),
        "slug": forbund.slug,
        "host": forbund.host or "",
        "municipalities": list(forbund.municipalities.values_list("pk", flat=True)),
        "coordinators": list(forbund.coordinators.values_list("pk", flat=True)),
    }
    data.update(changes)
    return data


def test_the_admin_shows_the_logo_and_re_encodes_an_upload(client, two, operator, media):
    a, *_ = two
    url = reverse("admin:directory_forbund_change", args=[a.pk])
    assert 'name="logo"' in client.get(url, HTTP_HOST=A_HOST).content.decode()

    refused = client.post(url, _admin_data(a, logo=SimpleUploadedFile("x.png", b"GIF89a nej")), HTTP_HOST=A_HOST, **EN)
    assert refused.status_code == 200
    assert "Upload the logo as a PNG, JPEG or WebP image." in refused.content.decode()
    assert not stored(a).logo and files_under(media) == []

    logo = SimpleUploadedFile("logga.jpg", image_bytes("JPEG", size=(80, 20)), content_type="image/jpeg")
    response = client.post(url, _admin_data(a, logo=logo), HTTP_HOST=A_HOST, **EN)
    assert response.status_code == 302
    saved = stored(a)
    assert GENERATED.match(saved.logo.name) and (saved.logo_width, saved.logo_height) == (80, 20)
    with Image.open(media / saved.logo.name) as image:
        assert image.format == "PNG"

    # Saved again without a file: the logo stays; "clear" removes it (and its file, once committed).
    assert client.post(url, _admin_data(a, intro_en="New words."), HTTP_HOST=A_HOST).status_code == 302
    assert stored(a).logo.name == saved.logo.name
    assert client.post(url, _admin_data(a, **{"logo-clear": "on"}), HTTP_HOST=A_HOST).status_code == 302
    assert not stored(a).logo
