"""Fetching a file from an address a person typed, without letting them reach our own network (SSRF,
docs/security-checks.md K61). Used by the calendar import (events/ics_import/); generic, imports no app.

* Only http and https (webcal:// is https, as calendar programs read it); never file://, ftp:// or any other
  scheme, also not in a redirect. No user name or password in the address. Port 80 or 443 only (the ports a
  published calendar is served on; any other port is more likely an internal service than a calendar).
* The host name is resolved once and *every* address it resolves to must be public (`public_address`:
  not loopback, private, link-local, shared (100.64/10), reserved, multicast or unspecified, and no IPv6
  address that carries one of those IPv4 addresses: IPv4-mapped, 6to4, Teredo, NAT64). The connection goes
  to the checked address itself, with the host name in the Host header and, for https, in SNI and the
  certificate check, so a second DNS answer (DNS rebinding) can change nothing. (Several checked addresses
  are tried in order, e.g. an IPv6 one first on a machine without IPv6.)
* Redirects (301, 302, 303, 307, 308) are followed at most `max_redirects` times, each new address checked
  as the first.
* One `timeout` for everything (connecting, every redirect, reading), so a server that sends a byte now and
  then cannot hold the worker. (Only the name lookup itself has no timeout of its own: the system resolver's.)
* At most `max_bytes` are read: a larger Content-Length is refused before reading, and reading stops one byte
  past the cap. No compression is asked for, so what is read is what is counted.
* The answer's Content-Type must be one of `content_types`; anything else is refused before the body is read.

Every refusal is a `FetchRefused` (a ValidationError with a `code`, and a message in the active language),
so a form shows it like any other refusal. The address policy is a parameter (`Policy`): the production
policy is the default, and only tests pass one that reaches a server on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

SCHEMES = {"http": "http", "https": "https", "webcal": "https", "webcals": "https"}
DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECTS = {301, 302, 303, 307, 308}
MAX_URL_LENGTH = 2000
CHUNK = 64 * 1024
USER_AGENT = "asfnet (calendar import)"
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (RFC 6052 NAT64, well-known and local use).
NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


def public_address(address: IPAddress) -> bool:
    """True for an address on the public internet. `is_global` alone is not enough on every Python (it let
    multicast through before 3.12), so each kind is refused by name as well."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour, address.teredo[1] if address.teredo else None]
        if any(address in network for network in NAT64):
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.ipv4_mapped is not None or any(e is not None and not public_address(e) for e in embedded):
            return False
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
    )


@dataclass(frozen=True)
class Policy:
    """Which addresses and ports a fetch may connect to. The default is the only one production uses."""

    address: Callable[[IPAddress], bool] = public_address
    ports: frozenset[int] | None = field(default=frozenset({80, 443}))  # None: any port (tests only)


PUBLIC = Policy()


@dataclass(frozen=True)
class Fetched:
    url: str  # the address the content came from, after redirects
    content: bytes
    content_type: str


class FetchRefused(ValidationError):
    """The address was refused or the fetch failed; `code` says why, the message says it to the person.
    `content_type`: what the server called its answer, for code "content_type". (Not in `params`: Django
    would %-format the message with them, and the text came from the other server.)"""

    def __init__(self, message: str, *, code: str, content_type: str = "") -> None:
        super().__init__(message, code=code)
        self.content_type = content_type


@dataclass(frozen=True)
class _Target:
    scheme: str  # http or https
    host: str  # the host name as it goes into Host and SNI (IDNA-encoded), or an IP address
    port: int
    path: str  # path and query, never empty
    url: str  # the normalised address (webcal → https)


def _target(url: str, policy: Policy) -> _Target:
    """Parse and check an address before anything is looked up or connected to."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH or any(c in url for c in "\r\n\t\x00 "):
        raise FetchRefused(_("The address is not a web address that can be fetched."), code="invalid")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchRefused(_("The address is not a web address that can be fetched."), code="invalid") from None
    scheme = SCHEMES.get(parts.scheme.lower())
    if scheme is None:
        raise FetchRefused(
            _("Only addresses that start with https://, http:// or webcal:// can be fetched."), code="scheme"
        )
    if parts.username is not None or parts.password is not None:
        raise FetchRefused(_("The address may not contain a user name or password."), code="credentials")
    if not parts.hostname:
        raise FetchRefused(_("The address has no server name."), code="invalid")
    port = port if port is not None else DEFAULT_PORTS[scheme]
    if policy.ports is not None and port not in policy.ports:
        raise FetchRefused(
            _("Only the standard web ports (80 and 443) can be fetched, not port %(port)s.") % {"port": port},
            code="port",
        )
    try:
        host = parts.hostname.encode("idna").decode("ascii") if not _is_ip(parts.hostname) else parts.hostname
    except UnicodeError:
        raise FetchRefused(_("The address is not a web address that can be fetched."), code="invalid") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    netloc = f"[{host}]" if ":" in host else host
    if port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    return _Target(scheme, host, port, path, f"{scheme}://{netloc}{path}")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _resolve(target: _Target, policy: Policy) -> list[str]:
    """The addresses to connect to, in the resolver's order: every address the name resolves to must pass the
    policy (a name with one private address among public ones is refused)."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchRefused(
            _("The server %(host)s could not be found. Check the address.") % {"host": target.host}, code="dns"
        ) from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise FetchRefused(
            _("The server %(host)s could not be found. Check the address.") % {"host": target.host}, code="dns"
        )
    refused = [a for a in addresses if not policy.address(a)]
    if refused:
        logger.warning("fetch refused: %s resolves to a non-public address %s", target.host, refused[0])
        raise FetchRefused(
            _(
                "The address leads to a private or local network (%(host)s), which cannot be fetched. Give the "
                "calendar's public address."
            )
            % {"host": target.host},
            code="private_address",
        )
    return list(dict.fromkeys(str(a) for a in addresses))


