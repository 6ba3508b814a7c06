"""Reads on users and API keys, including the cached lookups authentication uses.

Authentication must not cost a database query per request: the user and API key it needs
come from Redis (``user:{id}``, ``apikey:{hash}``) and fall back to the database on a miss.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.accounts.models import ApiKey, ApiSession, User
from storyportal import kv, redis_keys

# Fields authentication and permission checks read; anything else loads on demand.
USER_CACHED_FIELDS = ("id", "username", "email", "role", "is_active", "is_staff", "is_superuser")


def user_cached(user_id: int) -> User | None:
    """The user with only :data:`USER_CACHED_FIELDS` loaded (others are deferred, so a
    ``save()`` on it writes just those fields)."""
    key = redis_keys.USER.key(user_id=user_id)
    values = kv.get_json(key)
    if values is None:
        values = user_cache_values(user_id)
        if values is None:
            return None
        kv.set_json(redis_keys.USER, key, values, only_new=True)
    # from_db() takes the loaded values in the model's field order.
    loaded = [field.attname for field in User._meta.concrete_fields if field.attname in USER_CACHED_FIELDS]
    return User.from_db("default", loaded, [values[name] for name in loaded])


def user_cache_values(user_id: int) -> dict[str, Any] | None:
    return User.objects.filter(pk=user_id).values(*USER_CACHED_FIELDS).first()


@dataclass(frozen=True)
class ApiKeyRecord:
    """What authentication needs to know about a key, as cached under ``apikey:{hash}``."""

    id: str
    user_id: int
    prefix: str
    key_hash: str
    scopes: frozenset[str]
    expires_at: datetime | None
    revoked: bool

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "prefix": self.prefix,
            "key_hash": self.key_hash,
            "scopes": sorted(self.scopes),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "revoked": self.revoked,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApiKeyRecord:
        expires = data["expires_at"]
        return cls(
            id=data["id"],
            user_id=data["user_id"],
            prefix=data["prefix"],
            key_hash=data["key_hash"],
            scopes=frozenset(data["scopes"]),
            expires_at=parse_datetime(expires) if expires else None,
            revoked=data["revoked"],
        )


def api_key_record(key_hash: str, *, before_database: Callable[[], None] | None = None) -> ApiKeyRecord | None:
    """The key with this hash, from Redis or (on a miss) the database. Revoked keys are
    cached too, so revocation is a cache update rather than a miss."""
    cache_key = redis_keys.API_KEY.key(key_hash=key_hash)
    cached = kv.get_json(cache_key)
    if cached is not None:
        return ApiKeyRecord.from_json(cached)
    if before_database is not None:
        before_database()
    row = ApiKey.objects.filter(key_hash=key_hash).first()
    if row is None:
        return None
    record = api_key_record_of(row)
    kv.set_json(redis_keys.API_KEY, cache_key, record.to_json(), only_new=True)
    return record


def api_key_record_of(row: ApiKey) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=str(row.id),
        user_id=row.user_id,
        prefix=row.prefix,
        key_hash=row.key_hash,
        scopes=frozenset(row.scopes),
        expires_at=row.expires_at,
        revoked=row.is_revoked,
    )


def api_key_list(*, owner: User, include_all: bool = False) -> QuerySet[ApiKey]:
    """The caller's keys; every key when ``include_all`` (admins)."""
    keys = ApiKey.objects.select_related("user")
    return keys if include_all else keys.filter(user=owner)


def user_list() -> QuerySet[User]:
    return User.objects.all()


def session_list(*, owner: User, include_all: bool = False) -> QuerySet[ApiSession]:
    sessions = ApiSession.objects.select_related("user")
    return sessions if include_all else sessions.filter(user=owner)
