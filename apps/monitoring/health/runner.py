"""Run dependency checks concurrently within a time budget, reusing recent results.

Readiness must answer in under 100 ms even while a dependency hangs. Each check runs in a
pool thread; the caller waits at most ``HEALTH_CHECK_BUDGET_SECONDS`` and reports a check
still running as timed out. A check already in flight is never started twice, so a hung
dependency cannot pile up threads.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial

from django.conf import settings

from apps.monitoring.health.checks import CHECKS, Check


@dataclass(frozen=True)
class Result:
    name: str
    healthy: bool
    latency_ms: float
    error: str | None
    at: float

    def as_dict(self, *, critical: bool) -> dict[str, object]:
        body: dict[str, object] = {
            "name": self.name,
            "status": "healthy" if self.healthy else "unhealthy",
            "critical": critical,
            "latency_ms": round(self.latency_ms, 2),
        }
        if self.error:
            body["error"] = self.error
        return body


class Runner:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="health")
        self._lock = threading.Lock()
        self._cache: dict[str, Result] = {}
        self._inflight: dict[str, Future[Result]] = {}

    def reset(self) -> None:
        with self._lock:
            self._cache.clear()

    def results(self, names: list[str], *, budget: float | None = None) -> dict[str, Result]:
        budget = settings.HEALTH_CHECK_BUDGET_SECONDS if budget is None else budget
        now = time.monotonic()
        fresh: dict[str, Result] = {}
        pending: dict[str, Future[Result]] = {}
        with self._lock:
            for name in names:
                cached = self._cache.get(name)
                if cached and now - cached.at < CHECKS[name].ttl:
                    fresh[name] = cached
                else:
                    pending[name] = self._inflight.get(name) or self._submit(CHECKS[name])
        if pending:
            wait(pending.values(), timeout=budget)
        for name, future in pending.items():
            fresh[name] = future.result() if future.done() else self._remember_timeout(name, now)
        return fresh

    def _remember_timeout(self, name: str, started: float) -> Result:
        """A hung check answers 'timed out' from the cache until it finishes or its ttl ends,
        so callers during a hang do not each wait out the budget."""
        result = self._timed_out(name, started)
        with self._lock:
            if name in self._inflight:
                self._cache[name] = result
        return result

    def _submit(self, check: Check) -> Future[Result]:
        future = self._pool.submit(_run, check)
        self._inflight[check.name] = future
        future.add_done_callback(partial(self._store, check.name))
        return future

    def _store(self, name: str, future: Future[Result]) -> None:
        with self._lock:
            self._inflight.pop(name, None)
            self._cache[name] = future.result()

    @staticmethod
    def _timed_out(name: str, started: float) -> Result:
        elapsed = _ms(started)
        error = f"{CHECKS[name].failure}: no answer within {elapsed:.0f} ms"
        return Result(name, False, elapsed, error, time.monotonic())


def _run(check: Check) -> Result:
    started = time.monotonic()
    try:
        check.probe()
    except Exception as exc:  # noqa: BLE001 - any failure of a probe means unhealthy
        return Result(check.name, False, _ms(started), f"{check.failure}: {type(exc).__name__}", time.monotonic())
    return Result(check.name, True, _ms(started), None, time.monotonic())


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000


runner = Runner()
