"""Distributed locks for agents (the hub's LockManager), under ``lock:hub:{name}``.

A lock is a Redis key holding its holder's random token, with an expiry so a holder that
dies cannot keep it. Taking it is one ``SET NX PX``; releasing and extending compare the
token and act in one Lua script, so a holder whose lock expired and was taken by someone
else can never release or extend the new holder's lock.
"""

from __future__ import annotations

import secrets

from redis.commands.core import Script
from rest_framework import status

from storyportal import kv, redis_keys
from storyportal.api.exceptions import Conflict, DomainError

MAX_TTL = 3600

# {1, ttl} when taken, {0, remaining ms} when someone holds it.
_ACQUIRE = Script(
    None,  # type: ignore[arg-type]  # bound to a client per call
    b"""
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, tonumber(ARGV[2])} end
return {0, redis.call('PTTL', KEYS[1])}
""",
)

# 1 done, 0 nobody holds it, -1 someone else does. ARGV[2] (ms) extends; without it, releases.
_IF_HOLDER = Script(
    None,  # type: ignore[arg-type]
    b"""
local held = redis.call('GET', KEYS[1])
if not held then return 0 end
if held ~= ARGV[1] then return -1 end
if ARGV[2] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) else redis.call('DEL', KEYS[1]) end
return 1
""",
)


class LockHeld(Conflict):
    """Someone else holds the lock; ``details.ttl_seconds`` says for how much longer."""


class NotHolder(Conflict):
    """The token is not the one of the lock's current holder."""


class LockNotHeld(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


def _key(name: str) -> str:
    return redis_keys.HUB_LOCK.key(name=name)


def lock_acquire(*, name: str, ttl_seconds: int) -> str:
    """Take the lock for ``ttl_seconds``: the token that releases or extends it."""
    token = secrets.token_urlsafe(24)
    taken, ms = _ACQUIRE(keys=[_key(name)], args=[token, ttl_seconds * 1000], client=kv.client())
    if not taken:
        remaining = round(max(int(ms), 0) / 1000, 3)
        raise LockHeld(f"The lock {name!r} is held for {remaining} s more.", details={"ttl_seconds": remaining})
    return token


def _as_holder(name: str, token: str, *args: int) -> None:
    outcome = _IF_HOLDER(keys=[_key(name)], args=[token, *args], client=kv.client())
    if outcome == 0:
        raise LockNotHeld(f"Nobody holds the lock {name!r} (it may have expired).")
    if outcome == -1:
        raise NotHolder(f"The lock {name!r} is held with another token.")


def lock_release(*, name: str, token: str) -> None:
    _as_holder(name, token)


def lock_extend(*, name: str, token: str, ttl_seconds: int) -> None:
    """Let the lock live ``ttl_seconds`` from now (its holder only)."""
    _as_holder(name, token, ttl_seconds * 1000)


def lock_ttl(*, name: str) -> float | None:
    """Seconds until the lock expires; None when nobody holds it."""
    ms = int(kv.client().pttl(_key(name)))
    return None if ms < 0 else round(ms / 1000, 3)
