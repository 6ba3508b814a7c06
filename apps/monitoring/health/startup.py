"""Startup conditions: what must have happened once before the platform takes traffic.

Apps add their own (the service catalog adds "catalog synced"). A condition that held once
is remembered for the life of the process.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

_conditions: dict[str, Callable[[], bool]] = {}
_met: set[str] = set()


def register(name: str, condition: Callable[[], bool]) -> None:
    _conditions[name] = condition


def migrations_applied() -> bool:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


register("migrations applied", migrations_applied)


def unmet() -> list[str]:
    """Names of conditions that do not hold (yet)."""
    missing = []
    for name, condition in _conditions.items():
        if name in _met:
            continue
        try:
            ok = condition()
        except DatabaseError:
            ok = False
        if ok:
            _met.add(name)
        else:
            missing.append(name)
    return missing


def forget() -> None:
    """Tests: re-evaluate every condition."""
    _met.clear()
