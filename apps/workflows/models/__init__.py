"""Workflows (contract: workflows/, workflow-runs/): versioned definitions and their runs."""

from apps.workflows.models.definitions import Workflow, WorkflowVersion
from apps.workflows.models.runs import RunStatus, StepRun, StepStatus, WorkflowRun
from apps.workflows.models.triggers import WebhookTrigger, WorkflowSchedule

__all__ = [
    "RunStatus", "StepRun", "StepStatus", "WebhookTrigger", "Workflow", "WorkflowRun", "WorkflowSchedule",
    "WorkflowVersion",
]  # fmt: skip
