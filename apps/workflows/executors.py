"""What each kind of step does when a worker runs it. Service and tool steps act with the
run's trigger and scopes; their database writes are part of the step's transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from apps.accounts.scopes import WRITE
from apps.llm.errors import ModelGatewayError
from apps.llm.services import generate
from apps.services.invocation import InvocationError, invoke
from apps.services.registry import Caller
from apps.tools.errors import ToolInputInvalid, ToolNotFound
from apps.tools.services import tool_execute
from apps.workflows import references
from apps.workflows.models import StepRun

# The Caller.client of calls made by workflow steps (services can refuse them, e.g. approvals).
WORKFLOW_CLIENT = "workflow-run:"


class StepFailure(Exception):
    """The step did not succeed; ``retryable`` says whether another attempt could."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message, self.retryable = message, retryable


def _caller(step: StepRun) -> Caller:
    user = step.run.triggered_by
    if user is None or not user.is_active:
        raise StepFailure("the user who started this run is no longer active", retryable=False)
    return Caller(user=user, scopes=frozenset(step.run.scopes), client=f"{WORKFLOW_CLIENT}{step.run_id}")


def _render(value: Any, context: dict[str, Any]) -> Any:
    try:
        return references.render(value, context)
    except references.InvalidReference as exc:
        raise StepFailure(str(exc), retryable=False) from exc


def run_service(step: StepRun, spec: dict[str, Any], context: dict[str, Any]) -> Any:
    params = _render(spec.get("params", {}), context)
    try:
        call = invoke(
            service_name=spec["service"],
            method_name=spec["method"],
            params=params,
            caller=_caller(step),
            timeout=spec.get("timeout_seconds"),
        )
    except InvocationError as exc:
        # The caller's mistakes (4xx) fail the same way every time; outages and timeouts may not.
        raise StepFailure(f"{exc.status} {exc.message}", retryable=exc.status >= 500) from exc
    return call.result


def run_tool(step: StepRun, spec: dict[str, Any], context: dict[str, Any]) -> Any:
    inputs = _render(spec.get("inputs", {}), context)
    user = _caller(step).user
    if WRITE not in step.run.scopes:  # tools reach outside: like the tools API, they need write
        raise StepFailure(f"tool steps need {WRITE}, which this run does not have", retryable=False)
    try:
        execution = tool_execute(
            name=spec["tool"],
            inputs=inputs,
            caller=f"workflow-run:{step.run_id}",
            user=user,
            run_id=step.run_id,
            step_run_id=step.id,
            idempotency_key=step.idempotency_key,
        )
    except (ToolNotFound, ToolInputInvalid) as exc:
        raise StepFailure(exc.message, retryable=False) from exc
    if execution.status != "succeeded":
        raise StepFailure(execution.error, retryable=True)
    return execution.output


def run_llm(step: StepRun, spec: dict[str, Any], context: dict[str, Any]) -> Any:
    """A prompt template (with references) through the model gateway; with a ``format`` the
    answer is also parsed as JSON (``output.json``)."""
    caller = _caller(step)
    prompt = _render(spec["prompt"], context)
    system = _render(spec.get("system"), context) if spec.get("system") else None
    try:
        answer = generate(
            prompt=prompt if isinstance(prompt, str) else json.dumps(prompt), system=system,
            caller=f"{WORKFLOW_CLIENT}{step.run_id}", user=caller.user, model=spec.get("model"),
            use_case=spec.get("use_case", "chat"), format=spec.get("format"), options=spec.get("options"),
            timeout=spec.get("timeout_seconds"),
        )  # fmt: skip
    except ModelGatewayError as exc:
        raise StepFailure(f"{exc.status_code} {exc.message}", retryable=exc.status_code >= 500) from exc
    output: dict[str, Any] = {
        "response": answer.text, "model": answer.model, "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens, "request_id": answer.request_id,
    }  # fmt: skip
    if spec.get("format"):
        try:
            output["json"] = json.loads(answer.text)
        except ValueError as exc:
            raise StepFailure(f"the model's answer is not the JSON asked for: {exc}", retryable=True) from exc
    return output


def run_wait(step: StepRun, spec: dict[str, Any], context: dict[str, Any]) -> Any:
    return {"waited_seconds": spec["seconds"]}


EXECUTORS: dict[str, Callable[[StepRun, dict[str, Any], dict[str, Any]], Any]] = {
    "service": run_service,
    "tool": run_tool,
    "wait": run_wait,
    "llm": run_llm,
}
