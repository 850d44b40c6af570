"""kernel.fetch: fetching from an address a person typed. Against a web server on 127.0.0.1 the test starts
(reached only with a test policy that allows that one address); with the production policy every private,
local or otherwise non-public address, a name resolving to one and a redirect to one are refused before
anything connects (docs/security-checks.md K61). Redirects, the size cap, the timeout, the content type, and
https with SNI and certificate checks."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils import translation

from kernel import fetch
from tests.http_server import LocalHTTPServer

CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
TYPES = ("text/calendar",)
# The test's own server and nothing else: 127.0.0.1 on any port.
LOCAL = fetch.Policy(address=lambda address: address == ipaddress.ip_address("127.0.0.1"), ports=None)


@pytest.fixture
def server():
    with LocalHTTPServer() as running:
        yield running


@pytest.fixture
def no_connections(monkeypatch):
    """Fails the test if anything connects anywhere."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a connection was opened: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)


def get(url: str, *, policy: fetch.Policy = LOCAL, **kwargs) -> fetch.Fetched:
    kwargs.setdefault("max_bytes", 1024)
    with translation.override("en"):
        return fetch.fetch(url, content_types=TYPES, policy=policy, **kwargs)


def refused(url: str, code: str, **kwargs) -> str:
    """Fetch `url`, expect a refusal with `code`; its message."""
    with pytest.raises(fetch.FetchRefused) as error:
        get(url, **kwargs)
    assert error.value.code == code, error.value.messages
    return " ".join(error.value.messages)


# --- The address policy ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("127.8.9.10", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # the cloud metadata service
        ("100.64.0.1", False),  # shared address space (carrier-grade NAT)
        ("0.0.0.0", False),  # noqa: S104 (an address under test, not one bound to)
        ("192.0.2.1", False),  # documentation
        ("198.18.0.1", False),  # benchmarking
        ("224.0.0.1", False),  # multicast: `is_global` alone lets it through on Python 3.11
        ("240.0.0.1", False),  # reserved
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("fec0::1", False),  # site-local
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1: `is_global` says True
        ("2002:a00:1::", False),  # 6to4 of 10.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("2001:db8::1", False),
    ],
)
def test_public_address(address, public):
    assert fetch.public_address(ipaddress.ip_address(address)) is public


@pytest.mark.security("K61")
@pytest.mark.adversarial("K")
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "https://127.0.0.1/calendar.ics",
        "http://10.0.0.5/calendar.ics",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fd00::1]/",
        "http://0.0.0.0/",
        "http://2130706433/",  # 127.0.0.1 written as one number: the resolved address is what is checked
        "http://0x7f.1/",
        "http://localhost/",  # a name that resolves to a loopback address
        "webcal://localhost/calendar.ics",
        "http://LocalHost/",
    ],
)
def test_the_production_policy_refuses_local_and_private_addresses_before_connecting(url, no_connections):
    message = refused(url, "private_address", policy=fetch.PUBLIC)
    assert "private or local network" in message
    with translation.override("sv"), pytest.raises(fetch.FetchRefused) as error:
        fetch.fetch(url, content_types=TYPES, max_bytes=1024)
    assert "privat eller lokalt nät" in " ".join(error.value.messages)


@pytest.mark.security("K61")
@pytest.mark.adversarial("K")
def test_a_name_resolving_to_loopback_is_refused_even_with_any_port_allowed(server):
    """localhost on the test server's own port: only the address policy stands between, and it holds."""
    url = server.answer("/calendar.ics", body=CALENDAR)
    refused(url.replace("127.0.0.1", "localhost"), "private_address", policy=fetch.Policy(ports=None))
    assert server.requests == []


@pytest.mark.security("K61")
@pytest.mark.adversarial("K")
@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("file:///etc/passwd", "scheme"),
        ("ftp://example.org/calendar.ics", "scheme"),
        ("gopher://example.org:70/", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("//example.org/calendar.ics", "scheme"),
        ("http://93.184.215.14:8080/calendar.ics", "port"),
        ("https://example.org:22/", "port"),
        ("http://example.org:6379/", "port"),
        ("http://user:secret@example.org/calendar.ics", "credentials"),
        ("http:///calendar.ics", "invalid"),
        ("http://example.org:99999/", "invalid"),
        ("http://exa mple.org/", "invalid"),
        ("http://example.org/\r\nX-Injected: 1", "invalid"),
        ("", "invalid"),
    ],
)
def test_other_schemes_ports_and_malformed_addresses_are_refused_before_connecting(url, code, no_connections):
    refused(url, code, policy=fetch.PUBLIC)


