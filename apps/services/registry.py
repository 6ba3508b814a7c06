"""The service registry in code (issue 4): a service is a class with a name, a layer, a
description, the dependencies its health follows, and methods that declare JSON Schemas for
their params and results. ``sync_services`` copies this into the ``services`` table, which is
the catalog the API, the control center and the admin read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pkgutil import iter_modules
from typing import Any, TypeVar

from django.conf import settings

T = TypeVar("T")
EMPTY_OBJECT: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}


@dataclass(frozen=True)
class MethodSpec:
    """One invocable method: what it takes and returns, whether it writes, how long it may run."""

    name: str
    description: str
    params_schema: dict[str, Any]
    result_schema: dict[str, Any]
    writes: bool
    timeout: float
    # A scope needed on top of read/write (e.g. admin:platform for account data).
    requires: str | None = None
    # The result is a credential shown once (a secret URL, a lock token): never stored, so
    # such a method cannot run as a background job.
    secret_result: bool = False

    def document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "params_schema": self.params_schema,
            "result_schema": self.result_schema,
            "writes": self.writes,
            "timeout_seconds": self.timeout,
            "requires": self.requires,
        }


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    layer: str
    description: str
    dependencies: tuple[str, ...]
    methods: dict[str, MethodSpec] = field(default_factory=dict)
    implementation: type | None = None

    def document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "layer": self.layer,
            "description": self.description,
            "dependencies": list(self.dependencies),
            "methods": [method.document() for method in self.methods.values()],
        }

    def fingerprint(self) -> str:
        """Changes whenever anything a client can see of the service changes."""
        return hashlib.sha256(json.dumps(self.document(), sort_keys=True).encode()).hexdigest()


_REGISTRY: dict[str, ServiceSpec] = {}
_METHOD_ATTR = "_storyportal_method"


def method(
    *,
    description: str,
    params: dict[str, Any] | None = None,
    result: dict[str, Any] | None = None,
    writes: bool = False,
    timeout: float = 30.0,
    requires: str | None = None,
    secret_result: bool = False,
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Mark a service method as invocable, with its params and result schemas."""

    def mark(func: Callable[..., T]) -> Callable[..., T]:
        spec = MethodSpec(
            name=func.__name__,
            description=description,
            params_schema=params or EMPTY_OBJECT,
            result_schema=result or {},
            writes=writes,
            timeout=timeout,
            requires=requires,
            secret_result=secret_result,
        )
        setattr(func, _METHOD_ATTR, spec)
        return func

    return mark


def service(
    *, name: str, layer: str, description: str, dependencies: tuple[str, ...] = ("postgres",)
) -> Callable[[type[T]], type[T]]:
    """Register a class as a service; its ``@method`` functions become its methods."""

    def register(cls: type[T]) -> type[T]:
        methods = {
            spec.name: spec for attr in vars(cls).values() if (spec := getattr(attr, _METHOD_ATTR, None)) is not None
        }
        if not methods:
            raise TypeError(f"service {name} has no @method: a service must do something")
        if name in _REGISTRY and _REGISTRY[name].implementation is not cls:
            raise ValueError(f"two services are named {name}")
        _REGISTRY[name] = ServiceSpec(name, layer, description, dependencies, methods, cls)
        return cls

    return register


_imported = False


def load_catalog() -> dict[str, ServiceSpec]:
    """Every registered service, importing each module of :mod:`apps.services.catalog` and of
    ``SERVICE_CATALOG_EXTRA_MODULES`` (an operator's own services) once."""
    global _imported
    if not _imported:
        package = import_module("apps.services.catalog")
        for module in iter_modules(package.__path__):
            import_module(f"{package.__name__}.{module.name}")
        _imported = True
    for extra in settings.SERVICE_CATALOG_EXTRA_MODULES:
        import_module(extra)  # cached by Python after the first time
    return dict(sorted(_REGISTRY.items()))


@dataclass(frozen=True)
class Caller:
    """Who invokes a method: the user and the scopes of the credential they used."""

    user: Any
    scopes: frozenset[str]
    # Who rate limits count against (``key:<id>`` / ``user:<id>``); None outside a request.
    client: str | None = None


class MethodError(Exception):
    """A method refused its input for a reason a schema cannot express (404, 403, 409).

    A method may equally let a :class:`~storyportal.api.exceptions.DomainError` from the
    platform's services propagate: ``invoke`` answers both the same way."""

    def __init__(self, status: int, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details
