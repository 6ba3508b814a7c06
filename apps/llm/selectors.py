"""What Ollama has, and whether each use case's model is among it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection

from apps.llm import breaker, gateway

LIST_TIMEOUT_SECONDS = 5.0


def _present(name: str, pulled: set[str]) -> bool:
    # Ollama names an untagged pull "<name>:latest".
    return name in pulled or f"{name}:latest" in pulled


def model_list() -> list[dict[str, Any]]:
    """The models pulled on Ollama (raises the gateway's errors when it cannot answer)."""
    response = gateway.call(lambda client: client.list(), model="", timeout=LIST_TIMEOUT_SECONDS)
    return [
        {
            "name": item.model,
            "size": item.size,
            "digest": item.digest,
            "modified_at": item.modified_at.isoformat() if item.modified_at else None,
            "family": item.details.family if item.details else None,
            "parameter_size": item.details.parameter_size if item.details else None,
            "quantization_level": item.details.quantization_level if item.details else None,
        }
        for item in response.models
    ]


def routing_status(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each use case's model and whether it is pulled, with the command that pulls it."""
    pulled = {model["name"] for model in models}
    rows = []
    for use_case, name in settings.LLM_MODELS.items():
        present = bool(name) and _present(str(name), pulled)
        rows.append(
            {"use_case": use_case, "model": name, "pulled": present, "pull": None if present else f"ollama pull {name}"}
        )
    return rows


def model_show(name: str) -> dict[str, Any]:
    response = gateway.call(lambda client: client.show(name), model=name, timeout=LIST_TIMEOUT_SECONDS)
    details = response.details.model_dump(exclude_none=True) if response.details else {}
    return {
        "name": name,
        "details": details,
        "capabilities": list(response.capabilities or []),
        "parameters": response.parameters or "",
    }


def breaker_status() -> dict[str, Any]:
    return {"state": breaker.state(), "retry_after_seconds": round(breaker.retry_after_ms() / 1000, 1)}


USAGE_GROUPS = ("model", "use_case", "caller")

# One query for every grouping (the group is a parameter, not SQL text). Callers that name a
# run or job (``workflow-run:<uuid>``, ``service-job:<uuid>``) count as their kind, not one
# group per run.
_USAGE = r"""
    SELECT CASE %(group_by)s
             WHEN 'model' THEN model
             WHEN 'use_case' THEN use_case
             ELSE regexp_replace(caller, ':[0-9a-f]{8}-[0-9a-f-]{27}$', '')
           END AS grouped,
           count(*), count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE coalesced),
           coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms),
           percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY ttft_ms)
    FROM llm_requests WHERE created_at >= %(since)s
    GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %(limit)s
"""


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def request_usage(*, since: datetime, group_by: str, limit: int = 100) -> list[dict[str, Any]]:
    """Calls through the gateway since ``since`` per model, use case or caller, busiest first:
    failures, coalesced calls, tokens, p50/p95 latency and p50 time to first token (streamed
    calls only) in ms."""
    if group_by not in USAGE_GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(USAGE_GROUPS)}")
    with connection.cursor() as cursor:
        cursor.execute(_USAGE, {"group_by": group_by, "since": since, "limit": limit})
        rows = cursor.fetchall()
    return [
        {"group": group, "calls": calls, "errors": errors, "coalesced": coalesced,
         "prompt_tokens": int(prompt), "completion_tokens": int(completion),
         "p50_latency_ms": _ms(p50), "p95_latency_ms": _ms(p95), "p50_ttft_ms": _ms(ttft)}
        for group, calls, errors, coalesced, prompt, completion, p50, p95, ttft in rows
    ]  # fmt: skip
