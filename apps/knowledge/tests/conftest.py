"""Knowledge test fixtures: a logged-in operator, the Ollama stand-in, and a real web server."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client

from tests.support.api import send

Page = tuple[int, str, bytes, dict[str, str]]  # status, content type, body, extra headers


@pytest.fixture
def operator_client(operator_user: Any) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


@pytest.fixture
def ollama(ollama_server: Any, settings: Any) -> Any:
    settings.OLLAMA_URL = ollama_server.url
    return ollama_server


@pytest.fixture
def invoke() -> Callable[..., Any]:
    def call(client: Client, service_name: str, method_name: str, params: dict[str, Any] | None = None) -> Any:
        body = {"service_name": service_name, "method": method_name, "params": params or {}}
        return send(client, "post", "/api/v1/services/invoke/", body)

    return call


@dataclass
class Site:
    """A web server on 127.0.0.1 (an allowed host) serving ``pages`` by path; ``seen`` lists the paths asked."""

    base: str
    pages: dict[str, Page] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def page(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8", status: int = 200,
             **headers: str) -> str:  # fmt: skip
        raw = body.encode() if isinstance(body, str) else body
        self.pages[path] = (status, content_type, raw, headers)
        return self.url(path)


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.site.seen.append(self.path)
        status, content_type, body, headers = self.site.pages.get(self.path, (404, "text/plain", b"no such page", {}))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site(settings: Any) -> Iterator[Site]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    state = Site(base=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = type("SiteHandler", (_Handler,), {"site": state})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.TOOLS_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
