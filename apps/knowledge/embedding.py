"""What is embedded for a chunk and for a question, through the model gateway.

nomic-embed-text is trained with task prefixes, so passages and questions are told apart the
same way the service catalog's semantic search does it."""

from __future__ import annotations

from apps.knowledge.models import EMBEDDING_DIMENSIONS
from apps.llm.embeddings import embed
from apps.llm.errors import ModelRejected
from apps.llm.routing import model_for
from apps.services.embeddings import DOCUMENT_PREFIX, QUERY_PREFIX

BATCH = 32  # texts per request to Ollama


def passage(title: str, text: str) -> str:
    return f"{DOCUMENT_PREFIX}{title}\n\n{text}"


def question(query: str) -> str:
    return f"{QUERY_PREFIX}{query}"


def embed_all(texts: list[str]) -> list[list[float]]:
    """One vector per text, in batches; the gateway's errors (503 while Ollama is down) propagate."""
    model = model_for("embeddings")
    vectors: list[list[float]] = []
    for start in range(0, len(texts), BATCH):
        vectors += embed(texts[start : start + BATCH], model=model)
    if any(len(vector) != EMBEDDING_DIMENSIONS for vector in vectors):
        raise ModelRejected(
            f"{model} does not make {EMBEDDING_DIMENSIONS}-dimensional embeddings, which knowledge collections "
            "hold (nomic-embed-text). Set LLM_MODEL_EMBEDDINGS to such a model."
        )
    return vectors
