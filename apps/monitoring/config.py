"""The effective configuration, sanitised: what ``manage.py config`` prints and the
ConfigInspector service returns. Secrets are reported as set or unset, never shown, and a
password inside a URL is masked."""

from __future__ import annotations

import os
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from storyportal import conf

MASK = "********"
SECRETS = (
    "DJANGO_SECRET_KEY",
    "JWT_PRIVATE_KEY",
    "JWT_PUBLIC_KEY",
    "API_KEY_SALT",
    "DATABASE_PASSWORD",
    "DJANGO_SUPERUSER_PASSWORD",
    "METRICS_TOKEN",
)
PLAIN = (
    "DATABASE_URL",
    "REDIS_URL",
    "OLLAMA_URL",
    "ALLOWED_HOSTS",
    "CORS_ALLOWED_ORIGINS",
    "PORT",
    "DJANGO_DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_SUPERUSER_USERNAME",
    "LOG_LEVEL",
    "REDIS_DB_OFFSET",
)
# The rows of :func:`effective`, grouped for readers who want one part.
SECTIONS: dict[str, tuple[str, ...]] = {
    "connections": ("DATABASE_URL", "REDIS_URL", "REDIS_DB_OFFSET", "OLLAMA_URL"),
    "http": ("ALLOWED_HOSTS", "CORS_ALLOWED_ORIGINS", "PORT"),
    "runtime": ("DEBUG", "DJANGO_DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_SUPERUSER_USERNAME", "LOG_LEVEL"),
    "secrets": SECRETS,
}


def mask_url(url: str) -> str:
    """Hide a password inside a URL."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", f":{MASK}@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _source(name: str) -> str:
    if name in os.environ.get("STORYPORTAL_EMBEDDED", "").split(","):
        return "embedded server"
    return conf.source_of(name) or "default"


def effective() -> dict[str, dict[str, Any]]:
    """Each setting's value and where it came from (environment > .env > config.yaml > default)."""
    rows: dict[str, dict[str, Any]] = {}
    for name in PLAIN:
        value = conf.get(name, getattr(settings, name, None))
        shown = mask_url(str(value)) if value and name.endswith("_URL") else value
        rows[name] = {"value": shown, "source": _source(name)}
    for name in SECRETS:
        rows[name] = {"value": MASK if conf.get(name) else None, "source": conf.source_of(name) or "unset"}
    rows["DEBUG"] = {"value": settings.DEBUG, "source": "settings"}
    return rows


def effective_sections(section: str | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """:func:`effective` grouped by :data:`SECTIONS`, or only the one named."""
    rows = effective()
    chosen = [section] if section else list(SECTIONS)
    return {name: {key: rows[key] for key in SECTIONS[name]} for name in chosen}


def limits() -> dict[str, Any]:
    """The limits the platform enforces: rates, sizes, time limits, retention and model routing."""
    return {
        "throttle_rates": dict(cast(dict[str, str], settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])),
        "max_request_body_bytes": settings.MAX_REQUEST_BODY_BYTES,
        "retention_days": {
            "workflow_runs": settings.WORKFLOW_RUN_RETENTION_DAYS,
            "workflow_outputs": settings.WORKFLOW_OUTPUT_RETENTION_DAYS,
        },
        "llm": {
            "routing": dict(settings.LLM_MODELS),
            "timeout_seconds": settings.LLM_TIMEOUT_SECONDS,
            "embed_timeout_seconds": settings.LLM_EMBED_TIMEOUT_SECONDS,
            "embedding_cache_seconds": settings.LLM_EMBEDDING_CACHE_SECONDS,
            "breaker": {
                "failures": settings.LLM_BREAKER_FAILURES,
                "window_seconds": settings.LLM_BREAKER_WINDOW_SECONDS,
                "cooldown_seconds": settings.LLM_BREAKER_COOLDOWN_SECONDS,
            },
        },
        "tools": {
            "http_allowed_hosts": list(settings.TOOLS_HTTP_ALLOWED_HOSTS),
            "http_timeout_seconds": settings.TOOLS_HTTP_TIMEOUT_SECONDS,
            "http_max_bytes": settings.TOOLS_HTTP_MAX_BYTES,
        },
        "webhooks": {
            "timeout_seconds": settings.WEBHOOK_TIMEOUT_SECONDS,
            "max_attempts": settings.WEBHOOK_MAX_ATTEMPTS,
            "retry_base_seconds": settings.WEBHOOK_RETRY_BASE_SECONDS,
        },
        "workflows": {
            "step_recovery_seconds": settings.WORKFLOW_STEP_RECOVERY_SECONDS,
            "lost_step_seconds": settings.WORKFLOW_LOST_STEP_SECONDS,
        },
        "tasks": {
            "soft_time_limit_seconds": settings.CELERY_TASK_SOFT_TIME_LIMIT,
            "time_limit_seconds": settings.CELERY_TASK_TIME_LIMIT,
        },
        "service_search": {
            "embed_timeout_ms": settings.SERVICE_SEARCH_EMBED_TIMEOUT_MS,
            "min_similarity": settings.SERVICE_SEARCH_MIN_SIMILARITY,
        },
        "health": {
            "check_budget_seconds": settings.HEALTH_CHECK_BUDGET_SECONDS,
            "cache_seconds": settings.HEALTH_CACHE_SECONDS,
        },
    }
