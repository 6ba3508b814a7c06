"""Tool and execution shapes (contract: tools/, tool-executions/)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.tools.models import ToolExecution


class ToolExecutionSerializer(serializers.ModelSerializer[ToolExecution]):
    # Not an enum in the schema: a second "status" enum collides with the agents' in the
    # generated names (drf-spectacular warns) unless ENUM_NAME_OVERRIDES names both.
    status = serializers.CharField(read_only=True, help_text="succeeded or failed")
    run = serializers.SerializerMethodField(help_text="The workflow run this execution was a step of.")

    class Meta:
        model = ToolExecution
        fields = [
            "id", "tool", "inputs", "output", "status", "error", "duration_ms", "caller", "run_id", "step_run_id",
            "idempotency_key", "created_at", "run",
        ]  # fmt: skip
        read_only_fields = fields

    def get_run(self, execution: ToolExecution) -> str | None:
        return execution.run_path


class ToolExecuteSerializer(serializers.Serializer[Any]):
    """Input of ``POST tools/{name}/execute/``; the inputs are checked against the tool's schema."""

    inputs = serializers.DictField(required=False, default=dict)
    idempotency_key = serializers.CharField(max_length=200, required=False, allow_null=True, default=None)
