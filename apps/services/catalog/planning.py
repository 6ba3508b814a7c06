"""L05 Planner: workflow drafts proposed by a model from a goal, as a service."""

from __future__ import annotations

from typing import Any

from apps.planning import selectors, services
from apps.planning.models import DraftStatus, WorkflowDraft
from apps.services.catalog.schemas import LIMIT, UUID, obj
from apps.services.registry import Caller, method, service
from storyportal.api import actor

DRAFT = obj(
    {"id": UUID, "goal": {"type": "string"}, "name": {"type": "string"}, "status": {"type": "string"},
     "valid": {"type": "boolean"}, "problems": {"type": "object"}, "steps": {"type": "array"},
     "inputs_schema": {"type": "object"}, "outputs": {"type": "object"}, "workflow_id": {"type": ["string", "null"]}},
    "id", "name", "status", "valid",
)  # fmt: skip


def _draft(draft: WorkflowDraft, *, definition: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(draft.id), "goal": draft.goal, "name": draft.name, "status": draft.status, "valid": draft.valid,
        "problems": draft.problems, "workflow_id": str(draft.workflow_id) if draft.workflow_id else None,
    }  # fmt: skip
    if definition:
        body.update(steps=draft.steps, inputs_schema=draft.inputs_schema, outputs=draft.outputs)
    return body


def caller_label(caller: Caller) -> str:
    return actor.current() or caller.client or f"user:{caller.user.get_username()}"


@service(
    name="Planner",
    layer="L05",
    description="Drafts a workflow from a goal with the code model; a person fixes and accepts the draft.",
    dependencies=("postgres", "ollama"),
)
class Planner:
    @method(
        description="Plan a workflow for a goal; returns the draft with any problems to fix before accepting it.",
        params=obj(
            {
                "goal": {"type": "string", "minLength": 1, "maxLength": 4000},
                "name": {"type": "string", "minLength": 1, "maxLength": 100},
            },
            "goal",
        ),
        result=DRAFT,
        writes=True,
        timeout=180,
    )
    def draft(self, caller: Caller, goal: str, name: str | None = None) -> dict[str, Any]:
        made = services.plan_draft(goal=goal, name=name, user=caller.user, caller=caller_label(caller))
        return _draft(made)

    @method(
        description="Workflow drafts, newest first, optionally by status.",
        params=obj({"status": {"enum": list(DraftStatus.values)}, "limit": LIMIT}),
        result=obj({"count": {"type": "integer"}, "drafts": {"type": "array"}}, "count", "drafts"),
    )
    def drafts(self, caller: Caller, status: str | None = None, limit: int = 20) -> dict[str, Any]:
        found = selectors.draft_list(status=status)
        return {"count": found.count(), "drafts": [_draft(d, definition=False) for d in found[:limit]]}
