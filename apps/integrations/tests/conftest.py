"""A real HTTP receiver on 127.0.0.1 that records webhook POSTs, and endpoint factories."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from apps.integrations.models import WebhookEndpoint
from apps.integrations.services import endpoint_create


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers 500 to the first ``fail_first`` requests, then 200; waits ``delay`` seconds
    before answering (to cause timeouts, or to keep an attempt in flight)."""

    base: str
    fail_first: int = 0
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook") -> str:
        return f"{self.base}{path}"


class Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.receiver.lock:
            self.receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            failing = len(self.receiver.requests) <= self.receiver.fail_first
        time.sleep(self.receiver.delay)
        status, answer = (500, b"boom") if failing else (200, b"ok")
        try:
            self.send_response(302 if self.path == "/redirect" else status)
            self.send_header("Location", "/hook")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except OSError:
            pass  # the client gave up (a timeout test)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state = Receiver(base=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = type("BoundHandler", (Handler,), {"receiver": state})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def make_endpoint(db, receiver: Receiver) -> Callable[..., WebhookEndpoint]:
    """``make_endpoint(name, events=[...], **fields)``: an endpoint posting to the receiver."""

    def make(name: str = "hook", events: list[str] | None = None, **fields: Any) -> WebhookEndpoint:
        fields.setdefault("url", receiver.url())
        return endpoint_create(name=name, events=events or ["WorkflowCompleted"], **fields)

    return make
