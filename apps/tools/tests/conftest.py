"""A real HTTP server on 127.0.0.1 for the HTTP tool, and a shortcut to run a tool."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from apps.tools.models import ToolExecution
from apps.tools.services import tool_execute


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Remote:
    """The server's base URL and the requests it received."""

    base: str
    port: int
    requests: list[Seen] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


class Handler(BaseHTTPRequestHandler):
    remote: Remote

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.remote.requests.append(Seen(self.command, self.path, dict(self.headers.items()), body))
        route = getattr(self, f"route_{self.path.strip('/').split('?')[0] or 'root'}", None)
        if route is None:
            self._answer(404, b'{"detail": "no such page"}', "application/json")
        else:
            route(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    def route_json(self, body: bytes) -> None:
        self._answer(200, b'{"ok": true, "items": [1, 2]}', "application/json; charset=utf-8", ETag='"v1"')

    def route_text(self, body: bytes) -> None:
        self._answer(200, "héllo".encode(), "text/plain; charset=utf-8", Set_Cookie="secret=1", X_Internal="x")

    def route_echo(self, body: bytes) -> None:
        seen = {"method": self.command, "headers": dict(self.headers.items()), "body": body.decode()}
        self._answer(201, json.dumps(seen).encode(), "application/json")

    def route_redirect(self, body: bytes) -> None:
        self._answer(302, b"", "text/plain", Location=self.remote.url("/json"))

    def route_big(self, body: bytes) -> None:
        self._answer(200, b"[" + b"1," * 2500 + b"1]", "application/json")

    def route_slow(self, body: bytes) -> None:
        time.sleep(2)
        self._answer(200, b"late", "text/plain")

    def route_drip(self, body: bytes) -> None:
        """Each byte arrives in time; the whole body does not."""
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "30")
        self.end_headers()
        for _ in range(30):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.1)


@pytest.fixture
def remote(settings) -> Iterator[Remote]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    state = Remote(base=f"http://127.0.0.1:{port}", port=port)
    server.RequestHandlerClass = type("BoundHandler", (Handler,), {"remote": state})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.TOOLS_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def run_tool(db):
    """``run_tool(name, **inputs) -> ToolExecution`` through the service, as a test caller."""

    def run(name: str, idempotency_key: str | None = None, **inputs: Any) -> ToolExecution:
        return tool_execute(name=name, inputs=inputs, caller="test", idempotency_key=idempotency_key)

    return run
