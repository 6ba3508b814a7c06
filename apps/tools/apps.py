from django.apps import AppConfig


class ToolsConfig(AppConfig):
    """Tool execution (L03): registered tools with JSON Schema inputs, and their executions."""

    name = "apps.tools"
    label = "tools"
    verbose_name = "Tool execution (L03)"
