"""Knowledge collections: a person's texts, cut into chunks with an embedding each."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from pgvector.django import HnswIndex, VectorField

__all__ = ["EMBEDDING_DIMENSIONS", "Chunk", "Collection"]

# nomic-embed-text's size, as the service catalog's embeddings (apps.services.models).
EMBEDDING_DIMENSIONS = 768


class Collection(models.Model):
    """A named set of documents belonging to one person; the name is unique per owner."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "knowledge_collections"
        ordering = ["owner", "name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="knowledge_collection_owner_name_uniq")]

    def __str__(self) -> str:
        return self.name


class Chunk(models.Model):
    """One piece (about a paragraph or a few) of a document, with its embedding. A document
    is the chunks of one collection sharing a title, in ``position`` order."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="chunks")
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField()
    text = models.TextField()
    metadata = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "knowledge_chunks"
        ordering = ["collection", "title", "position"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "title", "position"], name="knowledge_chunk_position_uniq")
        ]
        indexes = [
            HnswIndex(
                name="knowledge_chunks_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} #{self.position}"
