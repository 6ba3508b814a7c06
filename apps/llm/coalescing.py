"""Identical concurrent requests share one upstream call (spec 5.3; issue 6 point 4).

Within a process, followers wait on the leader's future. Across processes, the leader holds
``llm:flight:{key}`` in Redis and leaves its answer under ``llm:answer:{key}`` for a few
seconds; a follower in another process waits for that answer instead of calling Ollama.
Failures are not shared across processes: a follower whose leader failed calls on its own.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import suppress
from typing import Any

from redis.exceptions import RedisError

from storyportal import kv
from storyportal.redis_keys import LLM_ANSWER, LLM_FLIGHT

_lock = threading.Lock()
_flights: dict[str, Future[Any]] = {}
POLL_SECONDS = 0.05


def shared(key: str, call: Callable[[], dict[str, Any]], *, timeout: float) -> tuple[dict[str, Any], bool]:
    """``call()``'s answer, and whether it came from another caller's identical call."""
    with _lock:
        flight = _flights.get(key)
        leader = flight is None
        if leader:
            flight = _flights[key] = Future()
    assert flight is not None
    if not leader:
        return flight.result(timeout=timeout), True
    try:
        answer, borrowed = _across_processes(key, call, timeout)
        flight.set_result(answer)
        return answer, borrowed
    except BaseException as exc:
        flight.set_exception(exc)
        raise
    finally:
        with _lock:
            _flights.pop(key, None)


def _across_processes(key: str, call: Callable[[], dict[str, Any]], timeout: float) -> tuple[dict[str, Any], bool]:
    client = kv.client()
    flight_key, answer_key = LLM_FLIGHT.key(digest=key), LLM_ANSWER.key(digest=key)
    try:
        leading = bool(client.set(flight_key, "1", nx=True, ex=max(int(timeout), 1)))
    except RedisError:
        return call(), False  # no Redis: no sharing, still an answer
    if not leading:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                raw = client.get(answer_key)
                if raw is not None:
                    return json.loads(raw), True
                if not client.exists(flight_key):  # the leader gave up (failed): call ourselves
                    break
            except RedisError:
                break
            time.sleep(POLL_SECONDS)
        return call(), False
    answer: dict[str, Any] | None = None
    try:
        answer = call()
        return answer, False
    finally:
        with suppress(RedisError), client.pipeline(transaction=False) as pipe:
            if answer is not None:
                pipe.set(answer_key, json.dumps(answer), ex=LLM_ANSWER.ttl)
            pipe.delete(flight_key)
            pipe.execute()
