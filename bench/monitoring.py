"""Monitoring benchmark (issue 7): what keeping request statistics costs a request, and what
reading them costs the summary, the alert rules and the dashboard. Against the embedded
Redis, in a scratch database like bench/services.py:

    .venv/bin/python -m storyportal.launcher exec -- .venv/bin/python -m bench.monitoring
"""

from __future__ import annotations

from bench.services import _percentiles, _time
from bench.services import main as _setup


def _show(label: str, samples: list[float], unit: str = "ms") -> None:
    stats = _percentiles(samples)
    scale = 1000 if unit == "µs" else 1
    print(f"{label:<58} p50 {stats['p50'] * scale:8.2f} {unit}   p99 {stats['p99'] * scale:8.2f} {unit}")


def run() -> None:
    from apps.monitoring import request_stats
    from apps.monitoring.summary import monitoring_summary
    from apps.monitoring.traffic import traffic_series

    n = 20_000
    _show("request path: record_soon (tally; flushed each second)", _time(
        lambda: request_stats.record_soon(duration_ms=12.5, status=200), n), "µs")  # fmt: skip
    request_stats.flush()
    _show("written at once: record (one pipelined round trip)", _time(
        lambda: request_stats.record(duration_ms=12.5, status=200), 2_000), "µs")  # fmt: skip
    _show("5/15/60-minute windows (alert rules, summary figures)", _time(
        lambda: request_stats.windows((5, 15, 60)), 500))  # fmt: skip
    _show("monitoring_summary() (windows + readiness + open alerts)", _time(monitoring_summary, 200))
    _show("traffic_series(60) (the dashboard's charts)", _time(lambda: traffic_series(minutes=60), 500))


if __name__ == "__main__":
    import bench.services

    bench.services.run = run
    _setup()
