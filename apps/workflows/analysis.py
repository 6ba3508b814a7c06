"""The shape of a workflow definition: which steps can run side by side, its longest chain
of dependencies, and what it calls. Works on definitions that are not valid too (it is how
one finds out what is wrong): malformed steps and unknown dependencies are left out, and
steps on a cycle are reported instead of being placed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class StepGraph:
    # stages[n]: the steps whose longest path from a step without dependencies has n edges;
    # every step of a stage can run once the stages before it are done.
    stages: list[list[str]]
    longest_chain: list[str]
    on_cycle: list[str] = field(default_factory=list)


def _dependencies(steps: Any) -> dict[str, list[str]]:
    """Step id -> the ids it depends on, for the well-formed steps, in definition order."""
    found: dict[str, list[str]] = {}
    for step in steps if isinstance(steps, list) else []:
        if isinstance(step, dict) and isinstance(step.get("id"), str) and step["id"] not in found:
            depends_on = step.get("depends_on", [])
            found[step["id"]] = [d for d in depends_on if isinstance(d, str)] if isinstance(depends_on, list) else []
    return {step_id: [d for d in deps if d in found and d != step_id] for step_id, deps in found.items()}


def step_graph(steps: Any) -> StepGraph:
    deps = _dependencies(steps)
    level: dict[str, int] = {}
    via: dict[str, str | None] = {}  # the dependency on the longest path to each step
    pending = list(deps)
    while pending:
        ready = [s for s in pending if all(d in level for d in deps[s])]
        if not ready:
            break  # what is left is on a cycle or depends on one
        for step_id in ready:
            before = max(deps[step_id], key=lambda d: level[d], default=None)
            level[step_id] = 0 if before is None else level[before] + 1
            via[step_id] = before
        pending = [s for s in pending if s not in level]
    stages: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for step_id, n in level.items():
        stages[n].append(step_id)
    return StepGraph(stages=stages, longest_chain=_chain(level, via), on_cycle=pending)


def _chain(level: dict[str, int], via: dict[str, str | None]) -> list[str]:
    if not level:
        return []
    last: str | None = max(level, key=lambda s: level[s])  # the first deepest, in definition order
    chain: list[str] = []
    while last is not None:
        chain.append(last)
        last = via[last]
    return chain[::-1]


def _model(step: dict[str, Any]) -> str | None:
    """The model an llm step names, or the one its use case is routed to."""
    if isinstance(step.get("model"), str) and step["model"]:
        return str(step["model"])
    use_case = step.get("use_case", "chat")
    routed = settings.LLM_MODELS.get(use_case) if isinstance(use_case, str) else None
    return str(routed) if routed else None


def step_uses(steps: Any) -> dict[str, Any]:
    """The service methods, tools and models the steps call, and how many ask for approval."""
    services, tools, models, approvals = set(), set(), set(), 0
    for step in steps if isinstance(steps, list) else []:
        if not isinstance(step, dict):
            continue
        kind = step.get("kind")
        if kind == "service" and isinstance(step.get("service"), str):
            services.add(f"{step['service']}.{step.get('method')}")
        elif kind == "tool" and isinstance(step.get("tool"), str):
            tools.add(step["tool"])
        elif kind == "llm" and (model := _model(step)):
            models.add(model)
        elif kind == "approval":
            approvals += 1
    return {"services": sorted(services), "tools": sorted(tools), "models": sorted(models), "approvals": approvals}
