"""Reads on agents."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.agents.models import Agent
from apps.events.models import Event


def agent_list() -> QuerySet[Agent]:
    return Agent.objects.all()


def agent_logs(*, agent: Agent) -> QuerySet[Event]:
    """The agent's events, newest first (contract: agents/{id}/logs/)."""
    return Event.objects.filter(aggregate_id=agent.id).order_by("-sequence_number")
