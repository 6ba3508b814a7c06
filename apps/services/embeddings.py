"""Embeddings of the catalog for semantic search (issue 4 point 7).

Each service's name, description and methods are embedded with the ``embeddings`` model
(``nomic-embed-text``) through the model gateway and kept in ``services.embedding`` (HNSW
index, cosine). A service is embedded again when its text or the model changes. When Ollama
is unreachable nothing changes and search answers from fuzzy matching alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from apps.llm.embeddings import embed
from apps.llm.errors import ModelRejected
from apps.llm.routing import model_for
from apps.services.models import EMBEDDING_DIMENSIONS, Service
from apps.services.search import words

# nomic-embed-text is trained with task prefixes: documents and queries are told apart.
DOCUMENT_PREFIX = "search_document: "
QUERY_PREFIX = "search_query: "


@dataclass
class EmbedResult:
    model: str
    embedded: list[str] = field(default_factory=list)
    current: int = 0


def document_text(service: Service) -> str:
    methods = "; ".join(f"{m['name']}: {m.get('description', '')}" for m in service.methods)
    return f"{DOCUMENT_PREFIX}{service.name} ({words(service.name)}). {service.description} Methods: {methods}"


def embedding_source(service: Service, model: str) -> str:
    return f"{model}:{hashlib.sha256(document_text(service).encode()).hexdigest()[:40]}"


def check_dimensions(model: str, vector: list[float]) -> None:
    if len(vector) != EMBEDDING_DIMENSIONS:
        raise ModelRejected(
            f"{model} makes {len(vector)}-dimensional embeddings; the catalog's index holds "
            f"{EMBEDDING_DIMENSIONS} (nomic-embed-text). Set LLM_MODEL_EMBEDDINGS to such a model."
        )


def catalog_embed() -> EmbedResult:
    """Embed every listed service whose text or model changed; raises the gateway's errors."""
    model = model_for("embeddings")
    result = EmbedResult(model=model)
    stale = []
    for service in Service.objects.filter(available=True):
        if service.embedding_source == embedding_source(service, model):
            result.current += 1
        else:
            stale.append(service)
    if not stale:
        return result
    vectors = embed([document_text(service) for service in stale], model=model)
    for service, vector in zip(stale, vectors, strict=True):
        check_dimensions(model, vector)
        service.embedding = vector
        service.embedding_source = embedding_source(service, model)
    Service.objects.bulk_update(stale, ["embedding", "embedding_source"])
    result.embedded = [service.name for service in stale]
    return result
