"""Adding documents to knowledge collections and removing them.

A document's chunks are embedded before anything is written, so while Ollama cannot answer
(503) nothing changes. Events name collections by id only: titles may be private."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.events.services import event_append
from apps.knowledge.chunking import chunk_text
from apps.knowledge.embedding import embed_all, passage
from apps.knowledge.errors import DocumentInvalid, NotFound
from apps.knowledge.models import Chunk, Collection
from apps.knowledge.selectors import collection_get

MAX_TEXT_BYTES = 200 * 1024


@dataclass(frozen=True)
class Added:
    collection: Collection
    title: str
    chunks: int
    replaced: bool


def _record(collection: Collection, event_type: str, **payload: Any) -> None:
    event_append(aggregate_type="KnowledgeCollection", aggregate_id=collection.id, event_type=event_type,
                 payload={"collection_id": str(collection.id), **payload})  # fmt: skip


def _checked(text: str) -> list[str]:
    size = len(text.encode())
    if size > MAX_TEXT_BYTES:
        raise DocumentInvalid(f"The text is {size} bytes; at most {MAX_TEXT_BYTES} (200 KB) are taken.",
                              details={"text": ["Too long."]})  # fmt: skip
    chunks = chunk_text(text)
    if not chunks:
        raise DocumentInvalid("The text is empty.", details={"text": ["Required."]})
    return chunks


def document_add(
    *, owner: Any, collection: str, title: str, text: str, metadata: dict[str, Any] | None = None,
    description: str = "",
) -> Added:  # fmt: skip
    """Chunk, embed and store a document in the owner's collection (made if missing). A
    document with the same title is replaced."""
    pieces = _checked(text)
    vectors = embed_all([passage(title, piece) for piece in pieces])  # before any write: no lock waits on Ollama
    with transaction.atomic():
        found, created = Collection.objects.get_or_create(owner=owner, name=collection,
                                                          defaults={"description": description})  # fmt: skip
        # Locked: two adds of one title must not interleave their chunks.
        found = Collection.objects.select_for_update().get(pk=found.pk)
        replaced, _ = Chunk.objects.filter(collection=found, title=title).delete()
        Chunk.objects.bulk_create(
            Chunk(collection=found, title=title, position=position, text=piece, metadata=metadata or {},
                  embedding=vector)
            for position, (piece, vector) in enumerate(zip(pieces, vectors, strict=True))
        )  # fmt: skip
        found.updated_at = timezone.now()
        found.description = description or found.description
        found.save(update_fields=["updated_at", "description"])
        if created:
            _record(found, "KnowledgeCollectionCreated")
        _record(found, "KnowledgeDocumentAdded", chunks=len(pieces), replaced=bool(replaced))
    return Added(found, title, len(pieces), bool(replaced))


@transaction.atomic
def document_delete(*, owner: Any, collection: str, title: str) -> int:
    """Delete a document's chunks; the number deleted (404 if it has none)."""
    found = collection_get(owner=owner, name=collection)
    deleted, _ = Chunk.objects.filter(collection=found, title=title).delete()
    if not deleted:
        raise NotFound(f"Collection {collection} has no document titled {title}.")
    _record(found, "KnowledgeDocumentDeleted", chunks=deleted)
    return deleted


@transaction.atomic
def collection_delete(*, collection: Collection) -> None:
    """Delete a collection with all its documents."""
    _record(collection, "KnowledgeCollectionDeleted")
    collection.delete()
