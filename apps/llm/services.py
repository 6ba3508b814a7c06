"""Generating and chatting through the model gateway (issue 6 points 2-5).

Each call: the model is the one routed for its use case unless named; identical concurrent
calls share one upstream call (:mod:`apps.llm.coalescing`); the answer's token counts and
latency come from Ollama's final record; every call, failed or not, is an ``llm_requests``
row and a metric.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from apps.llm import gateway
from apps.llm.coalescing import shared
from apps.llm.errors import ModelGatewayError
from apps.llm.metrics import LLM_LATENCY, LLM_REQUESTS, LLM_TOKENS
from apps.llm.models import LlmRequest, LlmStatus
from apps.llm.routing import model_for


@dataclass(frozen=True)
class Answer:
    model: str
    text: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float
    request_id: str
    coalesced: bool = False
    role: str = "assistant"

    def generate_document(self) -> dict[str, Any]:
        return {
            "model": self.model, "response": self.text, "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens, "latency_ms": self.latency_ms, "request_id": self.request_id,
        }  # fmt: skip

    def chat_document(self) -> dict[str, Any]:
        return {
            "model": self.model, "message": {"role": self.role, "content": self.text},
            "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
            "latency_ms": self.latency_ms, "request_id": self.request_id,
        }  # fmt: skip


def payload_of(
    kind: str,
    *,
    prompt: str | None = None,
    messages: list[dict[str, str]] | None = None,
    system: str | None = None,
    format: Any = None,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The request body fields of a generate or chat call (empty ones left out)."""
    payload: dict[str, Any] = {"messages": messages} if kind == "chat" else {"prompt": prompt}
    for key, value in (("system", system if kind == "generate" else None), ("format", format), ("options", options)):
        if value:
            payload[key] = value
    return payload  # fmt: skip


def log_call(**fields: Any) -> LlmRequest:
    return _log(**fields)


def digest(kind: str, model: str, payload: Any) -> str:
    return hashlib.sha256(json.dumps([kind, model, payload], sort_keys=True, default=str).encode()).hexdigest()


def _log(
    *, kind: str, model: str, use_case: str, caller: str, user: Any, prompt_hash: str, status: str,
    prompt_tokens: int = 0, completion_tokens: int = 0, latency_ms: float = 0.0, error: str = "",
    coalesced: bool = False, ttft_ms: float | None = None, request_id: str | None = None,
) -> LlmRequest:  # fmt: skip
    LLM_REQUESTS.labels(kind, model, status).inc()
    LLM_LATENCY.labels(kind, model).observe(latency_ms / 1000)
    if prompt_tokens or completion_tokens:
        LLM_TOKENS.labels(model, "in").inc(prompt_tokens)
        LLM_TOKENS.labels(model, "out").inc(completion_tokens)
    fields = {
        "id": request_id or uuid.uuid4(), "kind": kind, "model": model, "use_case": use_case,
        "caller": caller[:150], "user": user if getattr(user, "pk", None) else None, "prompt_hash": prompt_hash,
        "status": status, "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
        "latency_ms": latency_ms, "error": error[:5000], "coalesced": coalesced, "ttft_ms": ttft_ms,
    }  # fmt: skip
    if connection.in_atomic_block:  # inside a workflow step: commits (durably) with it
        return LlmRequest.objects.create(**fields)
    with transaction.atomic():
        # The log is an audit trail of the call, not the call: it may commit without waiting
        # for the WAL flush (a crash could lose the last few ms of rows, never data).
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('synchronous_commit', 'off', true)")
        return LlmRequest.objects.create(**fields)


def _call(kind: str, model: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
    def upstream() -> dict[str, Any]:
        def operation(client: Any) -> Any:
            if kind == "chat":
                return client.chat(model=model, stream=False, **payload)
            return client.generate(model=model, stream=False, **payload)

        response = gateway.call(operation, model=model, timeout=timeout)
        text = response.message.content if kind == "chat" else response.response
        return {
            "text": text or "", "prompt_tokens": response.prompt_eval_count or 0,
            "completion_tokens": response.eval_count or 0, "model": response.model or model,
        }  # fmt: skip

    answer, coalesced = shared(digest(kind, model, payload), upstream, timeout=timeout)
    return {**answer, "coalesced": coalesced}


def _run(
    kind: str, payload: dict[str, Any], *, model: str | None, use_case: str, caller: str, user: Any,
    timeout: float | None,
) -> Answer:  # fmt: skip
    model = model or model_for(use_case)
    prompt_hash = digest(kind, model, payload)
    started = time.perf_counter()
    try:
        answer = _call(kind, model, payload, timeout or settings.LLM_TIMEOUT_SECONDS)
    except ModelGatewayError as exc:
        elapsed = round((time.perf_counter() - started) * 1000, 2)
        _log(kind=kind, model=model, use_case=use_case, caller=caller, user=user, prompt_hash=prompt_hash,
             status=LlmStatus.FAILED, latency_ms=elapsed, error=exc.message)  # fmt: skip
        raise
    elapsed = round((time.perf_counter() - started) * 1000, 2)
    row = _log(
        kind=kind, model=model, use_case=use_case, caller=caller, user=user, prompt_hash=prompt_hash,
        status=LlmStatus.SUCCEEDED, prompt_tokens=answer["prompt_tokens"],
        completion_tokens=answer["completion_tokens"], latency_ms=elapsed, coalesced=answer["coalesced"],
    )  # fmt: skip
    return Answer(
        model=model, text=answer["text"], prompt_tokens=answer["prompt_tokens"],
        completion_tokens=answer["completion_tokens"], latency_ms=elapsed, request_id=str(row.id),
        coalesced=answer["coalesced"],
    )  # fmt: skip


def generate(
    *, prompt: str, caller: str, user: Any = None, model: str | None = None, use_case: str = "chat",
    system: str | None = None, format: str | dict[str, Any] | None = None, options: dict[str, Any] | None = None,
    timeout: float | None = None,
) -> Answer:  # fmt: skip
    """One completion (``format``: "json" or a JSON Schema for structured output)."""
    payload = payload_of("generate", prompt=prompt, system=system, format=format, options=options)
    return _run("generate", payload, model=model, use_case=use_case, caller=caller, user=user, timeout=timeout)


def chat(
    *, messages: list[dict[str, str]], caller: str, user: Any = None, model: str | None = None,
    use_case: str = "chat", format: str | dict[str, Any] | None = None, options: dict[str, Any] | None = None,
    timeout: float | None = None,
) -> Answer:  # fmt: skip
    payload = payload_of("chat", messages=messages, format=format, options=options)
    return _run("chat", payload, model=model, use_case=use_case, caller=caller, user=user, timeout=timeout)
