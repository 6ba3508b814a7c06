"""Per-user values in Redis with a time to live (the hub's KeyValueStore).

A value lives under ``kv:{user_id}:{key}`` with Redis' own expiry; ``kv-index:{user_id}``
lists the user's keys scored by their expiry, so listing needs no SCAN of the keyspace and
the cap on keys per user is checked and applied atomically (one Lua script per write).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from redis.commands.core import Script
from rest_framework import status

from storyportal import kv, redis_keys
from storyportal.api.exceptions import Conflict, DomainError

MAX_KEYS = 1000
MAX_VALUE_BYTES = 64 * 1024
MAX_TTL = 30 * 86400
KEY_PATTERN = r"^[A-Za-z0-9_.:-]{1,200}$"


class KeyNotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class TooManyKeys(Conflict):
    """The user already keeps :data:`MAX_KEYS` live keys."""


# Server time with microseconds, so an index score is the value's real expiry.
_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000\n"

# KEYS: value, index. ARGV: key, value, ttl, cap, index ttl. -1 when the cap refuses a new key.
_SET = Script(
    None,  # type: ignore[arg-type]  # bound to a client per call
    (
        _NOW
        + """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then
  return -1
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return redis.call('ZCARD', KEYS[2])
"""
    ).encode(),
)

# KEYS: index. The live keys with their expiry, and the server's time (as text: Lua numbers
# would come back truncated to integers).
_LIVE = Script(
    None,  # type: ignore[arg-type]
    (_NOW + "return {tostring(now), redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'WITHSCORES')}").encode(),
)


@dataclass(frozen=True)
class Stored:
    key: str
    ttl_seconds: int
    keys: int  # the user's live keys after the write


def _value_key(user_id: Any, key: str) -> str:
    return redis_keys.KV_VALUE.key(user_id=user_id, key=key)


def _index_key(user_id: Any) -> str:
    return redis_keys.KV_INDEX.key(user_id=user_id)


def value_set(*, user_id: Any, key: str, value: Any, ttl_seconds: int) -> Stored:
    """Store ``value`` (any JSON, at most 64 KiB encoded) for ``ttl_seconds``; 409 when it
    would be the user's key number :data:`MAX_KEYS` + 1."""
    encoded = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    if len(encoded) > MAX_VALUE_BYTES:
        raise DomainError(
            f"The value is {len(encoded)} bytes as JSON; at most {MAX_VALUE_BYTES} are kept.",
            details={"value": [f"At most {MAX_VALUE_BYTES} bytes of JSON."]},
        )
    keys = [_value_key(user_id, key), _index_key(user_id)]
    count = _SET(keys=keys, args=[key, encoded, ttl_seconds, MAX_KEYS, MAX_TTL], client=kv.client())
    if count == -1:
        raise TooManyKeys(f"You keep {MAX_KEYS} keys already: delete some, or let them expire.")
    return Stored(key=key, ttl_seconds=ttl_seconds, keys=int(count))


def value_get(*, user_id: Any, key: str) -> tuple[Any, int]:
    """The value and its remaining seconds; 404 when there is none (or it expired)."""
    with kv.client().pipeline(transaction=True) as pipe:
        pipe.get(_value_key(user_id, key))
        pipe.ttl(_value_key(user_id, key))
        raw, ttl = pipe.execute()
    if raw is None:
        raise KeyNotFound(f"You have no value under {key!r} (it may have expired).")
    return json.loads(raw), max(int(ttl), 0)


def value_delete(*, user_id: Any, key: str) -> None:
    with kv.client().pipeline(transaction=True) as pipe:
        pipe.delete(_value_key(user_id, key))
        pipe.zrem(_index_key(user_id), key)
        deleted, _ = pipe.execute()
    if not deleted:
        raise KeyNotFound(f"You have no value under {key!r} (it may have expired).")


def key_list(*, user_id: Any, prefix: str = "") -> list[tuple[str, int]]:
    """The user's live keys starting with ``prefix``, sorted, with their remaining seconds."""
    now, flat = _LIVE(keys=[_index_key(user_id)], args=[], client=kv.client())
    moment = float(now)
    pairs = zip(flat[0::2], flat[1::2], strict=True)
    found = [(name.decode(), math.ceil(float(score) - moment)) for name, score in pairs]
    return sorted((name, ttl) for name, ttl in found if name.startswith(prefix))
