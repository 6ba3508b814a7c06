"""Whether an alert rule's condition holds now, and the figures that say so.

An evaluation reads each input once for all rules (:class:`Inputs`): the request windows the
rules need in one Redis round trip, the dependency checks, the broker's queue lengths.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from apps.monitoring.models import REQUEST_KINDS, AlertRule, RuleKind
from apps.monitoring.request_stats import WindowStats, windows

logger = logging.getLogger(__name__)
HEALTH_BUDGET_SECONDS = 2.0  # a background job may wait for a slow probe; a page may not


@dataclass(frozen=True)
class Reading:
    holds: bool
    value: float | None
    details: dict[str, Any]


class Inputs:
    """What the rules look at, each read at most once per evaluation."""

    def __init__(self, rules: Iterable[AlertRule]) -> None:
        self.window_sizes = tuple(sorted({r.window_minutes for r in rules if r.kind in REQUEST_KINDS})) or (5,)

    @cached_property
    def stats(self) -> dict[int, WindowStats]:
        return windows(self.window_sizes)

    @cached_property
    def backends(self) -> dict[str, dict[str, Any]]:
        from apps.monitoring.health.report import readiness

        return {d["name"]: d for d in readiness(budget=HEALTH_BUDGET_SECONDS)["dependencies"]}

    @cached_property
    def queues(self) -> dict[str, int] | None:
        """None when the broker cannot be read (the redis rule reports that)."""
        from apps.monitoring.queues import queue_depths

        try:
            return queue_depths()
        except Exception:  # any broker failure: the backlog is unknown
            logger.warning("queue depths unavailable for alert evaluation", exc_info=True)
            return None


def _request_rule(rule: AlertRule, stats: WindowStats, value: float | None, label: str) -> Reading:
    enough = stats.requests >= rule.min_requests
    holds = enough and value is not None and value > rule.threshold
    details = {
        "value": value, "threshold": rule.threshold, "window_minutes": rule.window_minutes,
        "requests": stats.requests, "errors": stats.server_errors,
        "message": f"{label} {_fmt(rule, value)} over {rule.window_minutes} min "
                   f"({stats.requests} requests); threshold {_fmt(rule, rule.threshold)}",
    }  # fmt: skip
    return Reading(holds, value, details)


def _fmt(rule: AlertRule, value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value * 100:.1f}%" if rule.kind == RuleKind.ERROR_RATE else f"{value:.0f} ms"


def _error_rate(rule: AlertRule, inputs: Inputs) -> Reading:
    stats = inputs.stats[rule.window_minutes]
    return _request_rule(rule, stats, round(stats.error_rate, 4), "Error rate")


def _latency(rule: AlertRule, inputs: Inputs) -> Reading:
    stats = inputs.stats[rule.window_minutes]
    return _request_rule(rule, stats, stats.percentile(0.99), "p99 latency")


def _backend(rule: AlertRule, inputs: Inputs) -> Reading:
    dependency = inputs.backends.get(rule.target)
    if dependency is None:
        return Reading(False, None, {"message": f"No health check named {rule.target!r}."})
    down = dependency["status"] != "healthy"
    message = f"{rule.target} is {'down' if down else 'up'}"
    details = {"backend": rule.target, "message": message, "error": dependency.get("error")}
    return Reading(down, 1.0 if down else 0.0, details)


def _backlog(rule: AlertRule, inputs: Inputs) -> Reading:
    depths = inputs.queues
    if depths is None:
        return Reading(False, None, {"message": "The broker's queues could not be read."})
    name = rule.target or max(depths, key=lambda queue: depths[queue], default="")
    depth = depths.get(name, 0)
    message = f"{depth} tasks waiting in {name or 'the queues'}; threshold {rule.threshold:g}"
    return Reading(depth > rule.threshold, float(depth), {"queue": name, "depth": depth, "message": message})


READERS: dict[str, Callable[[AlertRule, Inputs], Reading]] = {
    RuleKind.ERROR_RATE: _error_rate,
    RuleKind.LATENCY_P99: _latency,
    RuleKind.BACKEND_DOWN: _backend,
    RuleKind.QUEUE_BACKLOG: _backlog,
}


def read(rule: AlertRule, inputs: Inputs) -> Reading:
    return READERS[rule.kind](rule, inputs)
