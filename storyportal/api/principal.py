"""Who is calling and what they may do, whichever way they authenticated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rest_framework.request import Request


@dataclass(frozen=True)
class ApiKeyCredential:
    """``request.auth`` of a request authenticated with an API key. ``scopes`` is already
    cut down to what the key's owner holds right now."""

    id: str
    prefix: str
    scopes: frozenset[str]


def caller_scopes(request: Request | Any) -> frozenset[str]:
    """The effective scopes of the caller: a key's (bounded by its owner), else the user's."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return frozenset()
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiKeyCredential):
        return auth.scopes
    scopes: frozenset[str] = user.scopes
    return scopes


def caller_label(request: Request | Any) -> str:
    """How logs and event metadata name the caller; never a secret."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiKeyCredential):
        return f"key:{auth.prefix}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.username}"
    return "anonymous"
