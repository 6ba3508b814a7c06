from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    """Workflows and tool execution (L02/L03/L05/L11)."""

    name = "apps.workflows"
    label = "workflows"
    verbose_name = "Workflows and tool execution (L02/L03/L05/L11)"
