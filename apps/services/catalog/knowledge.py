"""L01 KnowledgeBase and L03 WebFetcher: what agents read, kept or fetched."""

from __future__ import annotations

from typing import Any

from apps.knowledge import selectors, services
from apps.knowledge.models import Collection
from apps.knowledge.web import page_fetch
from apps.services.catalog.schemas import LIMIT, UUID, obj
from apps.services.registry import Caller, method, service
from storyportal.api import actor

COUNT = {"type": "integer"}
COLLECTION = {"type": "string", "minLength": 1, "maxLength": 100}
TITLE = {"type": "string", "minLength": 1, "maxLength": 200}
TEXT = {"type": "string", "minLength": 1, "maxLength": services.MAX_TEXT_BYTES}  # characters; bytes checked too
DOCUMENT = obj({"collection": COLLECTION, "title": TITLE}, "collection", "title")


def _collection(row: Any) -> dict[str, Any]:
    """A row of :func:`selectors.collection_list`."""
    return {"name": row.name, "description": row.description, "documents": row.documents, "chunks": row.chunk_count,
            "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat()}  # fmt: skip


def _hit(hit: selectors.Hit) -> dict[str, Any]:
    chunk = hit.chunk
    return {"title": chunk.title, "position": chunk.position, "text": chunk.text, "metadata": chunk.metadata,
            "score": hit.score}  # fmt: skip


@service(
    name="KnowledgeBase",
    layer="L01",
    description="Your own document collections for retrieval (RAG): texts cut into chunks, found by meaning.",
    dependencies=("postgres", "ollama"),
)
class KnowledgeBase:
    @method(
        description="Your knowledge collections with how many documents and chunks each holds.",
        params=obj({"limit": LIMIT}),
        result=obj({"count": COUNT, "collections": {"type": "array"}}, "count", "collections"),
    )
    def collections(self, caller: Caller, limit: int = 20) -> dict[str, Any]:
        found = selectors.collection_list(owner=caller.user)
        return {"count": found.count(), "collections": [_collection(c) for c in found[:limit]]}

    @method(
        description="A collection's documents (titles), newest first, with their chunk counts and metadata.",
        params=obj({"collection": COLLECTION, "limit": {**LIMIT, "maximum": 500}}, "collection"),
        result=obj({"count": COUNT, "documents": {"type": "array"}}, "count", "documents"),
    )
    def documents(self, caller: Caller, collection: str, limit: int = 20) -> dict[str, Any]:
        found = selectors.document_list(collection=selectors.collection_get(owner=caller.user, name=collection))
        rows = [{**row, "added_at": row["added_at"].isoformat()} for row in found[:limit]]
        return {"count": found.count(), "documents": rows}

    @method(
        description=(
            f"Add a text (at most {services.MAX_TEXT_BYTES // 1024} KB) to a collection, made if missing: it is cut "
            "along paragraphs into chunks of about 1000 characters, each embedded (nomic-embed-text). A document "
            "with the same title is replaced."
        ),
        params=obj(
            {"collection": COLLECTION, "title": TITLE, "text": TEXT,
             "metadata": {"type": "object"}, "description": {"type": "string", "maxLength": 1000}},
            "collection", "title", "text",
        ),
        result=obj({"collection": {"type": "string"}, "title": {"type": "string"}, "chunks": COUNT,
                    "replaced": {"type": "boolean"}}, "collection", "title", "chunks", "replaced"),
        writes=True,
        timeout=120,
    )  # fmt: skip
    def add(
        self, caller: Caller, collection: str, title: str, text: str, metadata: dict[str, Any] | None = None,
        description: str = "",
    ) -> dict[str, Any]:  # fmt: skip
        added = services.document_add(owner=caller.user, collection=collection, title=title, text=text,
                                      metadata=metadata, description=description)  # fmt: skip
        return {"collection": added.collection.name, "title": added.title, "chunks": added.chunks,
                "replaced": added.replaced}  # fmt: skip

    @method(
        description="The chunks of a collection closest in meaning to a question, best first, with cosine scores.",
        params=obj({"collection": COLLECTION, "query": {"type": "string", "minLength": 1, "maxLength": 2000},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 50, "default": 5}},
                   "collection", "query"),
        result=obj({"collection": {"type": "string"}, "results": {"type": "array"}}, "collection", "results"),
    )  # fmt: skip
    def search(self, caller: Caller, collection: str, query: str, limit: int = 5) -> dict[str, Any]:
        found: Collection = selectors.collection_get(owner=caller.user, name=collection)
        hits = selectors.chunk_search(collection=found, query=query, limit=limit)
        return {"collection": found.name, "results": [_hit(hit) for hit in hits]}

    @method(
        description="Delete a document (all its chunks) from one of your collections.",
        params=DOCUMENT,
        result=obj({"deleted_chunks": COUNT}, "deleted_chunks"),
        writes=True,
    )
    def delete(self, caller: Caller, collection: str, title: str) -> dict[str, Any]:
        return {"deleted_chunks": services.document_delete(owner=caller.user, collection=collection, title=title)}


PAGE = obj(
    {"url": {"type": "string"}, "status": COUNT, "content_type": {"type": "string"}, "title": {"type": "string"},
     "description": {"type": "string"}, "text": {"type": "string"}, "truncated": {"type": "boolean"},
     "links": {"type": "array"}, "redirect_to": {"type": ["string", "null"]}, "execution_id": UUID},
    "url", "status", "text", "links", "execution_id",
)  # fmt: skip


@service(
    name="WebFetcher",
    layer="L03",
    description="Read a web page as an agent needs it: title, clean text and links (allow-listed hosts only).",
    dependencies=(),
)
class WebFetcher:
    @method(
        description=(
            "GET a page through the http_request tool (TOOLS_HTTP_ALLOWED_HOSTS, redirects returned in "
            "redirect_to and not followed, its size and time limits; a page read is recorded in tool_executions, a "
            "failed fetch only as a failed call) and return "
            "its title, description, text without scripts or styles, and links. 400 for a host off the list, "
            "502 if it does not answer, 415 for content that is not HTML or text."
        ),
        params=obj(
            {"url": {"type": "string", "minLength": 1, "maxLength": 2048, "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"},
             "max_chars": {"type": "integer", "minimum": 100, "maximum": 200000, "default": 20000},
             "max_links": {"type": "integer", "minimum": 0, "maximum": 500, "default": 100}},
            "url",
        ),
        result=PAGE,
        writes=True,
    )  # fmt: skip
    def fetch(self, caller: Caller, url: str, max_chars: int = 20000, max_links: int = 100) -> dict[str, Any]:
        label = actor.current() or f"user:{caller.user.get_username()}"
        fetched = page_fetch(url=url, caller=label, user=caller.user, max_chars=max_chars, max_links=max_links)
        page = fetched.page
        return {
            "url": url, "status": fetched.status, "content_type": fetched.content_type, "title": page.title,
            "description": page.description, "text": page.text, "truncated": fetched.truncated, "links": page.links,
            "redirect_to": fetched.redirect_to, "execution_id": str(fetched.execution.id),
        }  # fmt: skip
