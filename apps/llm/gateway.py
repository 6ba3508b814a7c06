"""The model gateway (L04): every call the platform makes to Ollama goes through ``call``.

It uses the official ``ollama`` client against ``OLLAMA_URL`` with a time limit per call,
and turns what can go wrong into the gateway's errors: Ollama unreachable, failing or timing
out counts against the shared circuit breaker (503 / 504, and 503 at once while it is
open); a model Ollama does not have is a 404 that names it and says how to pull it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeVar

import httpx
import ollama
from django.conf import settings

from apps.llm import breaker
from apps.llm.errors import ModelNotFound, ModelRejected, ModelTimeout, ModelUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")


@lru_cache(maxsize=16)
def _client(host: str, timeout: float) -> ollama.Client:
    # One client (and connection pool) per time limit; httpx clients are thread-safe.
    return ollama.Client(host=host, timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)))


def client(timeout: float) -> ollama.Client:
    return _client(settings.OLLAMA_URL, float(timeout))


def _refuse_while_open() -> bool:
    """Refuse at once while the breaker is open; whether a success must reset it."""
    wait_ms, dirty = breaker.check()
    if wait_ms:
        raise ModelUnavailable(
            f"Ollama at {settings.OLLAMA_URL} keeps failing; calls are refused for {wait_ms / 1000:.0f} s.",
            details={"retry_after_seconds": round(wait_ms / 1000, 1)},
        )
    return dirty


def call(operation: Callable[[ollama.Client], T], *, model: str, timeout: float) -> T:
    """Run one Ollama call through the breaker, mapping its failures to gateway errors."""
    dirty = _refuse_while_open()
    with _mapped(model, timeout):
        result = operation(client(timeout))
    if dirty:
        breaker.record_success()
    return result


def stream(operation: Callable[[ollama.Client], Iterable[T]], *, model: str, timeout: float) -> Iterator[T]:
    """A streamed call (NDJSON chunks) with the same breaker and error mapping; ``timeout``
    bounds the wait for each chunk."""
    dirty = _refuse_while_open()
    with _mapped(model, timeout):
        yield from operation(client(timeout))
    if dirty:
        breaker.record_success()


@contextmanager
def _mapped(model: str, timeout: float) -> Iterator[None]:
    try:
        yield
    except ollama.ResponseError as exc:
        if exc.status_code == 404:
            breaker.record_success()  # Ollama answered: it is up, the model is missing
            raise ModelNotFound(model) from exc
        if exc.status_code >= 500:
            breaker.record_failure()
            raise ModelUnavailable(f"Ollama failed: {exc.error}") from exc
        breaker.record_success()
        raise ModelRejected(f"Ollama refused the request: {exc.error}") from exc
    except httpx.TimeoutException as exc:
        breaker.record_failure()
        raise ModelTimeout(f"Ollama did not answer within {timeout:g} s.") from exc
    except (ConnectionError, httpx.TransportError) as exc:
        breaker.record_failure()
        raise ModelUnavailable(f"Ollama is unreachable at {settings.OLLAMA_URL}.") from exc
