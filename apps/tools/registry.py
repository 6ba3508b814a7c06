"""The tool registry (L03): a tool is a function with a name, a description, JSON Schemas for
its inputs and output, and a time limit. ``load_tools`` imports :mod:`apps.tools.builtin`, whose
modules register the built-in tools with ``@tool``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pkgutil import iter_modules
from typing import Any

ToolFunction = Callable[..., dict[str, Any]]
Redactor = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class ToolContext:
    """Who runs a tool and on whose behalf: passed to every tool function."""

    caller: str  # "user:otto", "key:sp_live_Ab12Cd", "workflow:<id>"...
    idempotency_key: str | None = None
    run_id: uuid.UUID | None = None
    step_run_id: uuid.UUID | None = None


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    params_schema: dict[str, Any]
    result_schema: dict[str, Any]
    timeout: float
    function: ToolFunction
    # What of the inputs may be kept in the execution log (e.g. no Authorization header).
    redact: Redactor | None = None

    def document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "params_schema": self.params_schema,
            "result_schema": self.result_schema,
            "timeout_seconds": self.timeout,
        }

    def loggable(self, inputs: dict[str, Any]) -> dict[str, Any]:
        return self.redact(inputs) if self.redact else inputs


_REGISTRY: dict[str, ToolSpec] = {}


def tool(
    *,
    name: str,
    description: str,
    params: dict[str, Any],
    result: dict[str, Any],
    timeout: float = 30.0,
    redact: Redactor | None = None,
) -> Callable[[ToolFunction], ToolFunction]:
    """Register ``func(ctx: ToolContext, **inputs) -> dict`` as the tool ``name``."""

    def register(func: ToolFunction) -> ToolFunction:
        if name in _REGISTRY and _REGISTRY[name].function is not func:
            raise ValueError(f"two tools are named {name}")
        _REGISTRY[name] = ToolSpec(name, description, params, result, timeout, func, redact)
        return func

    return register


_imported = False


def load_tools() -> dict[str, ToolSpec]:
    """Every registered tool by name, importing the built-in modules on the first call."""
    global _imported
    if not _imported:
        package = import_module("apps.tools.builtin")
        for module in iter_modules(package.__path__):
            import_module(f"{package.__name__}.{module.name}")
        _imported = True
    return dict(sorted(_REGISTRY.items()))
