"""WebSocket authentication by query string: ``?token=<jwt>`` or ``?api_key=sp_live_...``.

Runs inside Channels' session middleware; when the query names a credential it decides
(a bad one leaves the connection anonymous, so the consumer closes it with 4401). Failed
attempts count against the client address like failed API authentication, so the feed is no
side door for guessing keys.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from apps.accounts import selectors
from storyportal.api import credentials
from storyportal.api.authentication import authenticate_api_key
from storyportal.api.client_ip import client_ip
from storyportal.api.throttling import failures_usage

ANONYMOUS: tuple[Any, None, None] = (AnonymousUser(), None, None)


class _Throttled(Exception):
    pass


def _address(scope: dict[str, Any]) -> str:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    meta = {
        "REMOTE_ADDR": (scope.get("client") or [""])[0],
        "HTTP_X_FORWARDED_FOR": headers.get("x-forwarded-for"),
    }
    return client_ip(type("Shim", (), {"META": meta})())


def _guard(address: str) -> None:
    usage = failures_usage(address, record=False)
    if usage is not None and usage.count >= usage.limit:
        raise _Throttled


def _failed(address: str) -> tuple[Any, None, None]:
    failures_usage(address, record=True)
    return ANONYMOUS


@database_sync_to_async
def _from_token(token: str, address: str) -> tuple[Any, frozenset[str] | None, dict[str, Any] | None]:
    try:
        user_id = int(AccessToken(token)["user_id"])  # type: ignore[arg-type]
    except (TokenError, KeyError, TypeError, ValueError):
        return _failed(address)
    user = selectors.user_cached(user_id)
    if user is None or not user.is_active:
        return _failed(address)
    return user, user.scopes, {"user_id": user.pk}


@database_sync_to_async
def _from_api_key(raw: str, address: str) -> tuple[Any, frozenset[str] | None, dict[str, Any] | None]:
    try:
        user, credential = authenticate_api_key(raw, before_lookup=lambda: _guard(address))
    except _Throttled:
        return ANONYMOUS
    except exceptions.AuthenticationFailed:
        return _failed(address)
    return user, credential.scopes, {"user_id": user.pk, "key_hash": credentials.key_hash(raw)}


class TokenAuthMiddleware:
    """Sets ``scope["user"]``, ``scope["scopes"]`` and ``scope["credential"]`` (what the
    consumer re-checks while the socket stays open) from a query-string credential."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if "token" in query:
            scope["user"], scope["scopes"], scope["credential"] = await _from_token(query["token"][0], _address(scope))
        elif "api_key" in query:
            scope["user"], scope["scopes"], scope["credential"] = await _from_api_key(
                query["api_key"][0], _address(scope)
            )
        return await self.app(scope, receive, send)
