"""Real servers that fault tests start and stop themselves: a redis-server and a small SMTP server, each on a
free port of 7400–7499 (the shared Redis and PostgreSQL of the test run are never touched)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from email import message_from_bytes
from email.message import Message

PORTS = range(7400, 7500)


def free_port() -> int:
    """A port of PORTS nothing listens on now (and that this process can bind)."""
    for port in PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 7400-7499")


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A redis-server of the test's own, without persistence; start() / stop() may be called repeatedly
    and keep the port, so a test can take Redis away and bring it back."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed (apt-get install redis-server)"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _answers(self.port):
            assert time.monotonic() < deadline, f"redis-server did not start on port {self.port}"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class SmtpServer:
    """aiosmtpd on a port of its own, keeping every message it receives."""

    def __init__(self, port: int) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Message] = []
        server = self

        class Handler:
            async def handle_DATA(self, smtp_server, session, envelope):  # aiosmtpd calls this hook by name
                server.messages.append(message_from_bytes(envelope.original_content or envelope.content))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
