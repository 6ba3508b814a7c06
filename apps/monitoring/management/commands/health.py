"""``manage.py health``: each dependency's status; exit 1 when the platform is unhealthy."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.monitoring.health.report import readiness


class Command(BaseCommand):
    help = "Check PostgreSQL, Redis, Ollama and the workers; exit 1 if a critical one is down."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the readiness body as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        report = readiness(budget=3.0)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            for dep in report["dependencies"]:
                style = self.style.SUCCESS if dep["status"] == "healthy" else self.style.ERROR
                weight = "critical" if dep["critical"] else "optional"
                line = f"{dep['name']:<10} {style(dep['status']):<20} {dep['latency_ms']:>8.1f} ms  {weight}"
                self.stdout.write(line + (f"  {dep['error']}" if "error" in dep else ""))
            self.stdout.write(f"overall: {report['status']}")
        if report["status"] == "unhealthy":
            raise CommandError("the platform is unhealthy", returncode=1)
