"""L04 ModelRegistry and EmbeddingService: the model gateway's read side and its embeddings."""

from __future__ import annotations

import math
from typing import Any

from apps.llm.embeddings import embed
from apps.llm.errors import ModelGatewayError
from apps.llm.routing import model_for
from apps.llm.selectors import breaker_status, model_list, model_show, routing_status
from apps.services.catalog.schemas import obj
from apps.services.registry import Caller, MethodError, method, service

TEXT = {"type": "string", "minLength": 1, "maxLength": 8000}


def _gateway(exc: ModelGatewayError) -> MethodError:
    return MethodError(exc.status_code, exc.message, exc.details)


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
        try:
            models = model_list()
        except ModelGatewayError as exc:
            raise _gateway(exc) from exc
        return {"models": models, "routing": routing_status(models), "breaker": breaker_status()}

    @method(
        description="One model's details, capabilities and parameters.",
        params=obj({"name": {"type": "string", "minLength": 1, "maxLength": 200}}, "name"),
        result=obj({"name": {"type": "string"}, "capabilities": {"type": "array"}}),
        timeout=10,
    )
    def show(self, caller: Caller, name: str) -> dict[str, Any]:
        try:
            return model_show(name)
        except ModelGatewayError as exc:
            raise _gateway(exc) from exc


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
        try:
            vectors = embed(texts)
        except ModelGatewayError as exc:
            raise _gateway(exc) from exc
        return {"model": model_for("embeddings"), "dimensions": len(vectors[0]), "embeddings": vectors}

    @method(
        description="Cosine similarity of two texts' embeddings (1 = same meaning).",
        params=obj({"a": TEXT, "b": TEXT}, "a", "b"),
        result=obj({"model": {"type": "string"}, "similarity": {"type": "number"}}),
        timeout=30,
    )
    def similarity(self, caller: Caller, a: str, b: str) -> dict[str, Any]:
        try:
            first, second = embed([a, b])
        except ModelGatewayError as exc:
            raise _gateway(exc) from exc
        norms = math.hypot(*first) * math.hypot(*second)
        cosine = sum(x * y for x, y in zip(first, second, strict=True)) / norms if norms else 0.0
        return {"model": model_for("embeddings"), "similarity": round(cosine, 6)}
