"""Workflow draft shapes (``planner/drafts/``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.planning.models import WorkflowDraft


class DraftSerializer(serializers.ModelSerializer[WorkflowDraft]):
    """Output: the proposed definition, its problems (empty when it validates) and the decision."""

    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    valid = serializers.BooleanField(read_only=True)

    class Meta:
        model = WorkflowDraft
        fields = ["id", "goal", "name", "description", "steps", "inputs_schema", "outputs", "status", "valid",
                  "problems", "model", "llm_request_id", "workflow", "created_by", "created_at", "decided_by",
                  "decided_at"]  # fmt: skip
        read_only_fields = fields


class DraftCreateSerializer(serializers.Serializer[Any]):
    goal = serializers.CharField(max_length=4000)
    name = serializers.CharField(max_length=100, required=False)


class DraftUpdateSerializer(serializers.Serializer[Any]):
    """A person's fix of the plan; every field optional (PATCH)."""

    name = serializers.CharField(max_length=100)
    description = serializers.CharField(allow_blank=True, max_length=10_000)
    steps = serializers.ListField(child=serializers.JSONField(), max_length=100)
    inputs_schema = serializers.DictField()
    outputs = serializers.DictField()


class AcceptSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(
        max_length=100, required=False, help_text="The workflow's name (default: the draft's)."
    )
