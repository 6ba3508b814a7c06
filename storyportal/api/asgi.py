"""ASGI wrappers of the gateway.

Django's ASGI handler reads the whole request body before any middleware runs, so the 10 MiB
limit is checked here, before Django spools the body. (daphne itself has buffered the body
by then, so under `make run` this saves Django's work, not the transfer; in production nginx
refuses large bodies first and gunicorn runs the WSGI middleware before reading.)
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings

from storyportal.api import request_id
from storyportal.api.errors import envelope

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class BodySizeLimit:
    """Answer 413 (in the error envelope) to an HTTP request whose ``Content-Length`` is over
    ``MAX_REQUEST_BODY_BYTES``, without receiving its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = _header(scope, b"content-length")
            if length and length.isdigit() and int(length) > settings.MAX_REQUEST_BODY_BYTES:
                await self._refuse(scope, send)
                return
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        rid = request_id.accept_or_generate(_header(scope, b"x-request-id"))
        request_id.set_current(rid)
        limit_mib = settings.MAX_REQUEST_BODY_BYTES // (1024 * 1024)
        body = json.dumps(envelope(413, message=f"The request body is larger than {limit_mib} MiB.")).encode()
        request_id.set_current(None)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-request-id", rid.encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
