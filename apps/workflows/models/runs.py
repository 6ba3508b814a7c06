"""Runs of a workflow version and the run of each of its steps."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from apps.workflows.models.definitions import Workflow, WorkflowVersion


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    WAITING = "waiting", "Waiting for approval"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


RUN_FINISHED = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # waiting for the steps it depends on
    QUEUED = "queued", "Queued"  # sent to a worker (or due at next_attempt_at)
    RUNNING = "running", "Running"
    WAITING = "waiting", "Waiting for approval"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"  # its `when` was false
    CANCELLED = "cancelled", "Cancelled"


STEP_FINISHED = (StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.SKIPPED, StepStatus.CANCELLED)


class WorkflowRun(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey(WorkflowVersion, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    inputs = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    outputs = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    error = models.TextField(blank=True, default="")
    trigger = models.CharField(max_length=16, default="manual", help_text="manual, hub, schedule or webhook")
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The scopes the run acts with (its trigger's, at trigger time): steps never exceed them.
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "workflow_runs"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["workflow", "-created_at"], name="runs_workflow_created_idx"),
            models.Index(fields=["finished_at"], name="runs_finished_idx"),  # retention batches
        ]

    def __str__(self) -> str:
        return f"{self.workflow_id} run {self.id} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in RUN_FINISHED


class StepRun(models.Model):
    """A step of a run. ``attempts`` counts attempts that ran to an end (a worker that died
    mid-step does not use one up: the step is recovered and runs the same attempt again)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    run = models.ForeignKey(WorkflowRun, on_delete=models.CASCADE, related_name="steps")
    step_id = models.CharField(max_length=63)
    kind = models.CharField(max_length=16)
    position = models.PositiveSmallIntegerField(help_text="Order in the definition.")
    status = models.CharField(max_length=16, choices=StepStatus.choices, default=StepStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    recoveries = models.PositiveSmallIntegerField(default=0, help_text="Times a dead worker's attempt was rerun.")
    output = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="A retry or a wait is due then.")
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decision_comment = models.CharField(max_length=1000, blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)

    class Meta:
        db_table = "workflow_step_runs"
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "step_id"], name="step_run_uniq")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="step_runs_due_idx"),
            models.Index(fields=["finished_at"], name="step_runs_finished_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.step_id} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        """Of the attempt under way: the same when a dead worker's attempt is rerun, new for
        each retry."""
        return f"{self.run_id}:{self.step_id}:{self.attempts}"
