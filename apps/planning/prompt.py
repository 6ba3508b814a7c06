"""What the planner asks the model: the goal, the hub's services and tools, the step format,
and the JSON Schema its answer must follow (Ollama structured output)."""

from __future__ import annotations

from typing import Any

from apps.services.models import Service
from apps.services.selectors import service_list
from apps.tools.registry import ToolSpec, load_tools
from apps.workflows.definition import KINDS

MAX_PLANNED_STEPS = 30
DESCRIPTION_CHARS = 120
# The catalog can be long; a small model's context is not. Past this much text, services are
# left out (and the prompt says how many) rather than the goal being pushed out of context.
CATALOG_BUDGET = 12_000

SYSTEM = (
    "You design workflows for Story Portal, a control plane for AI agents. You answer with one JSON "
    "object and nothing else, using only the services, methods and tools you are given."
)

STEP_FORMAT = """Step format:
- Every step has "id" (lower-case letters, digits and _, starting with a letter; unique), "kind",
  "depends_on" (the ids of the steps it needs; [] for none), and may have "name" and "when" (a bare
  JMESPath expression; a false value skips the step).
- service: "service" and "method" from the hub services below, "params" (an object).
- tool: "tool" from the tools below, "inputs" (an object).
- llm: "prompt" (text), optionally "use_case" (chat, code or runtime).
- approval: "message" for the person who decides, optionally "timeout_seconds".
- condition: "expression" (bare JMESPath, e.g. steps.agents.output.count > `0`).
- wait: "seconds" (0 to 86400).
References: inside params, inputs, prompt and message, "{{ inputs.<name> }}" reads a run input and
"{{ steps.<id>.output.<field> }}" the output of a step; a step may only read steps it depends on,
directly or through other steps. A service step's output is the method's result.
"inputs_schema" is a JSON Schema (type object) of the run's inputs; "outputs" maps an output name
to a reference such as "{{ steps.<id>.output }}"."""


def _trim(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _signature(name: str, params_schema: dict[str, Any]) -> str:
    """``list(status?, layer?, limit?)``: the params a method or tool takes, ? when optional."""
    properties = params_schema.get("properties") or {}
    required = set(params_schema.get("required") or [])
    names = [key if key in required else f"{key}?" for key in properties]
    return f"{name}({', '.join(names)})"


def _service_lines(service: Service) -> list[str]:
    lines = [f"- {service.name}: {_trim(service.description)}"]
    for method in service.methods:
        signature = _signature(method["name"], method.get("params_schema") or {})
        lines.append(f"    {signature}: {_trim(method.get('description', ''))}")
    return lines


def _catalog_text(services: list[Service]) -> str:
    lines: list[str] = []
    used = 0
    for index, service in enumerate(services):
        block = _service_lines(service)
        size = sum(len(line) + 1 for line in block)
        if used + size > CATALOG_BUDGET:
            lines.append(f"- ... {len(services) - index} more services not shown")
            break
        lines += block
        used += size
    return "\n".join(lines) or "- (none)"


def _tool_text(tools: dict[str, ToolSpec]) -> str:
    lines = [f"- {_signature(name, spec.params_schema)}: {_trim(spec.description)}" for name, spec in tools.items()]
    return "\n".join(lines) or "- (none)"


def build_prompt(*, goal: str, services: list[Service], tools: dict[str, ToolSpec]) -> str:
    return "\n\n".join(
        [
            "Plan a workflow that achieves the goal below. Answer with a JSON object with "
            '"name", "description", "inputs_schema", "steps" and "outputs".',
            STEP_FORMAT,
            f"Hub services (methods with their params; ? marks an optional one):\n{_catalog_text(services)}",
            f"Tools (with their inputs):\n{_tool_text(tools)}",
            f"Goal:\n{goal}",
        ]
    )


def _choice(values: list[str]) -> dict[str, Any]:
    """An enum keeps the model to names that exist; an empty one would allow nothing."""
    return {"type": "string", "enum": values} if values else {"type": "string"}


def _step(kind: str, fields: dict[str, Any], *required: str) -> dict[str, Any]:
    common = {
        "id": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
        "kind": {"const": kind},
        "name": {"type": "string", "maxLength": 100},
        "depends_on": {"type": "array", "items": {"type": "string"}},
        "when": {"type": "string"},
    }
    return {
        "type": "object",
        "properties": {**common, **fields},
        "required": ["id", "kind", "depends_on", *required],
        "additionalProperties": False,
    }


def draft_schema(*, services: list[Service], tools: dict[str, ToolSpec]) -> dict[str, Any]:
    """The JSON Schema of the planner's answer: a workflow definition whose steps are one of
    the step kinds, with service, method and tool names limited to those that exist."""
    methods = sorted({method["name"] for service in services for method in service.methods})
    text = {"type": "string"}
    by_kind = {
        "service": _step(
            "service",
            {"service": _choice([s.name for s in services]), "method": _choice(methods), "params": {"type": "object"}},
            "service", "method", "params",
        ),
        "tool": _step("tool", {"tool": _choice(list(tools)), "inputs": {"type": "object"}}, "tool", "inputs"),
        "llm": _step("llm", {"prompt": text, "use_case": {"enum": ["chat", "code", "runtime"]}}, "prompt"),
        "approval": _step(
            "approval", {"message": text, "timeout_seconds": {"type": "integer", "minimum": 1, "maximum": 86400}},
            "message",
        ),
        "condition": _step("condition", {"expression": text}, "expression"),
        "wait": _step("wait", {"seconds": {"type": "integer", "minimum": 0, "maximum": 86400}}, "seconds"),
    }  # fmt: skip
    return {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 100},
            "description": text,
            "inputs_schema": {"type": "object"},
            "steps": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_PLANNED_STEPS,
                "items": {"anyOf": [by_kind[kind] for kind in KINDS]},
            },
            "outputs": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "required": ["name", "description", "inputs_schema", "steps", "outputs"],
        "additionalProperties": False,
    }


def planning_context() -> tuple[list[Service], dict[str, ToolSpec]]:
    """The services the catalog lists and the registered tools, as the planner offers them."""
    return list(service_list().order_by("layer", "name")), load_tools()