def test_webcal_is_https_on_port_443():
    target = fetch._target("webcal://example.org/path/cal.ics?key=1", fetch.PUBLIC)
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "example.org",
        443,
        "/path/cal.ics?key=1",
    )
    assert target.url == "https://example.org/path/cal.ics?key=1"
    assert fetch._target("http://Exämple.org/", fetch.PUBLIC).host == "xn--exmple-cua.org"


# --- Fetching from the test's own server ----------------------------------------------------------------
def test_fetches_from_the_checked_address_with_the_host_name_in_the_host_header(server):
    url = server.answer("/calendar.ics", body=CALENDAR)
    fetched = get(url)
    assert fetched.content == CALENDAR
    assert fetched.content_type == "text/calendar"
    ((path, headers),) = server.requests
    assert path == "/calendar.ics"
    assert headers["Host"] == f"127.0.0.1:{server.port}"
    assert headers["Accept-Encoding"] == "identity"


def test_the_connection_goes_to_the_address_that_was_checked(server, monkeypatch):
    """The name is looked up once; the connection is made to that address (no second lookup a rebinding
    DNS server could answer differently), and the Host header keeps the name."""
    lookups = []
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        if host != "calendar.example":
            return real(host, port, *args, **kwargs)  # an address given as such: nothing to look up
        lookups.append(host)
        # The first answer is the allowed address; a second lookup would get a private one.
        return real("127.0.0.1" if len(lookups) == 1 else "10.0.0.1", port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    server.answer("/calendar.ics", body=CALENDAR)
    fetched = get(f"http://calendar.example:{server.port}/calendar.ics")
    assert fetched.content == CALENDAR
    assert lookups == ["calendar.example"]
    assert server.requests[0][1]["Host"] == f"calendar.example:{server.port}"


def _resolving_to(monkeypatch, name: str, *addresses: str) -> None:
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host != name:
            return real(host, port, *args, **kwargs)
        return [info for address in addresses for info in real(address, port, *args, **kwargs)]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.mark.security("K61")
@pytest.mark.adversarial("K")
def test_a_name_with_one_private_address_among_public_ones_is_refused(monkeypatch, no_connections):
    _resolving_to(monkeypatch, "calendar.example", "93.184.215.14", "10.0.0.1")
    refused("http://calendar.example/calendar.ics", "private_address", policy=fetch.PUBLIC)


def test_the_next_checked_address_is_tried_when_the_first_does_not_answer(server, monkeypatch):
    """127.0.0.2 is checked and allowed here, but nothing listens there: the fetch goes on to 127.0.0.1."""
    _resolving_to(monkeypatch, "calendar.example", "127.0.0.2", "127.0.0.1")
    allowed = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("127.0.0.2")}
    server.answer("/calendar.ics", body=CALENDAR)
    policy = fetch.Policy(address=lambda address: address in allowed, ports=None)
    assert get(f"http://calendar.example:{server.port}/calendar.ics", policy=policy).content == CALENDAR


def test_redirects_are_followed_up_to_three_times(server):
    server.answer("/one", status=302, headers={"Location": "/two"}, content_type=None)
    server.answer("/two", status=301, headers={"Location": server.url("/three")}, content_type=None)
    server.answer("/three", status=307, headers={"Location": "four"}, content_type=None)
    server.answer("/four", body=CALENDAR)
    fetched = get(server.url("/one"))
    assert fetched.content == CALENDAR
    assert fetched.url == server.url("/four")
    server.answer("/zero", status=308, headers={"Location": "/one"}, content_type=None)
    assert "more than 3 times" in refused(server.url("/zero"), "redirects")


