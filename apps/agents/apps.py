from django.apps import AppConfig


class AgentsConfig(AppConfig):
    """Agent registry (L01/L02)."""

    name = "apps.agents"
    label = "agents"
    verbose_name = "Agent registry (L01/L02)"
