"""Reads on users and API keys, including the cached lookups authentication uses.

Authentication must not cost a database query per request: the user and API key it needs
come from Redis (``user:{id}``, ``apikey:{hash}``) and fall back to the database on a miss.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from redis.commands.core import Script

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
    return _user_from(values)


# from_db() takes the loaded values in the model's field order.
_LOADED = [field.attname for field in User._meta.concrete_fields if field.attname in USER_CACHED_FIELDS]


def _user_from(values: dict[str, Any]) -> User:
    return User.from_db("default", _LOADED, [values[name] for name in _LOADED])


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


# One round trip for the hot path: the key's record, its owner's cached fields, and the
# once-a-minute "last used" marker (SET NX), all keyed off the record's own ids.
_AUTH_LOOKUP = Script(
    None,  # type: ignore[arg-type]  # bound to a client per call
    b"""
local raw = redis.call('GET', KEYS[1])
if not raw then return {false, false, 0} end
local record = cjson.decode(raw)
local user = redis.call('GET', ARGV[1] .. record['user_id'])
local touched = redis.call('SET', ARGV[2] .. record['id'], 1, 'NX', 'EX', tonumber(ARGV[3]))
return {raw, user, touched and 1 or 0}
""",
)


@dataclass(frozen=True)
class KeyLookup:
    record: ApiKeyRecord | None
    user: User | None
    # True when this request is the first use of the key this minute (stamp last_used_at).
    first_use_this_minute: bool


def api_key_auth_lookup(key_hash: str, *, before_database: Callable[[], None] | None = None) -> KeyLookup:
    """Everything API-key authentication needs, from Redis in one round trip when cached;
    a miss falls back to :func:`api_key_record` and :func:`user_cached`."""
    touch = redis_keys.API_KEY_TOUCH
    args: list[str | int] = [_prefix(redis_keys.USER), _prefix(touch), touch.ttl or 60]
    raw, user_raw, touched = _AUTH_LOOKUP(
        keys=[redis_keys.API_KEY.key(key_hash=key_hash)], args=args, client=kv.client()
    )
    if raw is None:
        record = api_key_record(key_hash, before_database=before_database)
        return KeyLookup(record=record, user=None, first_use_this_minute=False)
    record = ApiKeyRecord.from_json(json.loads(raw))
    user = _user_from(json.loads(user_raw)) if user_raw is not None else None
    return KeyLookup(record=record, user=user, first_use_this_minute=bool(touched))


def _prefix(pattern: redis_keys.KeyPattern) -> str:
    return pattern.template.split("{", 1)[0]


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
