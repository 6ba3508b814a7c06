from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Integration (L11): outbound webhooks, signed and retried."""

    name = "apps.integrations"
    label = "integrations"
    verbose_name = "Integration (L11)"
