"""L01 AgentRegistry and L02 AgentRuntime: the agent registry as services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from apps.agents import selectors, services
from apps.agents.models import LAYER_CODES, Agent, AgentStatus
from apps.services.catalog.schemas import LIMIT, UUID, obj
from apps.services.registry import Caller, MethodError, method, service

AGENT = obj(
    {
        "id": UUID, "name": {"type": "string"}, "layer": {"type": "string"}, "status": {"type": "string"},
        "description": {"type": "string"}, "capabilities": {"type": "array", "items": {"type": "string"}},
    },
    "id", "name", "layer", "status",
)  # fmt: skip
AGENT_ID = obj({"id": UUID}, "id")


def _agent(agent: Agent) -> dict[str, Any]:
    return {
        "id": str(agent.id), "name": agent.name, "layer": agent.layer, "status": agent.status,
        "description": agent.description, "capabilities": agent.capabilities,
    }  # fmt: skip


def _get(agent_id: str) -> Agent:
    agent = selectors.agent_list().filter(pk=agent_id).first()
    if agent is None:
        raise MethodError(404, f"No agent with id {agent_id}.")
    return agent


@service(name="AgentRegistry", layer="L01", description="Register, find and describe agents.")
class AgentRegistry:
    @method(
        description="List agents, optionally by status or layer.",
        params=obj({"status": {"enum": [*AgentStatus.values]}, "layer": {"enum": [*LAYER_CODES]}, "limit": LIMIT}),
        result=obj({"count": {"type": "integer"}, "agents": {"type": "array", "items": AGENT}}, "count", "agents"),
    )
    def list(
        self, caller: Caller, status: str | None = None, layer: str | None = None, limit: int = 20
    ) -> dict[str, Any]:
        agents = selectors.agent_list()
        if status:
            agents = agents.filter(status=status)
        if layer:
            agents = agents.filter(layer=layer)
        return {"count": agents.count(), "agents": [_agent(a) for a in agents[:limit]]}

    @method(description="One agent by id.", params=AGENT_ID, result=AGENT)
    def get(self, caller: Caller, id: str) -> dict[str, Any]:
        return _agent(_get(id))

    @method(
        description="Register a new agent (it starts registered).",
        params=obj(
            {
                "name": {"type": "string", "minLength": 1, "maxLength": 100},
                "layer": {"enum": [*LAYER_CODES]},
                "description": {"type": "string", "maxLength": 5000},
                "capabilities": {"type": "array", "items": {"type": "string", "maxLength": 100}, "maxItems": 100},
            },
            "name",
            "layer",
        ),
        result=AGENT,
        writes=True,
    )
    def create(
        self, caller: Caller, name: str, layer: str, description: str = "", capabilities: Sequence[str] | None = None
    ) -> dict[str, Any]:
        if selectors.agent_list().filter(name=name).exists():
            raise MethodError(409, f"An agent named {name} exists.")
        agent = services.agent_create(
            name=name, layer=layer, description=description, capabilities=[*(capabilities or [])]
        )
        return _agent(agent)


def _move(action: str, agent_id: str) -> dict[str, Any]:
    return _agent(services.agent_transition(agent=_get(agent_id), action=action))


@service(name="AgentRuntime", layer="L02", description="Move agents through their lifecycle: activate, pause, retire.")
class AgentRuntime:
    @method(description="registered or paused -> active.", params=AGENT_ID, result=AGENT, writes=True)
    def activate(self, caller: Caller, id: str) -> dict[str, Any]:
        return _move("activate", id)

    @method(description="active -> paused.", params=AGENT_ID, result=AGENT, writes=True)
    def pause(self, caller: Caller, id: str) -> dict[str, Any]:
        return _move("pause", id)

    @method(description="Anything but retired -> retired.", params=AGENT_ID, result=AGENT, writes=True)
    def retire(self, caller: Caller, id: str) -> dict[str, Any]:
        return _move("retire", id)
