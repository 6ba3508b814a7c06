"""``manage.py version``: platform, Python, Django and key library versions."""

from __future__ import annotations

import platform
from importlib.metadata import version
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Show the Story Portal version and the versions it runs on."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Story Portal {settings.VERSION}")
        self.stdout.write(f"python {platform.python_version()}")
        for package in ("django", "djangorestframework", "channels", "celery", "psycopg", "redis", "ollama"):
            self.stdout.write(f"{package} {version(package)}")
