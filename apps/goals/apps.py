from django.apps import AppConfig


class GoalsConfig(AppConfig):
    """Goal tracking (L05/L12)."""

    name = "apps.goals"
    label = "goals"
    verbose_name = "Goal tracking (L05/L12)"
