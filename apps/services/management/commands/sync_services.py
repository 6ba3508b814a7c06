"""``manage.py sync_services``: write the service registry in code to the catalog table."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.llm.errors import ModelGatewayError
from apps.services.embeddings import catalog_embed
from apps.services.services import catalog_sync


class Command(BaseCommand):
    help = "Sync the service catalog (the services table) with the services registered in code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-embed", action="store_true", help="Do not compute the embeddings semantic search uses."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = catalog_sync()
        self.stdout.write(
            f"services: {len(result.created)} new, {len(result.changed)} changed, "
            f"{len(result.removed)} removed, {result.unchanged} unchanged"
        )
        for label, names in (("new", result.created), ("changed", result.changed), ("removed", result.removed)):
            for name in names:
                self.stdout.write(f"  {label}: {name}")
        if not options["no_embed"]:
            self._embed()

    def _embed(self) -> None:
        try:
            embedded = catalog_embed()
        except ModelGatewayError as exc:
            self.stdout.write(f"embeddings: skipped, semantic search waits for Ollama ({exc.message})")
            return
        self.stdout.write(
            f"embeddings ({embedded.model}): {len(embedded.embedded)} computed, {embedded.current} current"
        )
