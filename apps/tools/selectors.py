"""Reads on tools and their executions."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from apps.tools.errors import ToolNotFound
from apps.tools.models import ToolExecution
from apps.tools.registry import ToolSpec, load_tools


def tool_list() -> list[ToolSpec]:
    return list(load_tools().values())


def tool_get(name: str) -> ToolSpec:
    spec = load_tools().get(name)
    if spec is None:
        raise ToolNotFound(f"No tool named {name}; the tools are {', '.join(load_tools())}.")
    return spec


def tool_execution_list(
    *, tool: str | None = None, status: str | None = None, run_id: uuid.UUID | str | None = None
) -> QuerySet[ToolExecution]:
    """Executions, newest first, optionally of one tool, status or workflow run."""
    executions = ToolExecution.objects.all()
    if tool:
        executions = executions.filter(tool=tool)
    if status:
        executions = executions.filter(status=status)
    if run_id:
        executions = executions.filter(run_id=run_id)
    return executions
