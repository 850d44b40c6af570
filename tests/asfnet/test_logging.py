"""Logging: a 4xx answer is one WARNING line without a traceback (path, status, request id, user id);
a 500 keeps its traceback (issue 9, 8c)."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.test import Client, override_settings
from django.urls import include, path, reverse

from kernel.request_context import RequestIdLogFilter


def _raise(exc: Exception):
    def view(request):
        raise exc

    return view


urlpatterns = [
    path("t/forbidden/", _raise(PermissionDenied("not yours"))),
    path("t/suspicious/", _raise(SuspiciousOperation("odd input"))),
    path("t/bad/", _raise(BadRequest("bad input"))),
    path("t/missing/", _raise(Http404("no such thing"))),
    path("t/boom/", _raise(RuntimeError("planted failure"))),
    path("", include("asfnet.urls")),
]
handler400 = "asfnet.views.error_400"
handler403 = "asfnet.views.error_403"
handler404 = "asfnet.views.error_404"
handler500 = "asfnet.views.error_500"


@pytest.fixture
def console():
    """What the configured console handler writes, for the duration of the test."""
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, RequestIdLogFilter) for f in h.filters))
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def _records_with_status(caplog, status: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "status_code", None) == status]


def test_a_403_is_one_warning_line_without_a_traceback(client, world, caplog, console):
    client.force_login(world.staff_a)
    url = reverse("directory:import")  # coordinators only: a member gets 403
    with caplog.at_level(logging.INFO):
        response = client.get(url)
    assert response.status_code == 403

    [record] = _records_with_status(caplog, 403)
    assert record.name == "django.request"
    assert record.exc_info is None
    assert record.levelno == logging.WARNING
    assert f"user_id={world.staff_a.pk}" in record.getMessage()

    [line] = [line for line in console.getvalue().splitlines() if url in line]
    assert "Traceback" not in console.getvalue()
    assert "WARNING" in line and " 403 GET " in line
    assert f"request_id={response['X-Request-ID']}" in line
    assert f"user_id={world.staff_a.pk}" in line


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    ("url", "status", "logger"),
    [
        ("/t/forbidden/", 403, "django.request"),
        ("/t/suspicious/", 400, "django.security.SuspiciousOperation"),
        ("/t/bad/", 400, "django.request"),
        ("/t/missing/", 404, "django.request"),
    ],
)
def test_every_client_error_is_logged_without_a_traceback(db, caplog, console, url, status, logger):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.INFO):
        response = client.get(url)
    assert response.status_code == status

    [record] = _records_with_status(caplog, status)
    assert record.name == logger
    assert record.exc_info is None
    assert record.levelno == logging.WARNING
    assert f"{status} GET {url} user_id=anonymous" in record.getMessage()
    output = console.getvalue()
    assert "Traceback" not in output
    assert len([line for line in output.splitlines() if url in line]) == 1


@override_settings(ROOT_URLCONF=__name__)
def test_a_500_keeps_its_traceback(db, caplog, console):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.INFO):
        response = client.get("/t/boom/")
    assert response.status_code == 500

    [record] = _records_with_status(caplog, 500)
    assert record.name == "django.request"
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    output = console.getvalue()
    assert "Traceback" in output and "planted failure" in output


def test_a_404_log_line_carries_the_request_id_of_the_response(client, db, caplog):
    """Django logs 4xx after the middleware has returned: the line still names the request it was about."""
    import logging

    from kernel.request_context import RequestIdLogFilter

    caplog.set_level(logging.WARNING, logger="django.request")
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="abcdef0123456789")
    assert response.status_code == 404
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records
    RequestIdLogFilter().filter(records[-1])
    assert records[-1].request_id == response["X-Request-ID"] == "abcdef0123456789"


@pytest.mark.security("H39")
@pytest.mark.adversarial("H")
def test_no_password_session_key_totp_secret_or_personnummer_reaches_a_log_line(client, world, caplog, console):
    """A failed and a good login, a TOTP step, a password reset, a refused personnummer, a 403 and a 404 with
    the personnummer in the query string, every logger at DEBUG: none of the secrets or the personnummer
    appears in what the console handler wrote, in a message or in its arguments."""
    from tests.conftest import TOTP_SECRET
    from tests.directory.test_profile import PERSONNUMMER, edit_data, edit_url

    caplog.set_level(logging.DEBUG)
    password = "correct horse battery staple"
    client.post(reverse("account_login"), {"login": "staff.a@example.se", "password": f"wrong {password}"})
    client.post(reverse("account_login"), {"login": "staff.a@example.se", "password": password})
    session_key = client.session.session_key
    assert session_key
    client.post(reverse("account_reset_password"), {"email": "staff.a@example.se"})
    refused = client.post(edit_url(world.org_a), edit_data(world.org_a, description_sv=f"Kontakt: {PERSONNUMMER}"))
    assert refused.status_code == 200
    officer = Client()
    officer.post(reverse("account_login"), {"login": world.officer_x.email, "password": password})
    officer.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert client.get(reverse("directory:import")).status_code == 403  # logged as a warning
    assert client.get(f"/nope/?q={PERSONNUMMER}&token={session_key}").status_code == 404  # logged too

    # What a handler writes: the formatted lines and each record's message and arguments (a record's `request`
    # attribute is Django's own object, which no configured handler writes out).
    logged = "\n".join([console.getvalue(), *(f"{record.getMessage()} {record.args!r}" for record in caplog.records)])
    assert "Forbidden" in logged and "/nope/" in logged, "the flow logs lines"
    for secret in (password, session_key, TOTP_SECRET, PERSONNUMMER, PERSONNUMMER.replace("-", "")):
        assert secret not in logged, secret
