"""``manage.py config``: the effective configuration, where each value came from, secrets masked."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from storyportal import conf

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


def mask_url(url: str) -> str:
    """Hide a password inside a URL."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":********@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _source(name: str) -> str:
    if name in os.environ.get("STORYPORTAL_EMBEDDED", "").split(","):
        return "embedded server"
    return conf.source_of(name) or "default"


def effective() -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for name in PLAIN:
        value = conf.get(name, getattr(settings, name, None))
        shown = mask_url(str(value)) if value and name.endswith("_URL") else value
        rows[name] = {"value": shown, "source": _source(name)}
    for name in SECRETS:
        rows[name] = {"value": "********" if conf.get(name) else None, "source": conf.source_of(name) or "unset"}
    rows["DEBUG"] = {"value": settings.DEBUG, "source": "settings"}
    return rows


class Command(BaseCommand):
    help = "Show the effective configuration (environment > .env > config.yaml > defaults); secrets masked."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = effective()
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, default=str))
            return
        for name, row in rows.items():
            self.stdout.write(f"{name:<28} {row['value']!s:<60} ({row['source']})")
