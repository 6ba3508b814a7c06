"""Writes on agents. Each records its event in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.agents import lifecycle
from apps.agents.models import Agent
from apps.events.services import event_append
from storyportal.api.exceptions import Conflict

UPDATABLE_FIELDS = ("name", "description", "layer", "config", "capabilities")


def _public(agent: Agent) -> dict[str, Any]:
    return {
        "id": str(agent.id),
        "name": agent.name,
        "layer": agent.layer,
        "status": agent.status,
        "capabilities": agent.capabilities,
    }


def _record(agent: Agent, event_type: str, **extra: Any) -> None:
    event_append(
        aggregate_type="Agent", aggregate_id=agent.id, event_type=event_type, payload={**_public(agent), **extra}
    )


@transaction.atomic
def agent_create(
    *,
    name: str,
    layer: str,
    description: str = "",
    config: dict[str, Any] | None = None,
    capabilities: list[str] | None = None,
) -> Agent:
    """Register an agent; it starts ``registered``."""
    agent = Agent.objects.create(
        name=name, layer=layer, description=description, config=config or {}, capabilities=capabilities or []
    )
    _record(agent, "AgentCreated", description=description, config=agent.config)
    return agent


@transaction.atomic
def agent_update(*, agent: Agent, **changes: Any) -> Agent:
    """Change an agent's definition (not its status). Records ``AgentUpdated`` with the
    fields that really changed; a change of nothing records nothing."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    locked = Agent.objects.select_for_update().get(pk=agent.pk)
    changed = sorted(field for field, value in changes.items() if getattr(locked, field) != value)
    if not changed:
        return locked
    for field in changed:
        setattr(locked, field, changes[field])
    locked.save()
    _record(locked, "AgentUpdated", changed=changed)
    return locked


@transaction.atomic
def agent_transition(*, agent: Agent, action: str, reason: str = "") -> Agent:
    """Move an agent through its lifecycle (409 for a move the lifecycle does not allow).

    The row is locked first, so two concurrent moves of one agent apply one after the other
    and the second is judged on the status the first left.
    """
    locked = Agent.objects.select_for_update().get(pk=agent.pk)
    destination = lifecycle.target(action, locked.status)
    if destination is None:
        raise Conflict(
            f"An agent that is {locked.status} cannot {action}.",
            details={"status": locked.status, "allowed": lifecycle.allowed_actions(locked.status)},
        )
    previous = locked.status
    locked.status = destination
    locked.status_reason = reason
    locked.save(update_fields=["status", "status_reason", "updated_at"])
    _record(locked, lifecycle.EVENT_TYPES[action], previous_status=previous, reason=reason)
    return locked


def agent_fail(*, agent: Agent, reason: str) -> Agent:
    """The runtime reports that a live agent broke: it goes to ``error`` with the reason."""
    return agent_transition(agent=agent, action="fail", reason=reason)


@transaction.atomic
def agent_delete(*, agent: Agent) -> None:
    """Remove an agent from the registry; its history stays in the event store."""
    _record(agent, "AgentDeleted")
    agent.delete()
