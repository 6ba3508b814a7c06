"""Helpers for API tests: the error envelope and JSON requests."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client


def assert_envelope(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is the contract's error envelope with this status (and machine code)."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    if code is not None:
        assert body["error"] == code
    assert isinstance(body["message"], str)
    assert body["message"]
    assert body["request_id"] == response["X-Request-ID"]
    return body


def send(client: Client, method: str, path: str, body: Any = None, **headers: Any) -> Any:
    """A JSON request; ``headers`` are WSGI META names (HTTP_X_API_KEY=...)."""
    data = json.dumps(body) if body is not None else None
    return client.generic(method.upper(), path, data or "", content_type="application/json", **headers)


def key_header(raw: str) -> dict[str, str]:
    return {"HTTP_X_API_KEY": raw}


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
