"""``manage.py config``: the effective configuration, where each value came from, secrets masked."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.monitoring.config import effective


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
