"""The log of tool runs (contract: tool-executions/)."""

from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

__all__ = ["ExecutionStatus", "ToolExecution"]


class ExecutionStatus(models.TextChoices):
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ToolExecution(models.Model):
    """One run of a tool, written by :func:`apps.tools.services.tool_execute` and never changed.
    An idempotency key names at most one execution: a replay with the key returns it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tool = models.CharField(max_length=100)
    inputs = models.JSONField(default=dict, encoder=DjangoJSONEncoder, help_text="Credential headers are redacted.")
    output = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=16, choices=ExecutionStatus.choices)
    error = models.TextField(blank=True, default="")
    duration_ms = models.FloatField()
    caller = models.CharField(max_length=150, help_text="user:<name>, key:<prefix>, workflow:<id>...")
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    run_id = models.UUIDField(null=True, blank=True, db_index=True)
    step_run_id = models.UUIDField(null=True, blank=True)
    # NULL, not "": executions without a key must not collide in the unique constraint.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "tool_executions"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tool", "-created_at"], name="tool_executions_tool_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="tool_executions_idempotency_key_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.tool} {self.status}"

    @property
    def run_path(self) -> str | None:
        """The workflow run this execution was a step of (contract: workflow-runs/)."""
        return f"/api/v1/workflow-runs/{self.run_id}/" if self.run_id else None
