from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ServicesConfig(AppConfig):
    """Service Hub (L12): the service registry, its catalog table, discovery."""

    name = "apps.services"
    label = "services"
    verbose_name = "Service Hub (L12)"

    def ready(self) -> None:
        from apps.monitoring.health import startup
        from apps.services.selectors import catalog_in_sync

        startup.register("service catalog synced", catalog_in_sync)
        post_migrate.connect(_sync_after_migrate, sender=self, dispatch_uid="services.sync_after_migrate")


def _sync_after_migrate(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """`migrate` leaves the catalog in step with the code (the contract's startup condition)."""
    from apps.services.services import catalog_sync

    catalog_sync()
