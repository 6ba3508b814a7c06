"""A circuit breaker in Redis, shared by every web and Celery worker.

Closed: calls go to Ollama. ``LLM_BREAKER_FAILURES`` failures (connection refused, timeout,
5xx) within ``LLM_BREAKER_WINDOW_SECONDS`` open it: for ``LLM_BREAKER_COOLDOWN_SECONDS``
every call is refused at once (503) instead of hanging on a dead server. After the cool-down
one call is let through (half-open); its success closes the breaker, its failure opens it
again straight away. A missing model is not a failure of Ollama and does not count.
"""

from __future__ import annotations

import logging

from django.conf import settings
from redis.exceptions import RedisError

from storyportal import kv
from storyportal.redis_keys import LLM_BREAKER

logger = logging.getLogger(__name__)

_FAILURES = LLM_BREAKER.key(part="failures")
_OPEN = LLM_BREAKER.key(part="open")
_TRIPPED = LLM_BREAKER.key(part="tripped")

# Count a failure; open when over the threshold or when a half-open trial failed.
# Returns the number of milliseconds the breaker stays open (0: still closed).
_RECORD_FAILURE = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if count >= tonumber(ARGV[1]) or redis.call('EXISTS', KEYS[3]) == 1 then
    redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
    redis.call('SET', KEYS[3], '1', 'PX', ARGV[4])
    redis.call('DEL', KEYS[1])
    return tonumber(ARGV[3])
end
return 0
"""


def check() -> tuple[int, bool]:
    """One round trip: how long the breaker stays open (0: calls may go through), and whether
    it holds failures or a trip that a success must clear."""
    try:
        with kv.client().pipeline(transaction=False) as pipe:
            pipe.pttl(_OPEN)
            pipe.exists(_FAILURES, _TRIPPED)
            open_ms, dirty = pipe.execute()
        return max(int(open_ms), 0), bool(dirty)
    except RedisError:
        logger.warning("circuit breaker state unreadable; letting the call through")
        return 0, False


def retry_after_ms() -> int:
    """How long the breaker stays open (0 when calls may go through)."""
    try:
        return max(int(kv.client().pttl(_OPEN)), 0)
    except RedisError:
        logger.warning("circuit breaker state unreadable; letting the call through")
        return 0


def state() -> str:
    try:
        if kv.client().exists(_OPEN):
            return "open"
        return "half_open" if kv.client().exists(_TRIPPED) else "closed"
    except RedisError:
        return "unknown"


def record_failure() -> int:
    cooldown_ms = settings.LLM_BREAKER_COOLDOWN_SECONDS * 1000
    # A trip is remembered for a while after the cool-down, so a failed trial reopens at once.
    remember_ms = cooldown_ms + settings.LLM_BREAKER_WINDOW_SECONDS * 1000
    try:
        script = kv.client().register_script(_RECORD_FAILURE)
        keys = [_FAILURES, _OPEN, _TRIPPED]
        args = [settings.LLM_BREAKER_FAILURES, settings.LLM_BREAKER_WINDOW_SECONDS, cooldown_ms, remember_ms]
        opened = int(script(keys=keys, args=args))
    except RedisError:
        logger.warning("could not record an Ollama failure in the circuit breaker")
        return 0
    if opened:
        logger.warning("Ollama circuit opened for %d ms", opened)
    return opened


def record_success() -> None:
    try:
        kv.client().delete(_FAILURES, _TRIPPED)
    except RedisError:
        logger.warning("could not reset the circuit breaker")


def reset() -> None:
    """Close the breaker (tests, and an operator who knows Ollama is back)."""
    try:
        kv.client().delete(_FAILURES, _OPEN, _TRIPPED)
    except RedisError:
        logger.warning("could not reset the circuit breaker")
