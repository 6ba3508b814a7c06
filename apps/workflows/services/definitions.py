"""Saving workflow definitions: every edit is a new version; old versions stay readable and
can be restored as the newest."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.events.services import event_append
from apps.workflows.definition import validate
from apps.workflows.errors import VersionNotFound
from apps.workflows.models import Workflow, WorkflowVersion

DEFINITION_FIELDS = ("name", "description", "steps", "inputs_schema", "outputs")


def _snapshot(workflow: Workflow, *, user: Any, note: str = "") -> WorkflowVersion:
    return WorkflowVersion.objects.create(
        workflow=workflow,
        version=workflow.version,
        name=workflow.name,
        description=workflow.description,
        steps=workflow.steps,
        inputs_schema=workflow.inputs_schema,
        outputs=workflow.outputs,
        note=note,
        created_by=user if getattr(user, "pk", None) else None,
    )


def _record(workflow: Workflow, event_type: str, **extra: Any) -> None:
    payload = {"id": str(workflow.id), "name": workflow.name, "version": workflow.version, **extra}
    event_append(aggregate_type="Workflow", aggregate_id=workflow.id, event_type=event_type, payload=payload)


@transaction.atomic
def workflow_create(
    *,
    name: str,
    steps: list[dict[str, Any]],
    description: str = "",
    inputs_schema: dict[str, Any] | None = None,
    outputs: dict[str, Any] | None = None,
    user: Any = None,
) -> Workflow:
    inputs_schema, outputs = inputs_schema or {}, outputs or {}
    validate(steps=steps, inputs_schema=inputs_schema, outputs=outputs)
    workflow = Workflow.objects.create(
        name=name,
        description=description,
        steps=steps,
        inputs_schema=inputs_schema,
        outputs=outputs,
        created_by=user if getattr(user, "pk", None) else None,
    )
    _snapshot(workflow, user=user)
    _record(workflow, "WorkflowCreated", steps=len(steps))
    return workflow


@transaction.atomic
def workflow_update(*, workflow: Workflow, user: Any = None, note: str = "", **changes: Any) -> Workflow:
    """Save a new version with ``changes``; a change of nothing saves nothing."""
    unknown = set(changes) - set(DEFINITION_FIELDS)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    locked = Workflow.objects.select_for_update().get(pk=workflow.pk)
    changed = sorted(field for field, value in changes.items() if getattr(locked, field) != value)
    if not changed:
        return locked
    for field in changed:
        setattr(locked, field, changes[field])
    validate(steps=locked.steps, inputs_schema=locked.inputs_schema, outputs=locked.outputs)
    locked.version += 1
    locked.save()
    _snapshot(locked, user=user, note=note)
    _record(locked, "WorkflowUpdated", changed=changed, note=note)
    return locked


def workflow_restore(*, workflow: Workflow, version: int, user: Any = None) -> Workflow:
    """Make an old version's definition the newest version (a new version number)."""
    old = WorkflowVersion.objects.filter(workflow=workflow, version=version).first()
    if old is None:
        raise VersionNotFound(f"{workflow.name} has no version {version}.")
    definition = {field: getattr(old, field) for field in DEFINITION_FIELDS}
    return workflow_update(workflow=workflow, user=user, note=f"restored from v{version}", **definition)


@transaction.atomic
def workflow_archive(*, workflow: Workflow) -> None:
    """Delete for users: hidden from lists and no new runs, its runs and versions kept."""
    locked = Workflow.objects.select_for_update().get(pk=workflow.pk)
    if locked.archived_at is None:
        locked.archived_at = timezone.now()
        locked.save(update_fields=["archived_at", "updated_at"])
        _record(locked, "WorkflowDeleted")
