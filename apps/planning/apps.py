from django.apps import AppConfig


class PlanningConfig(AppConfig):
    """The planner (L05): workflow drafts a model proposes from a goal, for a person to accept."""

    name = "apps.planning"
    label = "planning"
    verbose_name = "Planner (L05)"
