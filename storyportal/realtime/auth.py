"""WebSocket authentication by query string: ``?token=<jwt>`` or ``?api_key=sp_live_...``.

Runs inside Channels' session middleware; when the query names a credential it decides
(a bad one leaves the connection anonymous, so the consumer closes it with 4401).
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
from storyportal.api.authentication import authenticate_api_key


@database_sync_to_async
def _from_token(token: str) -> tuple[Any, frozenset[str] | None]:
    try:
        user_id = int(AccessToken(token)["user_id"])  # type: ignore[arg-type]
    except (TokenError, KeyError, TypeError, ValueError):
        return AnonymousUser(), None
    user = selectors.user_cached(user_id)
    if user is None or not user.is_active:
        return AnonymousUser(), None
    return user, user.scopes


@database_sync_to_async
def _from_api_key(raw: str) -> tuple[Any, frozenset[str] | None]:
    try:
        user, credential = authenticate_api_key(raw)
    except exceptions.AuthenticationFailed:
        return AnonymousUser(), None
    return user, credential.scopes


class TokenAuthMiddleware:
    """Sets ``scope["user"]`` and ``scope["scopes"]`` from a query-string credential."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if "token" in query:
            scope["user"], scope["scopes"] = await _from_token(query["token"][0])
        elif "api_key" in query:
            scope["user"], scope["scopes"] = await _from_api_key(query["api_key"][0])
        return await self.app(scope, receive, send)
