"""A small web server on 127.0.0.1 that a test starts itself (threading http.server, a port the system
picks), for code that fetches from an address: each path answers as the test set it (status, headers, body,
a delay before answering or between bytes), and the server records every request it got."""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/calendar; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    drip: float = 0.0  # seconds between the body's bytes (one byte at a time)
    content_length: bool = True  # False: no Content-Length, the body ends when the connection closes


class LocalHTTPServer:
    """`tls`: (certificate file, key file) to serve https; the server names clients ask for (SNI) are kept in
    `server_names`."""

    def __init__(self, tls: tuple[str, str] | None = None) -> None:
        self.server_names: list[str | None] = []
        self.answers: dict[str, Answer] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, headers) of every request
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers.items())))
                answer = server.answers.get(self.path, Answer(status=404, body=b"not found", content_type="text/plain"))
                time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    if answer.content_type is not None:
                        self.send_header("Content-Type", answer.content_type)
                    if answer.content_length:
                        self.send_header("Content-Length", str(len(answer.body)))
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if answer.drip:
                        for byte in answer.body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(answer.drip)
                    else:
                        self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout or size test): that is the point

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False  # a handler still sleeping does not hold the test's end
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)  # type: ignore[assignment,func-returns-value]
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str, **kwargs: object) -> str:
        """Make `path` answer as `Answer(**kwargs)`; its full address."""
        self.answers[path] = Answer(**kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def __enter__(self) -> LocalHTTPServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
