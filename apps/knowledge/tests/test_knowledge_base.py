"""KnowledgeBase (L01) through the hub, against the Ollama stand-in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.events.models import Event
from apps.knowledge.embedding import passage, question
from apps.knowledge.models import Chunk, Collection
from tests.support.api import assert_envelope

pytestmark = pytest.mark.django_db

PARAGRAPHS = [
    "Agents are registered in the agent registry and move through a lifecycle of states. " * 7,
    "Workflows chain steps; a failed step is retried with exponential backoff until it succeeds. " * 7,
    "Ollama serves the language models locally; the gateway opens a circuit breaker when it fails. " * 7,
]


def _result(response: Any) -> Any:
    assert response.status_code == 200, response.content
    return response.json()["result"]


def _add(invoke: Any, client: Client, title: str, text: str, collection: str = "manual", **extra: Any) -> Any:
    return invoke(client, "KnowledgeBase", "add", {"collection": collection, "title": title, "text": text, **extra})


def test_a_document_is_chunked_embedded_and_found_by_meaning(ollama, invoke, operator_client: Client) -> None:
    added = _result(_add(invoke, operator_client, "Handbook", "\n\n".join(PARAGRAPHS), metadata={"source": "wiki"},
                         description="How the platform works"))  # fmt: skip
    assert added == {"collection": "manual", "title": "Handbook", "chunks": 3, "replaced": False}
    chunks = list(Chunk.objects.order_by("position"))
    assert [c.position for c in chunks] == [0, 1, 2]
    assert all(len(c.embedding) == 768 and c.metadata == {"source": "wiki"} for c in chunks)
    query = {"collection": "manual", "query": "retried workflow steps backoff", "limit": 2}
    found = _result(invoke(operator_client, "KnowledgeBase", "search", query))
    assert found["results"][0]["position"] == 1
    assert len(found["results"]) == 2
    assert found["results"][0]["score"] > found["results"][1]["score"]
    assert found["results"][0]["metadata"] == {"source": "wiki"}
    listed = _result(invoke(operator_client, "KnowledgeBase", "collections"))
    assert listed["collections"][0] | {"created_at": None, "updated_at": None} == {
        "name": "manual", "description": "How the platform works", "documents": 1, "chunks": 3,
        "created_at": None, "updated_at": None,
    }  # fmt: skip
    documents = _result(invoke(operator_client, "KnowledgeBase", "documents", {"collection": "manual"}))
    rows = [(d["title"], d["chunks"], d["metadata"]) for d in documents["documents"]]
    assert rows == [("Handbook", 3, {"source": "wiki"})]


def test_scores_are_cosine_similarities(ollama, invoke, operator_client: Client) -> None:
    vector = [1.0] + [0.0] * 767
    ollama.set_embedding(passage("Pinned", "Exactly this."), vector)
    ollama.set_embedding(question("what is pinned?"), vector)
    _result(_add(invoke, operator_client, "Pinned", "Exactly this."))
    _result(_add(invoke, operator_client, "Other", "Something else entirely."))
    found = _result(invoke(operator_client, "KnowledgeBase", "search", {"collection": "manual",
                                                                        "query": "what is pinned?"}))  # fmt: skip
    assert (found["results"][0]["title"], found["results"][0]["score"]) == ("Pinned", pytest.approx(1.0, abs=1e-5))
    assert found["results"][0]["text"] == "Exactly this."


def test_the_same_title_replaces_and_delete_removes(ollama, invoke, operator_client: Client, viewer_client) -> None:
    _result(_add(invoke, operator_client, "Notes", "\n\n".join(PARAGRAPHS)))
    again = _result(_add(invoke, operator_client, "Notes", "Short now."))
    assert (again["chunks"], again["replaced"]) == (1, True)
    assert Chunk.objects.count() == 1
    assert_envelope(invoke(viewer_client, "KnowledgeBase", "delete", {"collection": "manual", "title": "Notes"}), 403)
    deleted = _result(invoke(operator_client, "KnowledgeBase", "delete", {"collection": "manual", "title": "Notes"}))
    assert deleted == {"deleted_chunks": 1}
    assert_envelope(invoke(operator_client, "KnowledgeBase", "delete", {"collection": "manual", "title": "Notes"}), 404)
    assert_envelope(invoke(operator_client, "KnowledgeBase", "delete", {"collection": "nope", "title": "Notes"}), 404)
    events = list(Event.objects.filter(aggregate_type="KnowledgeCollection").order_by("timestamp", "sequence_number"))
    assert [e.event_type for e in events] == ["KnowledgeCollectionCreated", "KnowledgeDocumentAdded",
                                              "KnowledgeDocumentAdded", "KnowledgeDocumentDeleted"]  # fmt: skip
    assert all("Notes" not in str(e.payload) for e in events)  # titles may be private


def test_collections_are_private_to_their_owner(ollama, invoke, operator_client: Client, staff_client) -> None:
    _result(_add(invoke, operator_client, "Mine", "Private text."))
    assert _result(invoke(staff_client, "KnowledgeBase", "collections")) == {"count": 0, "collections": []}
    search = {"collection": "manual", "query": "private"}
    assert_envelope(invoke(staff_client, "KnowledgeBase", "search", search), 404)
    assert_envelope(invoke(staff_client, "KnowledgeBase", "documents", {"collection": "manual"}), 404)
    _result(_add(invoke, staff_client, "Theirs", "Another text."))  # the same name is theirs to use
    assert Collection.objects.filter(name="manual").count() == 2


def test_add_checks_its_input_and_the_caller(ollama, invoke, operator_client: Client, viewer_client) -> None:
    assert_envelope(_add(invoke, viewer_client, "T", "text"), 403)
    assert_envelope(_add(invoke, operator_client, "T", ""), 400)
    blank = assert_envelope(_add(invoke, operator_client, "T", " \n\n "), 400)
    assert "empty" in blank["message"]
    too_big = assert_envelope(_add(invoke, operator_client, "T", "€" * 70_000), 400)  # 210 000 bytes
    assert "200 KB" in too_big["message"]
    assert_envelope(_add(invoke, operator_client, "T", "x" * 204_801), 400)
    assert_envelope(_add(invoke, operator_client, "", "text"), 400)
    assert_envelope(_add(invoke, operator_client, "T", "text", metadata=[1]), 400)
    search = {"collection": "manual", "query": "x", "limit": 51}
    assert_envelope(invoke(operator_client, "KnowledgeBase", "search", search), 400)
    assert not Chunk.objects.exists()
    assert not Collection.objects.exists()


def test_long_texts_are_embedded_in_batches(ollama, invoke, operator_client: Client) -> None:
    text = "\n\n".join(f"Paragraph {n} " + "filler words here " * 50 for n in range(40))  # 40 chunks
    ollama.reset()
    assert _result(_add(invoke, operator_client, "Long", text))["chunks"] == 40
    sizes = [len(body["input"]) for path, body in ollama.requests if path == "/api/embed"]
    assert sizes == [32, 8]


def test_ollama_down_is_503_and_changes_nothing(ollama, invoke, operator_client: Client) -> None:
    ollama.down()
    refused = assert_envelope(_add(invoke, operator_client, "T", "Some text."), 503, "service_unavailable")
    assert "unreachable" in refused["message"]
    assert not Collection.objects.exists()
    ollama.up()
    _result(_add(invoke, operator_client, "T", "Some text."))
    ollama.down()
    search = {"collection": "manual", "query": "anything new"}
    assert_envelope(invoke(operator_client, "KnowledgeBase", "search", search), 503, "service_unavailable")


def test_admin_lists_and_deletes_through_the_service(ollama, invoke, operator_client: Client, staff_client) -> None:
    _result(_add(invoke, operator_client, "Guide", "Admin sees this."))
    collection = Collection.objects.get()
    chunk = Chunk.objects.get()
    for path in ("/admin/knowledge/collection/", f"/admin/knowledge/collection/{collection.pk}/change/",
                 "/admin/knowledge/chunk/", f"/admin/knowledge/chunk/{chunk.pk}/change/"):  # fmt: skip
        assert staff_client.get(path).status_code == 200, path
    assert staff_client.get("/admin/knowledge/collection/add/").status_code == 403
    assert staff_client.post(f"/admin/knowledge/chunk/{chunk.pk}/delete/", {"post": "yes"}).status_code == 403
    assert staff_client.post(f"/admin/knowledge/collection/{collection.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Chunk.objects.exists()
    assert Event.objects.filter(event_type="KnowledgeCollectionDeleted").count() == 1
