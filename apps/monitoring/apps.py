from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """Health, metrics and alerts."""

    name = "apps.monitoring"
    label = "monitoring"
    verbose_name = "Health, metrics and alerts"

    def ready(self) -> None:
        from apps.monitoring.receivers import count_finished_run
        from apps.workflows.signals import run_finished

        run_finished.connect(count_finished_run, dispatch_uid="monitoring.count_finished_run")
