"""JSON values under the spec's Redis keys (see :mod:`storyportal.redis_keys`).

Uses the cache server's connection without django-redis' key prefix or pickling, so the keys
are exactly the documented ones and any client can read them.
"""

from __future__ import annotations

import json
from typing import Any

from django_redis import get_redis_connection
from redis import Redis

from storyportal.redis_keys import KeyPattern


def client() -> Redis:
    return get_redis_connection("default")


def get_json(key: str) -> Any:
    raw = client().get(key)
    return None if raw is None else json.loads(raw)


def set_json(pattern: KeyPattern, key: str, value: Any, *, ttl: int | None = None, only_new: bool = False) -> None:
    """Store ``value`` under ``key`` for the pattern's TTL. ``only_new`` (SET NX) is for
    read-through caches: a value a writer stored after its commit is never overwritten by a
    reader that loaded older data."""
    client().set(key, json.dumps(value, default=str), ex=ttl or pattern.ttl, nx=only_new)


def delete(*keys: str) -> None:
    if keys:
        client().delete(*keys)
