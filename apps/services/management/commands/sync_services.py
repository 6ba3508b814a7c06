"""``manage.py sync_services``: write the service registry in code to the catalog table."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from apps.services.services import catalog_sync


class Command(BaseCommand):
    help = "Sync the service catalog (the services table) with the services registered in code."

    def handle(self, *args: Any, **options: Any) -> None:
        result = catalog_sync()
        self.stdout.write(
            f"services: {len(result.created)} new, {len(result.changed)} changed, "
            f"{len(result.removed)} removed, {result.unchanged} unchanged"
        )
        for label, names in (("new", result.created), ("changed", result.changed), ("removed", result.removed)):
            for name in names:
                self.stdout.write(f"  {label}: {name}")
