from django.apps import AppConfig


class ServicesConfig(AppConfig):
    """Service Hub (L12)."""

    name = "apps.services"
    label = "services"
    verbose_name = "Service Hub (L12)"
