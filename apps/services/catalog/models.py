"""L04 ModelRegistry, EmbeddingService and ModelGateway: the model gateway as services."""

from __future__ import annotations

import math
from typing import Any

from apps.llm.embeddings import embed
from apps.llm.routing import model_for
from apps.llm.selectors import breaker_status, model_list, model_show, routing_status
from apps.llm.services import chat, generate
from apps.services.catalog.schemas import obj
from apps.services.registry import Caller, method, service
from storyportal.api import actor

TEXT = {"type": "string", "minLength": 1, "maxLength": 8000}


@service(
    name="ModelRegistry",
    layer="L04",
    description="The models on Ollama, which model serves each use case, and which are missing.",
    dependencies=("ollama",),
)
class ModelRegistry:
    @method(
        description="Pulled models, the use-case routing with what is missing, and the circuit breaker.",
        result=obj({"models": {"type": "array"}, "routing": {"type": "array"}, "breaker": {"type": "object"}}),
        timeout=10,
    )
    def status(self, caller: Caller) -> dict[str, Any]:
        models = model_list()
        return {"models": models, "routing": routing_status(models), "breaker": breaker_status()}

    @method(
        description="One model's details, capabilities and parameters.",
        params=obj({"name": {"type": "string", "minLength": 1, "maxLength": 200}}, "name"),
        result=obj({"name": {"type": "string"}, "capabilities": {"type": "array"}}),
        timeout=10,
    )
    def show(self, caller: Caller, name: str) -> dict[str, Any]:
        return model_show(name)


@service(
    name="EmbeddingService",
    layer="L04",
    description="Vector embeddings of texts (nomic-embed-text), cached by content, and their similarity.",
    dependencies=("ollama", "redis"),
)
class EmbeddingService:
    @method(
        description="Embed up to 32 texts; each vector is cached by the text's hash.",
        params=obj({"texts": {"type": "array", "items": TEXT, "minItems": 1, "maxItems": 32}}, "texts"),
        result=obj({"model": {"type": "string"}, "dimensions": {"type": "integer"}, "embeddings": {"type": "array"}}),
        timeout=30,
    )
    def embed(self, caller: Caller, texts: list[str]) -> dict[str, Any]:
        vectors = embed(texts)
        return {"model": model_for("embeddings"), "dimensions": len(vectors[0]), "embeddings": vectors}

    @method(
        description="Cosine similarity of two texts' embeddings (1 = same meaning).",
        params=obj({"a": TEXT, "b": TEXT}, "a", "b"),
        result=obj({"model": {"type": "string"}, "similarity": {"type": "number"}}),
        timeout=30,
    )
    def similarity(self, caller: Caller, a: str, b: str) -> dict[str, Any]:
        first, second = embed([a, b])
        norms = math.hypot(*first) * math.hypot(*second)
        cosine = sum(x * y for x, y in zip(first, second, strict=True)) / norms if norms else 0.0
        return {"model": model_for("embeddings"), "similarity": round(cosine, 6)}


ANSWER = obj(
    {"model": {"type": "string"}, "response": {"type": "string"}, "prompt_tokens": {"type": "integer"},
     "completion_tokens": {"type": "integer"}, "latency_ms": {"type": "number"}, "request_id": {"type": "string"}},
    "model", "response",
)  # fmt: skip


@service(
    name="ModelGateway",
    layer="L04",
    description="Generate text or chat with the model routed for a use case (Ollama), logged and coalesced.",
    dependencies=("ollama",),
)
class ModelGateway:
    @method(
        description='One completion; format may be "json" or a JSON Schema for structured output.',
        params=obj(
            {
                "prompt": {"type": "string", "minLength": 1, "maxLength": 200000},
                "use_case": {"enum": ["chat", "code", "runtime"]},
                "model": {"type": "string", "maxLength": 200},
                "system": {"type": "string", "maxLength": 20000},
                "format": {},
                "options": {"type": "object"},
            },
            "prompt",
        ),
        result=ANSWER,
        writes=True,
        timeout=180,
    )
    def generate(self, caller: Caller, prompt: str, use_case: str = "chat", **extra: Any) -> dict[str, Any]:
        answer = generate(prompt=prompt, use_case=use_case, caller=_label(caller), user=caller.user, **extra)
        return answer.generate_document()

    @method(
        description="A chat turn: messages of role system, user or assistant.",
        params=obj(
            {
                "messages": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 500,
                    "items": obj(
                        {
                            "role": {"enum": ["system", "user", "assistant"]},
                            "content": {"type": "string", "maxLength": 200000},
                        },
                        "role",
                        "content",
                    ),
                },
                "use_case": {"enum": ["chat", "code", "runtime"]},
                "model": {"type": "string", "maxLength": 200},
            },
            "messages",
        ),
        result=obj({"model": {"type": "string"}, "message": {"type": "object"}}, "model", "message"),
        writes=True,
        timeout=180,
    )
    def chat(
        self, caller: Caller, messages: list[dict[str, str]], use_case: str = "chat", **extra: Any
    ) -> dict[str, Any]:
        answer = chat(messages=messages, use_case=use_case, caller=_label(caller), user=caller.user, **extra)
        return answer.chat_document()


def _label(caller: Caller) -> str:
    return actor.current() or caller.client or f"user:{caller.user.get_username()}"
