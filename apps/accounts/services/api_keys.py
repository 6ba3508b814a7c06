"""Writes on API keys (spec 2.1)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from rest_framework import status

from apps.accounts import scopes as scope_names
from apps.accounts.models import ApiKey, User
from apps.events.services import event_append
from storyportal import kv, redis_keys
from storyportal.api import credentials
from storyportal.api.exceptions import DomainError


class ScopeNotHeld(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "scope_not_held"


class InvalidKeyRequest(DomainError):
    code = "invalid_request"


def _public(api_key: ApiKey) -> dict[str, Any]:
    return {
        "id": str(api_key.id),
        "name": api_key.name,
        "prefix": api_key.prefix,
        "scopes": api_key.scopes,
        "owner": api_key.user.username,
        "expires_at": api_key.expires_at,
    }


def _check_scopes(requested: list[str], limit: Iterable[str]) -> None:
    if not requested:
        raise InvalidKeyRequest("A key needs at least one scope.", details={"scopes": ["Choose at least one scope."]})
    unknown = scope_names.unknown_scopes(requested)
    if unknown:
        raise InvalidKeyRequest(
            f"Unknown scopes: {', '.join(unknown)}.", details={"scopes": [f"Unknown: {', '.join(unknown)}."]}
        )
    missing = sorted(set(requested) - set(limit))
    if missing:
        raise ScopeNotHeld(
            f"You cannot grant scopes you do not hold: {', '.join(missing)}.", details={"scopes": missing}
        )


@transaction.atomic
def api_key_create(
    *,
    owner: User,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
    creator_scopes: frozenset[str] | None = None,
) -> tuple[ApiKey, str]:
    """A new key for ``owner``; returns it with the raw key, which is never stored or shown
    again. The scopes must all be held by the owner and, when the request itself came with a
    key, by that key (``creator_scopes``)."""
    limit = owner.scopes if creator_scopes is None else owner.scopes & creator_scopes
    _check_scopes(scopes, limit)
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidKeyRequest("expires_at must be in the future.", details={"expires_at": ["Must be in the future."]})
    raw = credentials.generate_key()
    api_key = ApiKey.objects.create(
        user=owner,
        name=name,
        prefix=credentials.visible_prefix(raw),
        key_hash=credentials.key_hash(raw),
        scopes=scope_names.ordered(scopes),
        expires_at=expires_at,
    )
    event_append(aggregate_type="ApiKey", aggregate_id=api_key.id, event_type="ApiKeyCreated", payload=_public(api_key))
    return api_key, raw


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke now; the key gets 401 from its next request. Revoking twice changes nothing."""
    locked = ApiKey.objects.select_for_update().select_related("user").get(pk=api_key.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at", "updated_at"])
        event_append(
            aggregate_type="ApiKey", aggregate_id=locked.id, event_type="ApiKeyRevoked", payload=_public(locked)
        )
    return locked


def api_key_touch(*, key_id: str) -> None:
    """Stamp ``last_used_at``, at most once a minute per key so that authentication stays
    free of database writes on the hot path."""
    marker = redis_keys.API_KEY_TOUCH
    if kv.client().set(marker.key(key_id=key_id), 1, nx=True, ex=marker.ttl):
        api_key_mark_used(key_id=key_id)


def api_key_mark_used(*, key_id: str) -> None:
    """Stamp ``last_used_at`` now (callers make sure this happens once a minute at most)."""
    ApiKey.objects.filter(pk=key_id).update(last_used_at=timezone.now())
