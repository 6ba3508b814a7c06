"""Aggregates of the LLM request log for charts: per time bucket and per model."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

_BUCKETS = """
    SELECT date_bin(%(step)s::interval, created_at, %(origin)s) AS start,
           count(*) AS count,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
           coalesce(sum(prompt_tokens), 0) AS prompt_tokens,
           coalesce(sum(completion_tokens), 0) AS completion_tokens
    FROM llm_requests WHERE created_at >= %(since)s
    GROUP BY 1 ORDER BY 1
"""

_BY_MODEL = """
    SELECT model, count(*), avg(latency_ms), coalesce(sum(prompt_tokens + completion_tokens), 0)
    FROM llm_requests WHERE created_at >= %(since)s
    GROUP BY model ORDER BY count(*) DESC LIMIT 50
"""


def request_stats(*, minutes: int) -> dict[str, Any]:
    """1-minute buckets up to an hour, 5-minute ones beyond."""
    step = 60 if minutes <= 60 else 300
    since = timezone.now() - timedelta(minutes=minutes)
    params: dict[str, Any] = {
        "step": f"{step} seconds",
        "origin": since.replace(second=0, microsecond=0),
        "since": since,
    }
    with connection.cursor() as cursor:
        cursor.execute(_BUCKETS, params)
        buckets = [
            {"start": start.isoformat(), "count": count, "failed": failed,
             "p50_latency_ms": round(p50 or 0, 2), "p95_latency_ms": round(p95 or 0, 2),
             "prompt_tokens": int(prompt), "completion_tokens": int(completion)}
            for start, count, failed, p50, p95, prompt, completion in cursor.fetchall()
        ]  # fmt: skip
        cursor.execute(_BY_MODEL, params)
        by_model = [
            {"model": model, "count": count, "avg_latency_ms": round(avg or 0, 2), "tokens": int(tokens)}
            for model, count, avg, tokens in cursor.fetchall()
        ]
    return {"bucket_seconds": step, "buckets": buckets, "by_model": by_model}
