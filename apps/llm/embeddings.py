"""Embeddings through the gateway, cached by content hash (issue 6 point 4).

A text's vector is stored in Redis under ``embedding:{model}:{sha256}`` as float32 bytes, so
the same text is embedded once per model however often it is asked for.
"""

from __future__ import annotations

import hashlib
from array import array

from django.conf import settings
from redis.exceptions import RedisError

from apps.llm import gateway
from apps.llm.routing import model_for
from storyportal import kv
from storyportal.redis_keys import EMBEDDING


def _key(model: str, text: str) -> str:
    return EMBEDDING.key(model=model, digest=hashlib.sha256(text.encode()).hexdigest())


def _cached(keys: list[str]) -> list[bytes | None]:
    try:
        return [raw if isinstance(raw, bytes) else None for raw in kv.client().mget(keys)]
    except RedisError:
        return [None] * len(keys)


def _store(pairs: dict[str, list[float]]) -> None:
    try:
        with kv.client().pipeline(transaction=False) as pipe:
            for key, vector in pairs.items():
                pipe.set(key, array("f", vector).tobytes(), ex=settings.LLM_EMBEDDING_CACHE_SECONDS)
            pipe.execute()
    except RedisError:
        pass  # a cache that is down costs a recomputation, nothing else


def embed(texts: list[str], *, model: str | None = None, timeout: float | None = None) -> list[list[float]]:
    """One vector per text, in order; only texts not in the cache go to Ollama (in one call)."""
    model = model or model_for("embeddings")
    keys = [_key(model, text) for text in texts]
    vectors: list[list[float] | None] = [None if raw is None else array("f", raw).tolist() for raw in _cached(keys)]
    missing = [i for i, vector in enumerate(vectors) if vector is None]
    if missing:
        response = gateway.call(
            lambda client: client.embed(model=model, input=[texts[i] for i in missing]),
            model=model,
            timeout=timeout or settings.LLM_EMBED_TIMEOUT_SECONDS,
        )
        fresh = [array("f", vector).tolist() for vector in response.embeddings]  # as the cache keeps them
        for i, vector in zip(missing, fresh, strict=True):
            vectors[i] = vector
        _store({keys[i]: vector for i, vector in zip(missing, fresh, strict=True)})
    return [vector for vector in vectors if vector is not None]
