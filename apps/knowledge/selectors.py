"""Reads on knowledge collections, and semantic search over their chunks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Min, OuterRef, QuerySet, Subquery
from pgvector.django import CosineDistance

from apps.knowledge.embedding import embed_all, question
from apps.knowledge.errors import NotFound
from apps.knowledge.models import Chunk, Collection


def collection_list(*, owner: Any) -> QuerySet[Collection]:
    """The owner's collections by name, with how many documents and chunks each holds."""
    return (
        Collection.objects.filter(owner=owner)
        .annotate(documents=Count("chunks__title", distinct=True), chunk_count=Count("chunks"))
        .order_by("name")
    )


def collection_get(*, owner: Any, name: str) -> Collection:
    found = Collection.objects.filter(owner=owner, name=name).first()
    if found is None:
        raise NotFound(f"You have no knowledge collection named {name}.")
    return found


def document_list(*, collection: Collection) -> QuerySet[Any, Any]:
    """The collection's documents (titles) with their chunk counts and metadata, newest first."""
    first = Chunk.objects.filter(collection=collection, title=OuterRef("title"), position=0)
    return (
        Chunk.objects.filter(collection=collection)
        .values("title")
        .annotate(chunks=Count("pk"), added_at=Min("created_at"), metadata=Subquery(first.values("metadata")[:1]))
        .order_by("-added_at", "title")
    )


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # cosine similarity, 1 = same meaning


def chunk_search(*, collection: Collection, query: str, limit: int) -> list[Hit]:
    """The chunks closest in meaning to ``query``, best first."""
    [vector] = embed_all([question(query)])
    nearest = (
        Chunk.objects.filter(collection=collection)
        .defer("embedding")
        .annotate(distance=CosineDistance("embedding", vector))
        .order_by("distance")[:limit]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # The HNSW index filters after it finds neighbours: without iterative scans a small
        # collection among large ones could get fewer than ``limit`` chunks back.
        cursor.execute("SET LOCAL hnsw.iterative_scan = strict_order")
        return [Hit(chunk, round(1.0 - float(chunk.distance), 6)) for chunk in nearest]
