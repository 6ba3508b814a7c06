"""Workflow definitions and their versions. ``Workflow`` holds the newest version's
definition; every edit also writes an immutable ``WorkflowVersion`` (runs pin one)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class Workflow(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    steps = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    inputs_schema = models.JSONField(default=dict, blank=True, help_text="JSON Schema of the run inputs.")
    outputs = models.JSONField(default=dict, blank=True, help_text="Output name -> {{ reference }}.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    archived_at = models.DateTimeField(null=True, blank=True, help_text="Deleted: hidden, its runs kept.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "workflows"
        ordering = ["name"]
        constraints = [
            # A deleted (archived) workflow frees its name.
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(archived_at__isnull=True), name="workflow_live_name_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class WorkflowVersion(models.Model):
    """One saved definition of a workflow, never changed afterwards."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    steps = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    inputs_schema = models.JSONField(default=dict, blank=True)
    outputs = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=200, blank=True, default="", help_text="e.g. restored from v2")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "workflow_versions"
        ordering = ["workflow", "-version"]
        constraints = [models.UniqueConstraint(fields=["workflow", "version"], name="workflow_version_uniq")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def definition(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "steps": self.steps,
            "inputs_schema": self.inputs_schema,
            "outputs": self.outputs,
        }
