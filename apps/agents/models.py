"""The agent registry (contract: agents/; spec 3.1)."""

from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from apps.monitoring.health.layers import LAYERS

__all__ = ["LAYER_CODES", "Agent", "AgentStatus"]

# The platform's eleven layers (the spec has no L08), from the one layer registry.
LAYER_CODES = tuple(layer.code for layer in LAYERS)


class AgentStatus(models.TextChoices):
    REGISTERED = "registered", "Registered"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    RETIRED = "retired", "Retired"
    ERROR = "error", "Error"


class Agent(models.Model):
    """An AI agent the platform knows about. It starts ``registered``; its status moves only
    through :func:`apps.agents.services.agent_transition`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")
    layer = models.CharField(max_length=3, choices=[(code, code) for code in LAYER_CODES], db_index=True)
    status = models.CharField(max_length=16, choices=AgentStatus.choices, default=AgentStatus.REGISTERED, db_index=True)
    config = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    capabilities = models.JSONField(default=list, blank=True)
    status_reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "agents"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
