"""What Ollama has, and whether each use case's model is among it."""

from __future__ import annotations

from typing import Any

from django.conf import settings

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