def _connect(addresses: list[str], port: int, timeout: float | None) -> socket.socket:
    """A connection to the first of the checked addresses that answers (an IPv6 address first, say, on a
    machine without IPv6)."""
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except TimeoutError:
            raise
        except OSError as refused:
            error = refused
    raise error or OSError("no address")


class _HTTPConnection(http.client.HTTPConnection):
    """Connects to the checked addresses; Host stays the name in the address."""

    def __init__(self, target: _Target, addresses: list[str], timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _HTTPSConnection(http.client.HTTPSConnection):
    """As _HTTPConnection, with TLS: the certificate is checked against the name in the address (SNI too)."""

    def __init__(self, target: _Target, addresses: list[str], timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._addresses = addresses

    def connect(self) -> None:
        sock = _connect(self._addresses, self.port, self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def _content_type(response: http.client.HTTPResponse) -> str:
    return (response.getheader("Content-Type") or "").split(";", 1)[0].strip().lower()[:100]


def _read(response: http.client.HTTPResponse, conn: http.client.HTTPConnection, deadline: float, cap: int) -> bytes:
    length = response.getheader("Content-Length")
    if length is not None and length.strip().isdigit() and int(length) > cap:
        raise _too_large(cap)
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        if conn.sock is not None:
            conn.sock.settimeout(remaining)
        chunk = response.read1(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > cap:
            raise _too_large(cap)
        chunks.append(chunk)


def _too_large(cap: int) -> FetchRefused:
    return FetchRefused(
        _("The file at the address is too large: at most %(mb)s MB.") % {"mb": max(cap // (1024 * 1024), 1)},
        code="too_large",
    )


def fetch(
    url: str,
    *,
    content_types: Collection[str],
    max_bytes: int,
    timeout: float = 10.0,
    max_redirects: int = 3,
    policy: Policy = PUBLIC,
) -> Fetched:
    """GET `url` as the module docstring says; FetchRefused when it cannot or may not be fetched."""
    deadline = time.monotonic() + timeout
    target = _target(url, policy)
    redirects = 0
    while True:
        addresses = _resolve(target, policy)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timed_out(timeout)
        connection_class = _HTTPSConnection if target.scheme == "https" else _HTTPConnection
        conn = connection_class(target, addresses, remaining)
        # The socket's own timeout bounds each wait; the watchdog bounds them all together (a server that
        # sends a byte just before each wait would end is cut off at the deadline too).
        expired = threading.Event()
        watchdog = threading.Timer(remaining, _expire, args=(conn, expired))
        watchdog.daemon = True
        watchdog.start()
        try:
            response = _get(conn, target, content_types)
            if response.status in REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise _status(response.status)
                redirects += 1
                if redirects > max_redirects:
                    raise FetchRefused(
                        ngettext(
                            "The address redirects more than %(count)s time.",
                            "The address redirects more than %(count)s times.",
                            max_redirects,
                        )
                        % {"count": max_redirects},
                        code="redirects",
                    )
                target = _target(urljoin(target.url, location), policy)
                continue
            if response.status != 200:
                raise _status(response.status)
            content_type = _content_type(response)
            if content_type not in content_types:
                raise FetchRefused(
                    _("The address gives “%(type)s”, not the kind of file expected.")
                    % {"type": content_type or _("no content type")},
                    code="content_type",
                    content_type=content_type,
                )
            content = _read(response, conn, deadline, max_bytes)
            if expired.is_set():  # the watchdog ended the connection: what was read may be cut short
                raise TimeoutError
            return Fetched(url=target.url, content=content, content_type=content_type)
        except FetchRefused:
            raise
        except TimeoutError:
            raise _timed_out(timeout) from None
        except (http.client.HTTPException, OSError) as error:  # ssl.SSLError is an OSError
            if expired.is_set():  # the watchdog ended the connection: the error is its doing
                raise _timed_out(timeout) from None
            raise _unreachable(target, error) from None
        finally:
            watchdog.cancel()
            conn.close()


def _get(conn: http.client.HTTPConnection, target: _Target, content_types: Collection[str]) -> http.client.HTTPResponse:
    conn.request(
        "GET",
        target.path,
        headers={
            "User-Agent": USER_AGENT,
            "Accept": ", ".join(content_types),
            "Accept-Encoding": "identity",
            "Connection": "close",
        },
    )
    return conn.getresponse()


def _expire(conn: http.client.HTTPConnection, expired: threading.Event) -> None:
    """At the deadline: end the connection, so the wait in the fetch ends at once."""
    expired.set()
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _timed_out(timeout: float) -> FetchRefused:
    return FetchRefused(
        _("The server did not answer in time (%(seconds)s seconds).") % {"seconds": f"{timeout:g}"},
        code="timeout",
    )


def _unreachable(target: _Target, error: http.client.HTTPException | OSError) -> FetchRefused:
    """What the person reads when the connection failed: a certificate that could not be verified, or any
    other failure to reach the server or read its answer."""
    if isinstance(error, ssl.SSLError):
        return FetchRefused(
            _("The server's certificate for %(host)s could not be verified, so nothing was fetched.")
            % {"host": target.host},
            code="tls",
        )
    return FetchRefused(
        _("The server %(host)s could not be reached or gave an answer that cannot be read.") % {"host": target.host},
        code="connection",
    )


def _status(status: int) -> FetchRefused:
    return FetchRefused(
        _("The server answered with an error (HTTP %(status)s), so nothing was fetched.") % {"status": status},
        code="status",
    )
