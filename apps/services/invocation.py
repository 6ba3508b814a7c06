"""Invoking a service method (contract: ``POST services/invoke/``; issue 4 point 8).

A call runs in its own transaction with PostgreSQL's ``statement_timeout`` set to what is
left of the method's time limit. A statement that runs over is cancelled by the server; a
method that finishes late is rolled back. Either way the caller gets 504 and nothing the
method wrote stays (its events are never published, as they go out on commit). Every call,
whatever its outcome, is recorded afterwards in ``service_invocations`` with a
``ServiceInvoked`` event.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonschema
from django.db import OperationalError, connection, transaction

from apps.accounts.scopes import WRITE
from apps.events.services import event_append
from apps.services.models import InvocationStatus, Service, ServiceInvocation, service_aggregate_id
from apps.services.registry import Caller, MethodError, MethodSpec, load_catalog
from storyportal.api import actor


class InvocationError(Exception):
    """Why a call did not produce a result; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


class _Overtime(Exception):
    pass


@dataclass(frozen=True)
class Invocation:
    invocation_id: uuid.UUID
    result: Any
    duration_ms: float


def _resolve(service_name: str, method_name: str) -> tuple[Any, MethodSpec]:
    spec = load_catalog().get(service_name)
    if spec is None or not Service.objects.filter(name=service_name, available=True).exists():
        raise InvocationError(404, "not_found", f"No service named {service_name}.")
    method = spec.methods.get(method_name)
    if method is None or spec.implementation is None:
        known = ", ".join(spec.methods)
        raise InvocationError(404, "not_found", f"{service_name} has no method {method_name}; it has {known}.")
    return spec.implementation, method


@lru_cache(maxsize=512)
def _validator(schema_json: str) -> jsonschema.Draft202012Validator:
    """Compiled validators, reused across calls (building one costs more than validating)."""
    return jsonschema.Draft202012Validator(json.loads(schema_json))


def _validate(method: MethodSpec, params: dict[str, Any]) -> None:
    validator = _validator(json.dumps(method.params_schema, sort_keys=True))
    errors = sorted(validator.iter_errors(params), key=str)
    if errors:
        details = {".".join(map(str, e.absolute_path)) or "params": [e.message] for e in errors}
        raise InvocationError(400, "invalid_request", "The params do not match the method's schema.", details)


def _run(implementation: Any, method: MethodSpec, caller: Caller, params: dict[str, Any], timeout: float) -> Any:
    started = time.monotonic()
    nested = connection.in_atomic_block  # inside a caller's transaction (tests): restore after
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(int(timeout * 1000))])
            result = getattr(implementation(), method.name)(caller, **params)
            if time.monotonic() - started > timeout:
                raise _Overtime  # roll back whatever the method did
    finally:
        if nested and connection.in_atomic_block and not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
    return result


def invoke(
    *, service_name: str, method_name: str, params: dict[str, Any], caller: Caller, timeout: float | None = None
) -> Invocation:
    """Validate, authorise, run and record one call."""
    implementation, method = _resolve(service_name, method_name)
    if method.writes and WRITE not in caller.scopes:
        raise InvocationError(403, "permission_denied", f"{service_name}.{method_name} writes: it needs {WRITE}.")
    if method.requires and method.requires not in caller.scopes:
        raise InvocationError(403, "permission_denied", f"{service_name}.{method_name} needs {method.requires}.")
    _validate(method, params)
    limit = timeout if timeout is not None else method.timeout
    started = time.perf_counter()
    status, error, result = InvocationStatus.SUCCEEDED, "", None
    try:
        result = _run(implementation, method, caller, params, limit)
    except MethodError as exc:
        status, error = InvocationStatus.FAILED, exc.message
        failure = InvocationError(exc.status, _code(exc.status), exc.message, exc.details)
    except (_Overtime, OperationalError) as exc:
        if not _timed_out(exc):
            raise
        status, error = InvocationStatus.TIMED_OUT, f"over the {limit:g} s limit"
        failure = InvocationError(504, "timeout", f"{service_name}.{method_name} did not finish within {limit:g} s.")
    except Exception as exc:
        # A bug in a method: record the failed call, then let the 500 handler answer and log it.
        _record(service_name, method_name, caller, params, InvocationStatus.FAILED, type(exc).__name__, 0.0)
        raise
    duration_ms = round((time.perf_counter() - started) * 1000, 2)
    record = _record(service_name, method_name, caller, params, status, error, duration_ms)
    if status != InvocationStatus.SUCCEEDED:
        raise failure
    return Invocation(invocation_id=record.id, result=result, duration_ms=duration_ms)


def _timed_out(exc: Exception) -> bool:
    if isinstance(exc, _Overtime):
        return True
    cause = getattr(exc, "__cause__", None)
    return type(cause).__name__ == "QueryCanceled"


def _code(status: int) -> str:
    return {403: "permission_denied", 404: "not_found", 409: "conflict"}.get(status, "invalid_request")


@transaction.atomic
def _record(
    service_name: str,
    method_name: str,
    caller: Caller,
    params: dict[str, Any],
    status: str,
    error: str,
    duration: float,
) -> ServiceInvocation:
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()
    with connection.cursor() as cursor:
        # The call record is an audit trail, not the change itself: it may commit without
        # waiting for the WAL flush (a crash could lose the last few ms of records, never data).
        cursor.execute("SELECT set_config('synchronous_commit', 'off', true)")
    record = ServiceInvocation.objects.create(
        id=uuid.uuid4(),
        service_name=service_name,
        method=method_name,
        caller=actor.current() or f"user:{caller.user.get_username()}",
        user_id=caller.user.pk,
        params_digest=digest,
        status=status,
        error=error,
        duration_ms=duration,
    )
    event_append(
        aggregate_type="Service",
        aggregate_id=service_aggregate_id(service_name),
        event_type="ServiceInvoked",
        payload={"invocation_id": str(record.id), "method": method_name, "status": status, "duration_ms": duration},
    )
    return record
