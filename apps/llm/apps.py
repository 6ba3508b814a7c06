from django.apps import AppConfig


class LlmConfig(AppConfig):
    """Model gateway (L04): the one way the platform talks to Ollama."""

    name = "apps.llm"
    label = "llm"
    verbose_name = "Model gateway (L04)"
