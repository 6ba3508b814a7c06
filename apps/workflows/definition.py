"""Validating a workflow definition on save (issue 5 point 1): every problem is reported with
the step it is in, and nothing invalid is stored.

A step is ``{"id", "kind", "depends_on": [...], "when"?, "retry"?, "timeout_seconds"?, ...}``
with the fields of its kind (``KIND_FIELDS``). ``depends_on`` must name earlier-declared or
later steps of the same workflow without forming a cycle; references may only read the
inputs and steps the step (transitively) depends on.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, TypeGuard

import jsonschema

from apps.services.registry import load_catalog
from apps.tools.registry import load_tools
from apps.workflows import references
from apps.workflows.errors import DefinitionInvalid

KINDS = ("service", "tool", "llm", "approval", "condition", "wait")
STEP_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
COMMON = {"id", "kind", "depends_on", "when", "retry", "timeout_seconds", "name"}
KIND_FIELDS = {
    "service": {"service", "method", "params"},
    "tool": {"tool", "inputs"},
    "llm": {"prompt", "system", "model", "use_case", "options", "format"},
    "approval": {"message", "timeout_seconds"},
    "condition": {"expression"},
    "wait": {"seconds"},
}
MAX_STEPS = 100
MAX_ATTEMPTS = 10


class _Problems:
    def __init__(self) -> None:
        self.by_place: dict[str, list[str]] = defaultdict(list)

    def add(self, place: str, message: str) -> None:
        self.by_place[place].append(message)

    def raise_if_any(self) -> None:
        if self.by_place:
            first_place, first = next(iter(self.by_place.items()))
            raise DefinitionInvalid(f"The workflow is invalid: {first_place}: {first[0]}", details=dict(self.by_place))


def validate(*, steps: Any, inputs_schema: Any, outputs: Any) -> None:
    """Raise :class:`DefinitionInvalid` (400, details by ``steps.<id>``) unless valid."""
    problems = _Problems()
    if not isinstance(steps, list) or not steps:
        problems.add("steps", "must be a non-empty list of steps")
        problems.raise_if_any()
    if len(steps) > MAX_STEPS:
        problems.add("steps", f"at most {MAX_STEPS} steps")
    _check_inputs_schema(inputs_schema, problems)
    ids = _check_ids(steps, problems)
    problems.raise_if_any()
    for step in steps:
        _check_step(step, ids, problems)
    problems.raise_if_any()
    order = _order(steps, problems)
    problems.raise_if_any()
    ancestors = _ancestors(steps, order)
    for step in steps:
        _check_references(step, ancestors[step["id"]], problems)
    _check_outputs(outputs, set(ids), problems)
    problems.raise_if_any()


def _check_inputs_schema(schema: Any, problems: _Problems) -> None:
    if not isinstance(schema, dict):
        problems.add("inputs_schema", "must be a JSON Schema object")
        return
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        problems.add("inputs_schema", f"is not a valid JSON Schema: {exc.message}")
    if any(not ref.startswith("#") for ref in _refs(schema)):
        problems.add("inputs_schema", "may only $ref within itself (#/...); remote references are not fetched")


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["$ref"]] if isinstance(value.get("$ref"), str) else []
        return own + [ref for item in value.values() for ref in _refs(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _refs(item)]
    return []


def _check_ids(steps: list[Any], problems: _Problems) -> list[str]:
    ids: list[str] = []
    for index, step in enumerate(steps):
        place = f"steps[{index}]"
        if not isinstance(step, dict):
            problems.add(place, "must be an object")
            continue
        step_id = step.get("id")
        if not isinstance(step_id, str) or not STEP_ID.match(step_id):
            problems.add(place, "id must be lower-case letters, digits and _ (starting with a letter)")
        elif step_id in ids:
            problems.add(f"steps.{step_id}", "id is used by another step")
        else:
            ids.append(step_id)
    return ids


def _check_step(step: dict[str, Any], ids: list[str], problems: _Problems) -> None:
    place = f"steps.{step['id']}"
    kind = step.get("kind")
    if kind not in KINDS:
        problems.add(place, f"kind must be one of {', '.join(KINDS)}")
        return
    unknown = set(step) - COMMON - KIND_FIELDS[kind]
    if unknown:
        problems.add(place, f"unknown fields for a {kind} step: {', '.join(sorted(unknown))}")
    depends_on = step.get("depends_on", [])
    if not isinstance(depends_on, list) or not all(isinstance(d, str) for d in depends_on):
        problems.add(place, "depends_on must be a list of step ids")
    else:
        for dep in depends_on:
            if dep not in ids:
                problems.add(place, f"depends on {dep!r}, which is not a step of this workflow")
            elif dep == step["id"]:
                problems.add(place, "depends on itself")
    _check_policy(step, place, problems)
    KIND_CHECKS[kind](step, place, problems)


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_policy(step: dict[str, Any], place: str, problems: _Problems) -> None:
    retry = step.get("retry")
    if retry is not None:
        if not isinstance(retry, dict) or set(retry) - {"max_attempts", "backoff_seconds", "backoff_factor"}:
            problems.add(place, "retry takes max_attempts, backoff_seconds and backoff_factor")
        else:
            attempts = retry.get("max_attempts", 1)
            if not isinstance(attempts, int) or not 1 <= attempts <= MAX_ATTEMPTS:
                problems.add(place, f"retry.max_attempts must be 1..{MAX_ATTEMPTS}")
            for key, top in (("backoff_seconds", 3600), ("backoff_factor", 10)):
                value = retry.get(key, 1)
                if not _number(value) or not 0 <= value <= top:
                    problems.add(place, f"retry.{key} must be a number from 0 to {top}")
    timeout = step.get("timeout_seconds")
    if timeout is not None and (
        not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 < timeout <= 86400
    ):
        problems.add(place, "timeout_seconds must be a number above 0, at most 86400")
    when = step.get("when")
    if when is not None and not isinstance(when, str):
        problems.add(place, "when must be a JMESPath expression (a string)")


def _check_service(step: dict[str, Any], place: str, problems: _Problems) -> None:
    catalog = load_catalog()
    name, method = step.get("service"), step.get("method")
    spec = catalog.get(name) if isinstance(name, str) else None
    if spec is None:
        problems.add(place, f"unknown service {name!r}")
    elif method not in spec.methods:
        problems.add(place, f"{name} has no method {method!r}; it has {', '.join(spec.methods)}")
    if not isinstance(step.get("params", {}), dict):
        problems.add(place, "params must be an object")


def _check_tool(step: dict[str, Any], place: str, problems: _Problems) -> None:
    name = step.get("tool")
    if not isinstance(name, str) or name not in load_tools():
        problems.add(place, f"unknown tool {name!r}; tools: {', '.join(sorted(load_tools()))}")
    if not isinstance(step.get("inputs", {}), dict):
        problems.add(place, "inputs must be an object")


def _check_llm(step: dict[str, Any], place: str, problems: _Problems) -> None:
    prompt = step.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip() or len(prompt) > 200_000:
        problems.add(place, "an llm step needs a prompt (text, at most 200 000 characters)")
    if step.get("use_case", "chat") not in ("chat", "code", "runtime"):
        problems.add(place, "use_case must be chat, code or runtime")
    for key in ("model", "system"):
        if key in step and not isinstance(step[key], str):
            problems.add(place, f"{key} must be text")
    if "options" in step and not isinstance(step["options"], dict):
        problems.add(place, "options must be an object")
    if "format" in step and step["format"] != "json" and not isinstance(step["format"], dict):
        problems.add(place, 'format must be "json" or a JSON Schema object')


def _check_approval(step: dict[str, Any], place: str, problems: _Problems) -> None:
    message = step.get("message", "")
    if not isinstance(message, str) or len(message) > 2000:
        problems.add(place, "message must be text of at most 2000 characters")


def _check_condition(step: dict[str, Any], place: str, problems: _Problems) -> None:
    if not isinstance(step.get("expression"), str) or not step["expression"].strip():
        problems.add(place, "a condition needs an expression (JMESPath)")


def _check_wait(step: dict[str, Any], place: str, problems: _Problems) -> None:
    seconds = step.get("seconds")
    if not _number(seconds) or not 0 <= seconds <= 86400:
        problems.add(place, "seconds must be a number from 0 to 86400")


KIND_CHECKS = {
    "service": _check_service,
    "tool": _check_tool,
    "llm": _check_llm,
    "approval": _check_approval,
    "condition": _check_condition,
    "wait": _check_wait,
}


def _order(steps: list[dict[str, Any]], problems: _Problems) -> list[str]:
    """Topological order (Kahn); a cycle is reported with the steps on it."""
    deps = {step["id"]: list(step.get("depends_on", [])) for step in steps}
    indegree = {step_id: len(parents) for step_id, parents in deps.items()}
    children: dict[str, list[str]] = defaultdict(list)
    for step_id, parents in deps.items():
        for parent in parents:
            children[parent].append(step_id)
    ready = [step_id for step_id, n in indegree.items() if n == 0]
    order: list[str] = []
    while ready:
        current = ready.pop(0)
        order.append(current)
        for child in children[current]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    stuck = [step_id for step_id in deps if step_id not in order]
    if stuck:
        problems.add(f"steps.{stuck[0]}", f"depends_on forms a cycle among {', '.join(stuck)}")
    return order


def _ancestors(steps: list[dict[str, Any]], order: list[str]) -> dict[str, set[str]]:
    deps = {step["id"]: step.get("depends_on", []) for step in steps}
    found: dict[str, set[str]] = {}
    for step_id in order:
        found[step_id] = set(deps[step_id]).union(*(found[d] for d in deps[step_id]))
    return found


def _check_references(step: dict[str, Any], ancestors: set[str], problems: _Problems) -> None:
    place = f"steps.{step['id']}"
    found: list[tuple[str, bool]] = [
        (e, False)
        for e in references.expressions(
            {key: value for key, value in step.items() if key in ("params", "inputs", "message", "prompt", "system")}
        )
    ]
    found += [(step[key], True) for key in ("when", "expression") if isinstance(step.get(key), str)]
    for expression, bare in found:
        try:
            read = references.referenced_steps(expression, bare=bare)
        except references.InvalidReference as exc:
            problems.add(place, str(exc))
            continue
        for name in sorted(read - ancestors):
            problems.add(place, f"{expression!r} reads step {name!r}, which it does not depend on")


def _check_outputs(outputs: Any, ids: set[str], problems: _Problems) -> None:
    if not isinstance(outputs, dict):
        problems.add("outputs", "must be an object of name -> {{ reference }}")
        return
    for name, value in outputs.items():
        for expression in references.expressions(value):
            try:
                read = references.referenced_steps(expression)
            except references.InvalidReference as exc:
                problems.add(f"outputs.{name}", str(exc))
                continue
            for step_name in sorted(read - ids):
                problems.add(f"outputs.{name}", f"reads step {step_name!r}, which is not a step of this workflow")
