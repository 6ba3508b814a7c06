"""Authentication classes of the API gateway: Bearer JWT, X-API-Key, session.

None of them queries the database on the hot path: users and keys come from the Redis
cache (see :mod:`apps.accounts.selectors`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework_simplejwt import authentication as jwt_authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import Token

from apps.accounts import selectors, services
from apps.accounts.models import User
from storyportal.api import actor, credentials, throttling
from storyportal.api.principal import ApiKeyCredential

CHALLENGE = 'Bearer realm="api"'


class JWTAuthentication(jwt_authentication.JWTAuthentication):
    """RS256 access tokens; the user comes from the ``user:{id}`` cache."""

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, Token] | None:  # type: ignore[override]
        try:
            result = super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttling.count_auth_failure(request)
            raise
        if result is not None:
            actor.set_current(f"user:{result[0].get_username()}")
        return result

    def get_user(self, validated_token: Token) -> AbstractBaseUser:  # type: ignore[override]
        try:
            user_id = int(validated_token[jwt_settings.USER_ID_CLAIM])
        except (KeyError, TypeError, ValueError):
            raise InvalidToken("Token contained no recognizable user identification") from None
        user = selectors.user_cached(user_id)
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed("The user is unknown or inactive.", code="user_inactive")
        return user

    def authenticate_header(self, request: Request) -> str:
        return CHALLENGE


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``X-API-Key: sp_live_...``. Revocation and expiry apply on the very next request."""

    def authenticate(self, request: Request) -> tuple[User, ApiKeyCredential] | None:
        raw = request.META.get("HTTP_X_API_KEY")
        if raw is None:
            return None
        try:
            user, credential = authenticate_api_key(
                raw, before_lookup=lambda: throttling.auth_failures_exceeded(request)
            )
        except exceptions.AuthenticationFailed:
            throttling.count_auth_failure(request)
            raise
        actor.set_current(f"key:{credential.prefix}")
        return user, credential

    def authenticate_header(self, request: Request) -> str:
        return CHALLENGE


def authenticate_api_key(raw: str, *, before_lookup: Callable[[], None] | None = None) -> tuple[User, ApiKeyCredential]:
    """The user and effective scopes of an API key, or AuthenticationFailed (401).
    ``before_lookup`` runs before a cache miss sends the lookup to the database."""
    if not credentials.is_well_formed(raw):
        raise exceptions.AuthenticationFailed("The API key is malformed.", code="invalid_api_key")
    digest = credentials.key_hash(raw)
    lookup = selectors.api_key_auth_lookup(digest, before_database=before_lookup)
    record = lookup.record
    if record is None or not credentials.hashes_match(record.key_hash, digest):
        raise exceptions.AuthenticationFailed("The API key is not valid.", code="invalid_api_key")
    if record.revoked:
        raise exceptions.AuthenticationFailed("The API key has been revoked.", code="api_key_revoked")
    if record.expired:
        raise exceptions.AuthenticationFailed("The API key has expired.", code="api_key_expired")
    user = lookup.user or selectors.user_cached(record.user_id)
    if user is None or not user.is_active:
        raise exceptions.AuthenticationFailed("The API key's owner is inactive.", code="user_inactive")
    if lookup.first_use_this_minute:
        services.api_key_mark_used(key_id=record.id)
    elif lookup.user is None:  # the slow path: the cached lookup did not run the marker
        services.api_key_touch(key_id=record.id)
    # A key never holds more than its owner holds now, even after the owner was demoted.
    return user, ApiKeyCredential(id=record.id, prefix=record.prefix, scopes=record.scopes & user.scopes)


class SessionAuthentication(authentication.SessionAuthentication):
    """Django session login (browser UI, browsable API) that answers anonymous callers with
    401 and a challenge rather than DRF's default 403, as the contract asks."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is not None:
            actor.set_current(f"user:{result[0].get_username()}")
        return result

    def authenticate_header(self, request: Request) -> str:
        return CHALLENGE
