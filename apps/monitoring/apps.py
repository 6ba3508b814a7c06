from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """Health, metrics and alerts."""

    name = "apps.monitoring"
    label = "monitoring"
    verbose_name = "Health, metrics and alerts"
