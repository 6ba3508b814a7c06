"""L03 ToolRegistry and ToolExecutor: the tools (``apps.tools``) as hub services."""

from __future__ import annotations

from typing import Any

from apps.services.catalog.schemas import UUID, obj
from apps.services.registry import Caller, method, service
from apps.tools import selectors, services
from apps.tools.models import ToolExecution
from storyportal.api import actor

TOOL_NAME = {"type": "string", "minLength": 1, "maxLength": 100}
TOOL = obj(
    {
        "name": {"type": "string"}, "description": {"type": "string"}, "params_schema": {"type": "object"},
        "result_schema": {"type": "object"}, "timeout_seconds": {"type": "number"},
    },
    "name", "description", "params_schema", "result_schema", "timeout_seconds",
)  # fmt: skip
EXECUTION = obj(
    {
        "id": UUID, "tool": {"type": "string"}, "status": {"enum": ["succeeded", "failed"]}, "output": {},
        "error": {"type": "string"}, "duration_ms": {"type": "number"}, "idempotency_key": {"type": ["string", "null"]},
        "run": {"type": ["string", "null"]},
    },
    "id", "tool", "status", "output", "error", "duration_ms",
)  # fmt: skip


def _execution(execution: ToolExecution) -> dict[str, Any]:
    return {
        "id": str(execution.id), "tool": execution.tool, "status": execution.status, "output": execution.output,
        "error": execution.error, "duration_ms": execution.duration_ms, "idempotency_key": execution.idempotency_key,
        "run": execution.run_path,
    }  # fmt: skip


@service(name="ToolRegistry", layer="L03", description="List and describe the tools agents and workflows can run.")
class ToolRegistry:
    @method(
        description="Every tool with its input and output schemas.",
        result=obj({"count": {"type": "integer"}, "tools": {"type": "array", "items": TOOL}}, "count", "tools"),
    )
    def list(self, caller: Caller) -> dict[str, Any]:
        tools = [spec.document() for spec in selectors.tool_list()]
        return {"count": len(tools), "tools": tools}

    @method(description="One tool by name.", params=obj({"name": TOOL_NAME}, "name"), result=TOOL)
    def describe(self, caller: Caller, name: str) -> dict[str, Any]:
        return selectors.tool_get(name).document()


@service(name="ToolExecutor", layer="L03", description="Run a tool; every run is recorded in tool_executions.")
class ToolExecutor:
    @method(
        description=(
            "Run a tool with inputs matching its params_schema. A run that fails is a result with "
            "status failed; a replay with the same idempotency_key returns the first run."
        ),
        params=obj(
            {
                "tool": TOOL_NAME,
                "inputs": {"type": "object", "default": {}},
                "idempotency_key": {"type": "string", "minLength": 1, "maxLength": 200},
            },
            "tool",
        ),
        result=EXECUTION,
        writes=True,
        timeout=300,
    )
    def execute(
        self, caller: Caller, tool: str, inputs: dict[str, Any] | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        execution = services.tool_execute(
            name=tool,
            inputs=inputs or {},
            caller=actor.current() or f"user:{caller.user.get_username()}",
            user=caller.user,
            idempotency_key=idempotency_key,
        )
        return _execution(execution)
