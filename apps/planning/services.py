"""Writes on workflow drafts: planning one from a goal, fixing it, and deciding on it.

The model's plan is never trusted: it is parsed and validated like any saved workflow, and an
invalid plan is kept as a draft with its ``problems`` for a person to fix. Only a draft that
validates can be accepted, which creates the workflow through the workflow services.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.events.services import event_append
from apps.llm.services import generate
from apps.planning import prompt
from apps.planning.errors import DraftDecided, WorkflowNameTaken
from apps.planning.models import DraftStatus, WorkflowDraft
from apps.workflows.definition import validate
from apps.workflows.errors import DefinitionInvalid
from apps.workflows.selectors import workflow_list
from apps.workflows.services.definitions import workflow_create

USE_CASE = "code"
UPDATABLE_FIELDS = ("name", "description", "steps", "inputs_schema", "outputs")
FALLBACK_NAME = "planned-workflow"


def _person(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def _record(draft: WorkflowDraft, event_type: str, **extra: Any) -> None:
    payload = {
        "id": str(draft.id), "name": draft.name, "status": draft.status, "steps": len(draft.steps),
        "problems": sum(len(found) for found in draft.problems.values()), **extra,
    }  # fmt: skip
    event_append(aggregate_type="WorkflowDraft", aggregate_id=draft.id, event_type=event_type, payload=payload)


def definition_problems(*, steps: Any, inputs_schema: Any, outputs: Any) -> dict[str, list[str]]:
    """What :func:`apps.workflows.definition.validate` finds, by place; empty when valid."""
    try:
        validate(steps=steps, inputs_schema=inputs_schema, outputs=outputs)
    except DefinitionInvalid as exc:
        return {place: list(found) for place, found in (exc.details or {}).items()}
    return {}


def parse_plan(text: str) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The model's answer as a definition, and what was wrong with its shape. Fields of the
    wrong type are left empty so that validation reports them."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        return {}, {"answer": [f"the model's answer is not JSON: {exc}"]}
    if not isinstance(document, dict):
        return {}, {"answer": ["the model's answer is not a JSON object"]}
    kinds = {"name": str, "description": str, "steps": list, "inputs_schema": dict, "outputs": dict}
    plan = {field: value for field, kind in kinds.items() if isinstance(value := document.get(field), kind)}
    return plan, {}


def _name(requested: str | None, planned: Any, goal: str) -> str:
    for candidate in (requested, planned, " ".join(goal.split()[:8])):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()[:100]
    return FALLBACK_NAME


def plan_draft(*, goal: str, user: Any, caller: str, name: str | None = None) -> WorkflowDraft:
    """Ask the code model for a workflow that achieves ``goal`` and keep its answer as a draft
    (with ``problems`` when it does not validate). Ollama's failures propagate (503, 504...).
    The model call runs outside any transaction: no row is locked while it thinks."""
    services, tools = prompt.planning_context()
    answer = generate(
        prompt=prompt.build_prompt(goal=goal, services=services, tools=tools),
        system=prompt.SYSTEM,
        format=prompt.draft_schema(services=services, tools=tools),
        options={"temperature": 0},
        use_case=USE_CASE,
        caller=caller,
        user=user,
    )
    plan, problems = parse_plan(answer.text)
    definition = {
        "steps": plan.get("steps", []), "inputs_schema": plan.get("inputs_schema", {}),
        "outputs": plan.get("outputs", {}),
    }  # fmt: skip
    problems = problems or definition_problems(**definition)
    with transaction.atomic():
        draft = WorkflowDraft.objects.create(
            goal=goal, name=_name(name, plan.get("name"), goal), description=plan.get("description", ""),
            problems=problems, model=answer.model, llm_request_id=answer.request_id, created_by=_person(user),
            **definition,
        )  # fmt: skip
        _record(draft, "WorkflowDrafted", goal=goal[:200], model=draft.model, llm_request_id=answer.request_id)
    return draft


def _lock_open(draft: WorkflowDraft) -> WorkflowDraft:
    locked = WorkflowDraft.objects.select_for_update().get(pk=draft.pk)
    if locked.status != DraftStatus.DRAFT:
        raise DraftDecided(f"The draft was already {locked.status}.", details={"status": locked.status})
    return locked


@transaction.atomic
def draft_update(*, draft: WorkflowDraft, **changes: Any) -> WorkflowDraft:
    """Let a person fix the plan before accepting it; the definition is validated again and
    ``problems`` say what is still wrong (409 once the draft is decided)."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    locked = _lock_open(draft)
    changed = sorted(field for field, value in changes.items() if getattr(locked, field) != value)
    for field in changed:
        setattr(locked, field, changes[field])
    # Validated even when nothing changed: the catalog may have changed since the last check.
    problems = definition_problems(steps=locked.steps, inputs_schema=locked.inputs_schema, outputs=locked.outputs)
    if not changed and problems == locked.problems:
        return locked
    locked.problems = problems
    locked.save()
    _record(locked, "WorkflowDraftUpdated", changed=changed)
    return locked


@transaction.atomic
def draft_accept(*, draft: WorkflowDraft, user: Any, name: str | None = None) -> WorkflowDraft:
    """Create the workflow the draft describes (400 with the problems while it is invalid,
    409 when decided already or when a live workflow has the name)."""
    locked = _lock_open(draft)
    locked.name = (name or locked.name).strip()[:100]
    if workflow_list().filter(name=locked.name).exists():
        raise WorkflowNameTaken(
            f"A workflow named {locked.name} exists; accept the draft under another name.",
            details={"name": ["A workflow with that name exists."]},
        )
    workflow = workflow_create(
        name=locked.name, description=locked.description, steps=locked.steps, inputs_schema=locked.inputs_schema,
        outputs=locked.outputs, user=_person(user),
    )  # fmt: skip
    locked.status, locked.workflow, locked.problems = DraftStatus.ACCEPTED, workflow, {}
    locked.decided_at, locked.decided_by = timezone.now(), _person(user)
    locked.save()
    _record(locked, "WorkflowDraftAccepted", workflow_id=str(workflow.id))
    return locked


@transaction.atomic
def draft_reject(*, draft: WorkflowDraft, user: Any) -> WorkflowDraft:
    """Set the draft aside; it stays readable (409 when decided already)."""
    locked = _lock_open(draft)
    locked.status, locked.decided_at, locked.decided_by = DraftStatus.REJECTED, timezone.now(), _person(user)
    locked.save(update_fields=["status", "decided_at", "decided_by"])
    _record(locked, "WorkflowDraftRejected")
    return locked
