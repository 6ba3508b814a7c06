"""Running tools. Every run is a ``tool_executions`` row and a ``ToolExecuted`` event."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from django.db import IntegrityError, transaction

from apps.events.services import event_append
from apps.tools.errors import ToolError, ToolInputInvalid, ToolNotFound
from apps.tools.models import ExecutionStatus, ToolExecution
from apps.tools.registry import ToolContext, ToolSpec
from apps.tools.selectors import tool_get
from apps.tools.validation import inputs_validate
from storyportal.api.exceptions import Conflict

__all__ = ["ToolError", "ToolInputInvalid", "ToolNotFound", "tool_execute"]

logger = logging.getLogger(__name__)


def tool_execute(
    *,
    name: str,
    inputs: dict[str, Any],
    caller: str,
    user: Any = None,
    run_id: uuid.UUID | None = None,
    step_run_id: uuid.UUID | None = None,
    idempotency_key: str | None = None,
) -> ToolExecution:
    """Run the tool ``name`` and record the run.

    Raises :class:`ToolNotFound` (404) and :class:`ToolInputInvalid` (400; nothing ran, nothing is
    recorded), and :class:`~storyportal.api.exceptions.Conflict` (409) for a key already used
    by another tool. A run that fails is *returned* with status ``failed``: the caller (the
    workflow engine's retry policy) decides what to do. A replay with an idempotency key that
    has an execution returns that execution and does not run the tool again.
    """
    spec = tool_get(name)
    if idempotency_key:
        existing = _existing(idempotency_key, name)
        if existing is not None:
            return existing
    inputs_validate(spec, inputs)
    context = ToolContext(caller=caller, idempotency_key=idempotency_key, run_id=run_id, step_run_id=step_run_id)
    execution = ToolExecution(
        id=uuid.uuid4(), tool=name, inputs=spec.loggable(inputs), caller=caller, user=user,
        run_id=run_id, step_run_id=step_run_id, idempotency_key=idempotency_key or None,
    )  # fmt: skip
    # The tool runs outside any transaction of ours: an HTTP call must not hold a row lock.
    _run(spec, context, inputs, execution)
    try:
        return _record(execution)
    except IntegrityError:
        # Two calls with one key raced and the other recorded first. Both ran the tool (the
        # HTTP tool sent the same Idempotency-Key, so the remote end can tell); one row stays.
        if not idempotency_key:
            raise
        replayed = _existing(idempotency_key, name)
        if replayed is None:
            raise
        return replayed


def _existing(idempotency_key: str, name: str) -> ToolExecution | None:
    execution = ToolExecution.objects.filter(idempotency_key=idempotency_key).first()
    if execution is not None and execution.tool != name:
        raise Conflict(
            f"The idempotency key was used for the tool {execution.tool}.",
            details={"idempotency_key": [f"Already used by execution {execution.id} of {execution.tool}."]},
        )
    return execution


def _run(spec: ToolSpec, context: ToolContext, inputs: dict[str, Any], execution: ToolExecution) -> None:
    """Fill in the execution's outcome. ToolInputInvalid propagates: bad input is not a run."""
    started = time.monotonic()
    try:
        execution.output = spec.function(context, **inputs)
        execution.status = ExecutionStatus.SUCCEEDED
    except ToolError as exc:
        execution.status, execution.error = ExecutionStatus.FAILED, exc.message
    except ToolInputInvalid:
        raise
    except Exception:  # a bug in a tool: the run failed; the traceback goes to the log
        logger.exception("tool %s raised", spec.name)
        execution.status, execution.error = ExecutionStatus.FAILED, "The tool failed unexpectedly; see the server log."
    execution.duration_ms = round((time.monotonic() - started) * 1000, 2)


def _record(execution: ToolExecution) -> ToolExecution:
    """The row and its event in one transaction (a savepoint inside the caller's)."""
    with transaction.atomic():
        execution.save(force_insert=True)
        event_append(
            aggregate_type="ToolExecution",
            aggregate_id=execution.id,
            event_type="ToolExecuted",
            payload={
                "tool": execution.tool,
                "status": execution.status,
                "duration_ms": execution.duration_ms,
                "run_id": str(execution.run_id) if execution.run_id else None,
            },
        )
    return execution
