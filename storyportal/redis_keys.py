"""Every Redis key the platform writes, named in one place (spec 3.3).

Keys live unprefixed in the cache database, exactly as the spec names them, so an operator
can find them with ``redis-cli --scan --pattern 'session:*'``. Values are JSON.

- ``session:{id}``: an API session's data; 3600 s, renewed on use (row in ``sessions``).
- ``user:{id}``: the user fields authentication needs; 300 s.
- ``apikey:{hash}``: an API key's owner, scopes and expiry; 300 s.
- ``service:{name}``: a service catalog entry; 60 s.
- ``ratelimit:{client}:{scope}:{window}``: requests counted in one throttle window; lives
  as long as the window (3600 s for an hourly rate).
- ``lock:{resource}``: a short mutual-exclusion lock.
- ``lock:hub:{name}``: a lock agents take through the hub's LockManager (its holder's
  token; 1 s to 1 h, as asked).
- ``kv:{user_id}:{key}``: a value a user keeps through the hub's KeyValueStore (JSON; 1 s to
  30 days, as asked, 1 h by default).
- ``kv-index:{user_id}``: a sorted set of that user's keys scored by their expiry (Unix
  seconds), which lists them and caps their number; lives as long as the longest value can.
- ``queue:{name}``: work queued outside Celery (a list, no TTL).
- ``llm:breaker:{part}``: the model gateway's circuit breaker (``failures``, ``open``,
  ``tripped``), shared by every worker.
- ``llm:flight:{digest}`` / ``llm:answer:{digest}``: a model call in flight and its answer
  (5 s), so identical concurrent calls in other processes share it.
- ``stats:http:{minute}``: the requests served in one minute (a hash: count, errors, total
  ms, latency buckets), read by ``monitoring/summary/``, the alert rules and the charts; 2 h.
- ``embedding:{model}:{digest}``: a cached embedding (float32 bytes) of a text's sha256; 30 days.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeyPattern:
    """A key family: its template and how long its keys live (None: until deleted)."""

    template: str
    ttl: int | None

    def key(self, **parts: object) -> str:
        return self.template.format(**parts)


SESSION = KeyPattern("session:{session_id}", 3600)
USER = KeyPattern("user:{user_id}", 300)
API_KEY = KeyPattern("apikey:{key_hash}", 300)
SERVICE = KeyPattern("service:{service_name}", 60)
# The spec's ``ratelimit:{ip}:{endpoint}``: the client is ``ip:<addr>``, ``user:<id>`` or
# ``key:<id>``; the window number keeps counts of consecutive windows apart.
RATE_LIMIT = KeyPattern("ratelimit:{client}:{scope}:{window}", None)
LOCK = KeyPattern("lock:{resource_name}", 30)
QUEUE = KeyPattern("queue:{queue_name}", None)
LLM_BREAKER = KeyPattern("llm:breaker:{part}", None)
EMBEDDING = KeyPattern("embedding:{model}:{digest}", 30 * 86400)
LLM_FLIGHT = KeyPattern("llm:flight:{digest}", 300)
LLM_ANSWER = KeyPattern("llm:answer:{digest}", 5)
HUB_LOCK = KeyPattern("lock:hub:{name}", 30)
KV_VALUE = KeyPattern("kv:{user_id}:{key}", 3600)
KV_INDEX = KeyPattern("kv-index:{user_id}", 30 * 86400)
# Last-used stamps of API keys are written at most once per this many seconds.
API_KEY_TOUCH = KeyPattern("apikey-touched:{key_id}", 60)
# Requests served in one minute (Unix time // 60): count, 5xx, 4xx, total ms, latency buckets.
HTTP_STATS = KeyPattern("stats:http:{minute}", 2 * 3600 + 120)

ALL = {
    "session": SESSION,
    "user_cache": USER,
    "api_key_cache": API_KEY,
    "service_cache": SERVICE,
    "rate_limit": RATE_LIMIT,
    "lock": LOCK,
    "queue": QUEUE,
    "api_key_touch": API_KEY_TOUCH,
    "hub_lock": HUB_LOCK,
    "kv_value": KV_VALUE,
    "kv_index": KV_INDEX,
    "http_stats": HTTP_STATS,
}
