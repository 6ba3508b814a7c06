"""Agent shapes (contract: agents/)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from apps.agents.models import LAYER_CODES, Agent


class AgentSerializer(serializers.ModelSerializer[Agent]):
    """Output, and input for create and update (status is read-only: use the lifecycle)."""

    name = serializers.CharField(
        max_length=100,
        validators=[UniqueValidator(queryset=Agent.objects.all(), message="An agent with that name exists.")],
    )
    layer = serializers.ChoiceField(choices=LAYER_CODES)
    config = serializers.DictField(required=False, default=dict)
    capabilities = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=100
    )

    class Meta:
        model = Agent
        fields = [
            "id", "name", "description", "layer", "status", "status_reason", "config", "capabilities",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "status", "status_reason", "created_at", "updated_at"]
