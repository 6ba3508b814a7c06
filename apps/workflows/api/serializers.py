"""Workflow shapes (contract: workflows/, workflow-runs/)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.workflows.models import StepRun, Workflow, WorkflowRun, WorkflowVersion


class WorkflowSerializer(serializers.ModelSerializer[Workflow]):
    """Output, and input for create and update (each saved change is a new ``version``)."""

    steps = serializers.ListField(child=serializers.JSONField(), min_length=1, max_length=100)
    inputs_schema = serializers.DictField(required=False, default=dict)
    outputs = serializers.DictField(required=False, default=dict)

    class Meta:
        model = Workflow
        fields = [
            "id",
            "name",
            "description",
            "version",
            "steps",
            "inputs_schema",
            "outputs",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "version", "created_at", "updated_at"]

    def validate_name(self, value: str) -> str:
        taken = Workflow.objects.filter(name=value, archived_at__isnull=True)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("A workflow with that name exists.")
        return value


class WorkflowVersionSerializer(serializers.ModelSerializer[WorkflowVersion]):
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WorkflowVersion
        fields = ["version", "name", "description", "steps", "inputs_schema", "outputs", "note", "created_by",
                  "created_at"]  # fmt: skip


class RestoreSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(min_value=1)


class ExecuteSerializer(serializers.Serializer[Any]):
    inputs = serializers.DictField(required=False, default=dict)


class DecisionSerializer(serializers.Serializer[Any]):
    step_id = serializers.CharField(max_length=63)
    comment = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)


class StepRunSerializer(serializers.ModelSerializer[StepRun]):
    decided_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = StepRun
        fields = ["step_id", "kind", "status", "attempts", "recoveries", "output", "error", "started_at",
                  "finished_at", "duration_ms", "next_attempt_at", "decided_by", "decision_comment"]  # fmt: skip


class WorkflowRunSerializer(serializers.ModelSerializer[WorkflowRun]):
    workflow_name = serializers.CharField(source="workflow.name", read_only=True)
    version = serializers.IntegerField(source="version.version", read_only=True)
    triggered_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = WorkflowRun
        fields = ["id", "workflow", "workflow_name", "version", "status", "progress", "trigger", "triggered_by",
                  "inputs", "outputs", "error", "created_at", "started_at", "finished_at"]  # fmt: skip


class WorkflowRunDetailSerializer(WorkflowRunSerializer):
    steps = StepRunSerializer(many=True, read_only=True)

    class Meta(WorkflowRunSerializer.Meta):
        fields = [*WorkflowRunSerializer.Meta.fields, "steps"]
