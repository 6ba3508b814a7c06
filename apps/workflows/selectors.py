"""Reads on workflows and runs."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.workflows.models import StepRun, StepStatus, WebhookTrigger, Workflow, WorkflowRun, WorkflowVersion


def workflow_list() -> QuerySet[Workflow]:
    """Workflows not deleted (archived)."""
    return Workflow.objects.filter(archived_at__isnull=True)


def workflow_versions(workflow: Workflow) -> QuerySet[WorkflowVersion]:
    return WorkflowVersion.objects.filter(workflow=workflow).select_related("created_by").order_by("-version")


def run_list() -> QuerySet[WorkflowRun]:
    return WorkflowRun.objects.select_related("workflow", "version", "triggered_by")


def run_detail_list() -> QuerySet[WorkflowRun]:
    return run_list().prefetch_related("steps__decided_by")


def waiting_approvals() -> QuerySet[StepRun]:
    return (
        StepRun.objects.filter(kind="approval", status=StepStatus.WAITING)
        .select_related("run__workflow")
        .order_by("started_at")
    )


def webhook_list(*, workflow: Workflow | None = None) -> QuerySet[WebhookTrigger]:
    """Inbound webhook triggers of workflows not deleted (of one workflow if given), oldest first."""
    triggers = WebhookTrigger.objects.filter(workflow__archived_at__isnull=True).select_related(
        "workflow", "created_by"
    )
    triggers = triggers.filter(workflow=workflow) if workflow is not None else triggers
    return triggers.order_by("created_at")
