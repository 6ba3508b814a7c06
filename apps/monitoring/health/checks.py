"""One probe per dependency. Each raises on failure and has its own tight timeout, so a
hung dependency ties up a pool thread for at most about a second."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.conf import settings
from django.db import connections
from ollama import Client as OllamaClient

from storyportal.celery import app as celery_app


@dataclass(frozen=True)
class Check:
    """A named probe. ``critical`` is its weight for the platform's own readiness;
    ``ttl`` how long a result may be reused; ``failure`` the message readiness shows."""

    name: str
    probe: Callable[[], None]
    critical: bool
    ttl: float
    failure: str


def probe_postgres() -> None:
    """Open, query, close: a pool thread keeps no connection that could go stale or keep a
    database busy (a held connection blocks DROP DATABASE in tests and restores)."""
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()


@lru_cache(maxsize=8)
def _redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


def probe_redis() -> None:
    _redis_client(settings.REDIS_URL or "").ping()


def probe_ollama() -> None:
    OllamaClient(host=settings.OLLAMA_URL, timeout=1.0).list()


def probe_workers() -> None:
    if not celery_app.control.ping(timeout=0.5, limit=1):
        raise RuntimeError("no Celery worker answered")


CHECKS: dict[str, Check] = {
    check.name: check
    for check in (
        Check("postgres", probe_postgres, critical=True, ttl=1.5, failure="Database connection failed"),
        Check("redis", probe_redis, critical=True, ttl=1.5, failure="Redis connection failed"),
        Check("ollama", probe_ollama, critical=False, ttl=3.0, failure="Ollama is not reachable"),
        Check("workers", probe_workers, critical=False, ttl=5.0, failure="No Celery worker is running"),
    )
}
