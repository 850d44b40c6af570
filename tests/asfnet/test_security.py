"""Headers, error pages, the audit log, forms and CSRF (docs/security-checks.md C15, D20, D23, G34–G37, H38)."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path, reverse

from kernel.audit import audit_log
from kernel.models import AuditLog

ROOT = Path(__file__).resolve().parents[2]


def _boom(request):
    raise RuntimeError("planted failure")


def _ok(request):
    return HttpResponse("ok")


urlpatterns = [path("boom/", _boom), path("ok/", _ok)]
handler500 = "asfnet.views.error_500"


@pytest.mark.security("G34")
@pytest.mark.adversarial("G")
@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/directory/", "/no-such-page/"])
def test_security_headers_on_every_kind_of_page(client, db, url):
    response = client.get(url, secure=True)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "http" not in csp  # no external host
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "max-age=" in response["Strict-Transport-Security"]
    assert response["X-Request-ID"]


@pytest.mark.security("G35")
@pytest.mark.adversarial("G")
def test_pages_for_a_logged_in_person_are_not_cached(client, world):
    client.force_login(world.staff_a)
    assert "no-store" in client.get("/").headers["Cache-Control"]


@pytest.mark.security("G36")
@pytest.mark.adversarial("G")
@override_settings(ROOT_URLCONF=__name__)
def test_an_exception_shows_a_plain_500_with_the_incident_id_that_is_logged(db, caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR):
        response = client.get("/boom/")
    assert response.status_code == 500
    incident = response["X-Request-ID"]
    body = response.content.decode()
    assert incident in body
    assert "planted failure" not in body and "Traceback" not in body
    assert any(getattr(r, "request_id", None) == incident for r in caplog.records)


@pytest.mark.security("E27")
@pytest.mark.adversarial("G")
def test_a_foreign_host_header_is_refused(client, db):
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400


@pytest.mark.security("G37")
@pytest.mark.adversarial("G")
@pytest.mark.parametrize("url", ["/.git/HEAD", "/__debug__/", "/media/", "/static/"])
def test_probing_paths_find_nothing(client, db, url):
    assert client.get(url).status_code == 404


@pytest.mark.security("G37")
@pytest.mark.adversarial("D")
def test_trace_is_not_allowed(client, db):
    assert client.generic("TRACE", "/").status_code == 405


@pytest.mark.security("D20")
@pytest.mark.adversarial("D")
def test_state_changing_views_refuse_a_post_without_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin_a)
    response = client.post(
        reverse("directory:members", kwargs={"code": world.org_a.code}),
        {"email": "x@example.se", "role": "member", "language": "sv"},
    )
    assert response.status_code == 403
    from directory.models import Invitation

    assert not Invitation.objects.exists()


@pytest.mark.security("D21")
@pytest.mark.adversarial("D")
@pytest.mark.parametrize(("origin", "refused"), [("http://evil.example", True), ("http://testserver", False)])
def test_a_post_from_a_foreign_origin_is_refused_even_with_a_valid_token(world, origin, refused):
    """A valid CSRF cookie and token, as a page of ours would send them; only the Origin header differs."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.staff_a)
    client.get(reverse("my_account"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        reverse("my_account"), {"preferred_language": "en", "csrfmiddlewaretoken": token}, HTTP_ORIGIN=origin
    )
    world.staff_a.refresh_from_db()
    if refused:
        assert response.status_code == 403
        assert world.staff_a.preferred_language == "sv"
    else:
        assert response.status_code == 302
        assert world.staff_a.preferred_language == "en"


@pytest.mark.security("D22")
@pytest.mark.adversarial("D")
def test_logout_by_get_does_not_log_out(client, world):
    client.force_login(world.staff_a)
    client.get(reverse("account_logout"))
    assert "_auth_user_id" in client.session


@pytest.mark.security("D23")
@pytest.mark.adversarial("D")
@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"]
)
def test_next_parameter_never_leaves_the_site(client, world, target):
    response = client.post(
        reverse("account_login") + "?next=" + target,
        {"login": "staff.a@example.se", "password": "correct horse battery staple", "next": target},
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    response = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert response["Location"].startswith("/") and not response["Location"].startswith(("//", "/\\"))


@pytest.mark.security("H38")
@pytest.mark.adversarial("H")
def test_audit_rows_carry_the_request_id_and_are_append_only(world, client):
    client.force_login(world.admin_a)
    response = client.post(
        reverse("directory:edit", kwargs={"code": world.org_a.code}),
        {
            "name": "Returen Återbruk",
            "kommunkod": "2580",
            "website": "",
            "description_sv": "Ny text",
            "published": "on",
        },
    )
    assert response.status_code == 302
    row = AuditLog.objects.get(action="organisation.update")
    assert row.request_id == response["X-Request-ID"]
    assert row.actor == world.admin_a
    assert row.data == {"fields": ["description_sv"]}
    assert "Ny text" not in str(row.data)  # field names, never values

    with pytest.raises(ValueError, match="append-only"):
        row.save()
    with pytest.raises(ValueError, match="append-only"):
        row.delete()
    # Below the ORM, the database refuses too.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).delete()
    assert AuditLog.objects.get(pk=row.pk).action == "organisation.update"


@pytest.mark.adversarial("H")
def test_audit_log_without_request_has_empty_request_id(db):
    entry = audit_log(actor=None, action="system.test")
    assert entry.request_id == ""


@pytest.mark.security("C15")
@pytest.mark.adversarial("C")
def test_no_model_form_uses_all_fields_or_exclude():
    """Mass assignment (C15): every ModelForm lists its fields."""
    offenders = []
    for source in ROOT.glob("*/**/*.py"):
        if ".venv" in source.parts or "tests" in source.parts:
            continue
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == "Meta":
                for stmt in node.body:
                    if isinstance(stmt, ast.Assign):
                        names = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
                        if "exclude" in names or (
                            "fields" in names and isinstance(stmt.value, ast.Constant) and stmt.value.value == "__all__"
                        ):
                            offenders.append(f"{source.relative_to(ROOT)}:{stmt.lineno}")
    assert not offenders, offenders


@pytest.mark.security("C15")
@pytest.mark.adversarial("C")
def test_extra_fields_in_a_post_are_ignored(client, world):
    client.force_login(world.staff_a)
    client.post(
        reverse("directory:edit", kwargs={"code": world.org_a.code}),
        {
            "name": "Returen Återbruk",
            "kommunkod": "2580",
            "published": "on",
            "kind": "municipality",
            "orgnr": "2220002204",
            "verified": "true",
        },
    )
    world.org_a.refresh_from_db()
    assert world.org_a.kind == "asf"
    assert world.org_a.orgnr != "2220002204"


@pytest.mark.security("C11")
@pytest.mark.adversarial("C")
def test_outsider_post_to_another_orgs_edit_changes_nothing(client, world):
    client.force_login(world.staff_b)
    response = client.post(
        reverse("directory:edit", kwargs={"code": world.org_a.code}),
        {"name": "Hijacked", "kommunkod": "2580", "published": "on"},
    )
    assert response.status_code == 404
    world.org_a.refresh_from_db()
    assert world.org_a.name == "Returen Återbruk"


@pytest.mark.security("E26")
@pytest.mark.adversarial("E")
@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("website", "javascript:alert(1)", "URL"),
        ("kommunkod", "12", "fyra siffror"),
        ("description_sv", "Kontakta 19900101-0017", "personnummer"),
        ("name", "x" * 10_000, "200"),
    ],
)
def test_bad_input_gets_a_clear_swedish_message_and_nothing_is_saved(client, world, field, value, error):
    client.force_login(world.staff_a)
    data = {
        "name": "Returen Återbruk",
        "kommunkod": "2580",
        "website": "",
        "description_sv": "",
        "published": "on",
    }
    data[field] = value
    response = client.post(reverse("directory:edit", kwargs={"code": world.org_a.code}), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    world.org_a.refresh_from_db()
    assert getattr(world.org_a, field) != value
    assert not AuditLog.objects.filter(action="organisation.update").exists()
