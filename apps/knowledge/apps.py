from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    """Knowledge (L01): collections of texts, chunked and embedded for semantic search."""

    name = "apps.knowledge"
    label = "knowledge"
    verbose_name = "Knowledge (L01)"
