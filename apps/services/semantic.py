"""Semantic similarity of a search query to each service (pgvector cosine over the catalog's
embeddings). Best effort: search never fails because Ollama does."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from pgvector.django import CosineDistance

from apps.llm.embeddings import embed
from apps.llm.errors import ModelGatewayError
from apps.llm.routing import model_for
from apps.services.embeddings import QUERY_PREFIX, check_dimensions
from apps.services.models import Service

MAX_CANDIDATES = 20


@dataclass(frozen=True)
class Semantic:
    """``status`` is ``used`` or ``unavailable`` (then ``reason`` says why)."""

    status: str
    similarities: dict[str, float] = field(default_factory=dict)
    reason: str = ""


def similarities(query: str) -> Semantic:
    embedded = Service.objects.filter(available=True, embedding__isnull=False)
    if not embedded.exists():
        return Semantic("unavailable", reason="The catalog has no embeddings yet (Ollama has not been reachable).")
    model = model_for("embeddings")
    try:
        [vector] = embed([QUERY_PREFIX + query], model=model, timeout=settings.SERVICE_SEARCH_EMBED_TIMEOUT_MS / 1000)
        check_dimensions(model, vector)
    except ModelGatewayError as exc:
        return Semantic("unavailable", reason=exc.message)
    nearest = (
        embedded.annotate(distance=CosineDistance("embedding", vector))
        .order_by("distance")
        .values_list("name", "distance")[:MAX_CANDIDATES]
    )
    return Semantic("used", {name: 1.0 - float(distance) for name, distance in nearest})
