from typing import Any

from django.apps import AppConfig


class GoalsConfig(AppConfig):
    """Goal tracking (L05/L12)."""

    name = "apps.goals"
    label = "goals"
    verbose_name = "Goal tracking (L05/L12)"

    def ready(self) -> None:
        from apps.workflows.signals import run_finished

        run_finished.connect(_follow_run, dispatch_uid="goals.follow_run")


def _follow_run(sender: Any, run: Any, **kwargs: Any) -> None:
    from apps.goals.services import goals_follow_run
    from apps.workflows.models import RunStatus

    goals_follow_run(workflow_id=run.workflow_id, succeeded=run.status == RunStatus.SUCCEEDED)
