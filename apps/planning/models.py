"""Workflow drafts: what the planner proposed for a goal, and what a person decided."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from apps.workflows.models import Workflow

__all__ = ["DraftStatus", "WorkflowDraft"]


class DraftStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class WorkflowDraft(models.Model):
    """A workflow definition the planner proposed for ``goal``. ``problems`` holds the
    validation details (by place, as a workflow save reports them) while the definition is
    invalid; only a valid draft can be accepted, which creates ``workflow``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    goal = models.TextField()
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    steps = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    inputs_schema = models.JSONField(default=dict, blank=True)
    outputs = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=DraftStatus.choices, default=DraftStatus.DRAFT, db_index=True)
    problems = models.JSONField(default=dict, blank=True, help_text="Place -> problems; empty when valid.")
    model = models.CharField(max_length=200, blank=True, default="")
    llm_request_id = models.UUIDField(null=True, blank=True, help_text="The llm_requests row of the planning call.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    workflow = models.ForeignKey(Workflow, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "workflow_drafts"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

    @property
    def valid(self) -> bool:
        return not self.problems
