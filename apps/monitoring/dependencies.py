"""Which catalog services and layers follow each dependency's health, and how it is now."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.monitoring.health.checks import CHECKS
from apps.monitoring.health.layers import LAYERS
from apps.monitoring.health.runner import Result, runner
from apps.services import selectors as service_selectors

NONE = "none"  # the group of services whose health follows no dependency
# Health checks answer within this budget here (a probe's own timeout is about a second);
# one still running is reported as timed out.
PROBE_BUDGET_SECONDS = 2.0


@dataclass(frozen=True)
class Follower:
    name: str
    layer: str


def _followers() -> dict[str, list[Follower]]:
    """Each declared dependency (and ``none``) with the services that declare it."""
    by_dependency: dict[str, list[Follower]] = {name: [] for name in CHECKS}
    by_dependency[NONE] = []
    for row in service_selectors.service_list().order_by("name"):
        for dependency in row.dependencies or [NONE]:
            by_dependency.setdefault(dependency, []).append(Follower(row.name, row.layer))
    return by_dependency


def _layers_of(dependency: str) -> list[dict[str, Any]]:
    """The layers whose readiness includes the dependency, and what it does to them when down."""
    return [
        {"code": layer.code, "name": layer.name, "if_down": "unhealthy" if critical else "degraded"}
        for layer in LAYERS
        for name, critical in layer.dependencies
        if name == dependency
    ]


def _health(dependency: str, results: dict[str, Result]) -> dict[str, Any]:
    if dependency == NONE:
        return {"status": "n/a"}
    result = results.get(dependency)
    if result is None:  # declared by a service, but the platform has no check for it
        return {"status": "unknown"}
    health = result.as_dict(critical=CHECKS[dependency].critical)
    return {key: value for key, value in health.items() if key != "name"}


def dependency_map() -> list[dict[str, Any]]:
    """Every dependency with its live health, the services following it and its layers."""
    followers = _followers()
    results = runner.results([name for name in followers if name in CHECKS], budget=PROBE_BUDGET_SECONDS)
    return [
        {
            "name": name,
            **_health(name, results),
            "services": [follower.name for follower in services],
            "layers": _layers_of(name),
        }
        for name, services in followers.items()
    ]


def dependency_impact(dependency: str) -> dict[str, Any] | None:
    """What goes down with ``dependency``; None when nothing declares or checks it."""
    followers = _followers()
    if dependency == NONE or dependency not in followers:
        return None
    results = runner.results([dependency], budget=PROBE_BUDGET_SECONDS) if dependency in CHECKS else {}
    services = followers[dependency]
    return {
        "dependency": dependency,
        **_health(dependency, results),
        "services": [{"name": s.name, "layer": s.layer} for s in services],
        "layers": _layers_of(dependency),
    }
