"""Reads shaped for the control-center pages (the API's selectors stay in ``selectors``)."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from apps.workflows import selectors
from apps.workflows.models import Workflow, WorkflowRun


def workflow_rows() -> QuerySet[Workflow]:
    """Live workflows, each with the status and id of its newest run (None without runs)."""
    newest = WorkflowRun.objects.filter(workflow=OuterRef("pk")).order_by("-created_at")
    return selectors.workflow_list().annotate(
        last_run_status=Subquery(newest.values("status")[:1]),
        last_run_id=Subquery(newest.values("id")[:1]),
    )
