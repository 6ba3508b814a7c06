"""Streaming a generation to the caller's own WebSocket channel (issue 6 point 3).

A Celery worker runs :func:`stream_to_user`: chunks from Ollama's NDJSON stream are batched
(every ``FLUSH_SECONDS`` or ``FLUSH_CHARS``) and sent as ``LlmToken`` messages on the
private ``llm:stream`` channel of the user who asked; ``LlmDone`` closes with the counts,
latency and time to first token, ``LlmError`` with the envelope's status and message.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings

from apps.accounts.models import User
from apps.llm import gateway
from apps.llm.errors import ModelGatewayError
from apps.llm.models import LlmStatus
from apps.llm.routing import model_for
from apps.llm.services import digest, log_call
from storyportal.realtime.publish import publish_private

CHANNEL = "llm:stream"
FLUSH_SECONDS = 0.05
FLUSH_CHARS = 64


def stream_to_user(
    *, request_id: str, user_id: int, caller: str, kind: str, payload: dict[str, Any], model: str | None = None,
    use_case: str = "chat",
) -> None:  # fmt: skip
    model = model or model_for(use_case)
    user = User.objects.filter(pk=user_id).first()
    started = time.perf_counter()
    ttft: float | None = None
    buffer, flushed_at = "", started
    final: Any = None

    def send(event_type: str, body: dict[str, Any]) -> None:
        publish_private(user_id, CHANNEL, event_type, {"request_id": request_id, **body})

    def operation(client: Any) -> Any:
        call = client.chat if kind == "chat" else client.generate
        return call(model=model, stream=True, **payload)

    try:
        for chunk in gateway.stream(operation, model=model, timeout=settings.LLM_TIMEOUT_SECONDS):
            text = (chunk.message.content if kind == "chat" else chunk.response) or ""
            if text and ttft is None:
                ttft = round((time.perf_counter() - started) * 1000, 2)
            buffer += text
            now = time.perf_counter()
            if buffer and (now - flushed_at >= FLUSH_SECONDS or len(buffer) >= FLUSH_CHARS):
                send("LlmToken", {"text": buffer})
                buffer, flushed_at = "", now
            if chunk.done:
                final = chunk
    except ModelGatewayError as exc:
        latency = round((time.perf_counter() - started) * 1000, 2)
        log_call(kind=kind, model=model, use_case=use_case, caller=caller, user=user, request_id=request_id,
                 prompt_hash=digest(kind, model, payload), status=LlmStatus.FAILED, latency_ms=latency,
                 error=exc.message, ttft_ms=ttft)  # fmt: skip
        send("LlmError", {"status": exc.status_code, "message": exc.message})
        return
    if buffer:
        send("LlmToken", {"text": buffer})
    latency = round((time.perf_counter() - started) * 1000, 2)
    prompt_tokens = getattr(final, "prompt_eval_count", 0) or 0
    completion_tokens = getattr(final, "eval_count", 0) or 0
    log_call(kind=kind, model=model, use_case=use_case, caller=caller, user=user, request_id=request_id,
             prompt_hash=digest(kind, model, payload), status=LlmStatus.SUCCEEDED, latency_ms=latency,
             prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, ttft_ms=ttft)  # fmt: skip
    send("LlmDone", {"model": model, "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                     "latency_ms": latency, "ttft_ms": ttft})  # fmt: skip
