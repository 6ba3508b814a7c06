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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonschema
from django.db import OperationalError, connection, transaction

from apps.accounts.scopes import WRITE
from apps.events.services import event_append
from apps.services.metrics import invocation_observe
from apps.services.models import InvocationStatus, Service, ServiceInvocation, service_aggregate_id
from apps.services.registry import Caller, MethodError, MethodSpec, load_catalog
from storyportal.api import actor
from storyportal.api.errors import default_code
from storyportal.api.exceptions import DomainError


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


_AVAILABLE_TTL = 10.0  # seconds a worker trusts its copy of the catalog's availability
_available: tuple[float, frozenset[str]] = (0.0, frozenset())


def available_names() -> frozenset[str]:
    """Names of the services the catalog lists, read from the database at most every
    ``_AVAILABLE_TTL`` seconds per process (the catalog changes only when code is deployed)."""
    global _available
    read_at, names = _available
    if time.monotonic() - read_at > _AVAILABLE_TTL:
        names = frozenset(Service.objects.filter(available=True).values_list("name", flat=True))
        _available = (time.monotonic(), names)
    return names


def forget_availability() -> None:
    global _available
    _available = (0.0, frozenset())


def _resolve(service_name: str, method_name: str) -> tuple[Any, MethodSpec]:
    spec = load_catalog().get(service_name)
    if spec is None or service_name not in available_names():
        raise InvocationError(404, "not_found", f"No service named {service_name}.")
    method = spec.methods.get(method_name)
    if method is None or spec.implementation is None:
        known = ", ".join(spec.methods)
        raise InvocationError(404, "not_found", f"{service_name} has no method {method_name}; it has {known}.")
    return spec.implementation, method


def authorize(*, service_name: str, method_name: str, scopes: frozenset[str]) -> tuple[Any, MethodSpec]:
    """The implementation and spec of a method these scopes may call: 404 for an unknown
    service or method, 403 for a writing one without write scope or a missing ``requires``."""
    implementation, method = _resolve(service_name, method_name)
    if method.writes and WRITE not in scopes:
        raise InvocationError(403, "permission_denied", f"{service_name}.{method_name} writes: it needs {WRITE}.")
    if method.requires and method.requires not in scopes:
        raise InvocationError(403, "permission_denied", f"{service_name}.{method_name} needs {method.requires}.")
    return implementation, method


@lru_cache(maxsize=512)
def _validator(schema_json: str) -> jsonschema.Draft202012Validator:
    """Compiled validators, reused across calls (building one costs more than validating)."""
    # Formats are checked too: a "uuid" param that is not one is a 400, never a 500 later.
    return jsonschema.Draft202012Validator(
        json.loads(schema_json), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def validate_params(method: MethodSpec, params: dict[str, Any]) -> None:
    """400 unless the params fit the method's JSON Schema."""
    validator = _validator(json.dumps(method.params_schema, sort_keys=True))
    errors = sorted(validator.iter_errors(params), key=str)
    if errors:
        details = {".".join(map(str, e.absolute_path)) or "params": [e.message] for e in errors}
        raise InvocationError(400, "invalid_request", "The params do not match the method's schema.", details)


@dataclass(frozen=True)
class _Call:
    """One call being made: what the record of it needs."""

    invocation_id: uuid.UUID
    service_name: str
    method: MethodSpec
    caller: Caller
    params: dict[str, Any]
    started: float


@contextmanager
def _limited(timeout: float, *, durable: bool) -> Iterator[None]:
    """A transaction whose statements are bounded by what is left of the time limit; one
    that only reads may commit (its call record) without waiting for the WAL flush."""
    nested = connection.in_atomic_block  # inside a caller's transaction (tests): restore after
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true), set_config('synchronous_commit', %s, true)",
                    [str(max(int(timeout * 1000), 1)), "on" if durable else "off"],
                )
            yield
    finally:
        if nested and connection.in_atomic_block and not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
                cursor.execute("SET LOCAL synchronous_commit TO DEFAULT")


def _run(implementation: Any, call: _Call, timeout: float) -> Any:
    """Run the method and record its success in one transaction: one commit per call."""
    with _limited(timeout, durable=call.method.writes):
        result = getattr(implementation(), call.method.name)(call.caller, **call.params)
        if time.monotonic() - call.started > timeout:
            raise _Overtime  # roll back whatever the method did
        _record(call, InvocationStatus.SUCCEEDED, "")
    return result


def invoke(
    *, service_name: str, method_name: str, params: dict[str, Any], caller: Caller, timeout: float | None = None
) -> Invocation:
    """Validate, authorise, run and record one call."""
    implementation, method = authorize(service_name=service_name, method_name=method_name, scopes=caller.scopes)
    validate_params(method, params)
    limit = timeout if timeout is not None else method.timeout
    call = _Call(uuid.uuid4(), service_name, method, caller, params, time.monotonic())
    try:
        result = _run(implementation, call, limit)
    except MethodError as exc:
        _record_alone(call, InvocationStatus.FAILED, exc.message)
        raise InvocationError(exc.status, _code(exc.status), exc.message, exc.details) from exc
    except DomainError as exc:  # the platform's own services refusing: same as a MethodError
        _record_alone(call, InvocationStatus.FAILED, exc.message)
        raise InvocationError(exc.status_code, exc.code, exc.message, exc.details) from exc
    except (_Overtime, OperationalError) as exc:
        if not _timed_out(exc):
            raise
        _record_alone(call, InvocationStatus.TIMED_OUT, f"over the {limit:g} s limit")
        raise InvocationError(
            504, "timeout", f"{service_name}.{method_name} did not finish within {limit:g} s."
        ) from exc
    except Exception as exc:
        # A bug in a method: record the failed call, then let the 500 handler answer and log it.
        _record_alone(call, InvocationStatus.FAILED, type(exc).__name__)
        raise
    return Invocation(invocation_id=call.invocation_id, result=result, duration_ms=_elapsed_ms(call))


def _timed_out(exc: Exception) -> bool:
    if isinstance(exc, _Overtime):
        return True
    cause = getattr(exc, "__cause__", None)
    return type(cause).__name__ == "QueryCanceled"


def _code(status: int) -> str:
    return default_code(status)


def _elapsed_ms(call: _Call) -> float:
    return round((time.monotonic() - call.started) * 1000, 2)


def _record_alone(call: _Call, status: str, error: str) -> None:
    """Record a call whose own transaction was rolled back."""
    with _limited(30.0, durable=False):
        _record(call, status, error)


def _record(call: _Call, status: str, error: str) -> None:
    """The call record and its ``ServiceInvoked`` event. It is an audit trail, not the change
    itself: for reading calls it may commit without waiting for the WAL flush (a crash could
    lose the last few ms of records, never data)."""
    digest = hashlib.sha256(json.dumps(call.params, sort_keys=True, default=str).encode()).hexdigest()
    duration = _elapsed_ms(call)
    ServiceInvocation.objects.create(
        id=call.invocation_id,
        service_name=call.service_name,
        method=call.method.name,
        caller=actor.current() or f"user:{call.caller.user.get_username()}",
        user_id=call.caller.user.pk,
        params_digest=digest,
        status=status,
        error=error,
        duration_ms=duration,
    )
    event_append(
        aggregate_type="Service",
        aggregate_id=service_aggregate_id(call.service_name),
        event_type="ServiceInvoked",
        payload={
            "invocation_id": str(call.invocation_id),
            "method": call.method.name,
            "status": status,
            "duration_ms": duration,
        },
    )
    invocation_observe(service=call.service_name, method=call.method.name, status=str(status), duration_ms=duration)