@pytest.mark.security("K61")
@pytest.mark.adversarial("K")
@pytest.mark.parametrize(
    ("location", "code"),
    [
        ("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "private_address"),
        ("http://10.0.0.5/calendar.ics", "private_address"),
        ("http://[::1]/calendar.ics", "private_address"),
        ("https://192.168.1.1/", "private_address"),
        ("http://167772165/", "private_address"),  # 10.0.0.5 written as one number
        ("file:///etc/passwd", "scheme"),
        ("gopher://127.0.0.1:6379/_INFO", "scheme"),
    ],
)
def test_a_redirect_is_checked_like_the_first_address(server, location, code):
    """The first server is allowed; where it sends the fetch is checked again, and refused."""
    url = server.answer("/calendar.ics", status=302, headers={"Location": location}, content_type=None)
    refused(url, code)
    assert [path for path, _ in server.requests] == ["/calendar.ics"]


def test_a_redirect_to_another_port_is_refused_by_the_production_port_rule(server):
    url = server.answer("/calendar.ics", status=302, headers={"Location": "https://example.org:8443/"})
    policy = fetch.Policy(address=LOCAL.address, ports=frozenset({80, 443, server.port}))
    refused(url, "port", policy=policy)


def test_too_large_is_refused_by_its_content_length_or_while_reading(server):
    assert "too large" in refused(server.answer("/big", body=b"x" * 2000), "too_large")
    refused(server.answer("/big-unannounced", body=b"x" * 2000, content_length=False), "too_large")
    assert get(server.answer("/exact", body=b"x" * 1024)).content == b"x" * 1024


def test_a_lying_content_length_does_not_let_more_through(server):
    """A server that announces 10 bytes and sends more: http.client stops at the announced length."""
    url = server.answer("/liar", body=b"x" * 5000, content_length=False, headers={"Content-Length": "10"})
    assert get(url).content == b"x" * 10


def test_a_server_that_does_not_answer_in_time_is_given_up(server):
    url = server.answer("/slow", body=CALENDAR, delay=3)
    started = time.monotonic()
    assert "did not answer in time" in refused(url, "timeout", timeout=0.5)
    assert time.monotonic() - started < 2


def test_a_server_that_sends_a_byte_now_and_then_is_given_up_at_the_deadline(server):
    """Every read gets a byte before the socket's timeout: only the deadline for the whole fetch ends it."""
    url = server.answer("/drip", body=CALENDAR * 10, drip=0.1)
    started = time.monotonic()
    refused(url, "timeout", timeout=0.8)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "application/json", "image/png", None])
def test_an_answer_that_is_not_the_expected_kind_is_refused_before_reading(server, content_type):
    url = server.answer("/page", body=b"<html>", content_type=content_type)
    message = refused(url, "content_type")
    assert (content_type or "no content type").split(";")[0] in message


@pytest.mark.parametrize("status", [404, 500, 403])
def test_an_error_status_is_refused(server, status):
    assert f"HTTP {status}" in refused(server.answer("/error", status=status), "status")


def test_a_server_that_is_not_there_is_a_clear_refusal(server):
    port = server.port
    server.httpd.server_close()  # nothing listens on the port any more
    refused(f"http://127.0.0.1:{port}/calendar.ics", "connection")


def test_a_name_that_does_not_resolve_is_a_clear_refusal():
    assert "could not be found" in refused("http://no-such-host.invalid/calendar.ics", "dns")


# --- https ------------------------------------------------------------------------------------------------
@pytest.fixture
def self_signed(tmp_path):
    """A certificate for calendar.example that no one vouches for, and its key: (certificate file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "calendar.example")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("calendar.example")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_file), str(key_file)


def test_https_sends_the_name_in_sni_and_refuses_a_certificate_it_cannot_verify(self_signed, monkeypatch):
    """The connection goes to the checked address but TLS is for the name: SNI carries it and the
    certificate is verified against the system's authorities (a self-signed one is refused)."""
    _resolving_to(monkeypatch, "calendar.example", "127.0.0.1")
    with LocalHTTPServer(tls=self_signed) as server:
        server.answer("/calendar.ics", body=CALENDAR)
        message = refused(f"https://calendar.example:{server.port}/calendar.ics", "tls")
        assert "certificate for calendar.example could not be verified" in message
        assert server.server_names == ["calendar.example"]
        assert server.requests == []  # nothing was asked over a connection that was not trusted
