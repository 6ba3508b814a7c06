"""Semantic search (issue 4 point 7): the catalog's embeddings in pgvector, merged with fuzzy
matching, against a stand-in that speaks Ollama's REST protocol; and search that keeps
answering when Ollama is down, slow or has the wrong model."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from apps.llm import breaker
from apps.services.embeddings import QUERY_PREFIX, catalog_embed, document_text
from apps.services.models import Service
from apps.services.tasks import embed_catalog
from storyportal import kv

pytestmark = pytest.mark.django_db

QUERY = "keep conversations between requests"


@pytest.fixture
def ollama(ollama_server, settings):
    settings.OLLAMA_URL = ollama_server.url
    return ollama_server


def _search(client: Client, q: str) -> dict:
    response = client.get("/api/v1/services/search/", {"q": q})
    assert response.status_code == 200, response.content
    return response.json()


def test_every_listed_service_is_embedded_once(ollama) -> None:
    result = catalog_embed()
    listed = Service.objects.filter(available=True)
    assert sorted(result.embedded) == sorted(listed.values_list("name", flat=True))
    assert not listed.filter(embedding__isnull=True).exists()
    assert len(listed.first().embedding) == 768
    again = catalog_embed()
    assert (again.embedded, again.current) == ([], listed.count())
    Service.objects.filter(name="RouteTable").update(description="Routes of the gateway, changed.")
    assert catalog_embed().embedded == ["RouteTable"]


def test_a_query_close_in_meaning_finds_a_service_no_word_matches(ollama, viewer_client: Client) -> None:
    catalog_embed()
    sessions = Service.objects.get(name="SessionStore")
    ollama.set_embedding(QUERY_PREFIX + QUERY, list(sessions.embedding))
    body = _search(viewer_client, QUERY)
    assert body["semantic"] == "used"
    assert "semantic_reason" not in body
    first = body["results"][0]
    assert (first["name"], first["match"]) == ("SessionStore", "semantic")
    assert first["score"] == pytest.approx(1.0, abs=0.01)


def test_meaning_ranks_services_by_shared_words(ollama, viewer_client: Client, settings) -> None:
    settings.SERVICE_SEARCH_MIN_SIMILARITY = 0.1  # the stand-in's bag-of-words vectors are sparse
    catalog_embed()
    body = _search(viewer_client, "sessions data expiry renewed")
    assert body["semantic"] == "used"
    assert body["results"][0]["name"] == "SessionStore", body


def test_fuzzy_matches_still_win_when_they_are_better(ollama, viewer_client: Client) -> None:
    catalog_embed()
    first = _search(viewer_client, "agnt regstry")["results"][0]
    assert (first["name"], first["match"]) == ("AgentRegistry", "fuzzy")


def test_search_answers_from_fuzzy_matching_while_ollama_is_down(ollama, viewer_client: Client) -> None:
    catalog_embed()
    ollama.down()
    body = _search(viewer_client, "agnt regstry")
    assert body["semantic"] == "unavailable"
    assert "unreachable" in body["semantic_reason"]
    assert body["results"][0]["name"] == "AgentRegistry"


def test_search_does_not_wait_for_a_slow_ollama(ollama, viewer_client: Client, settings) -> None:
    catalog_embed()
    settings.SERVICE_SEARCH_EMBED_TIMEOUT_MS = 300
    ollama.delay = 2.0
    started = time.perf_counter()
    body = _search(viewer_client, "session store")
    assert time.perf_counter() - started < 1.5
    assert body["semantic"] == "unavailable"
    assert body["results"][0]["name"] == "SessionStore"


def test_an_open_breaker_skips_ollama_entirely(ollama, viewer_client: Client) -> None:
    catalog_embed()
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_failure()
    ollama.reset()
    body = _search(viewer_client, "session store")
    assert body["semantic"] == "unavailable"
    assert "refused" in body["semantic_reason"]
    assert sum(ollama.calls.values()) == 0


def test_without_embeddings_search_says_so(viewer_client: Client) -> None:
    body = _search(viewer_client, "agents")
    assert body["semantic"] == "unavailable"
    assert "no embeddings" in body["semantic_reason"]


def test_an_embeddings_model_of_the_wrong_size_is_explained(ollama, settings) -> None:
    settings.LLM_MODELS = {**settings.LLM_MODELS, "embeddings": "all-minilm"}
    ollama.models = [*ollama.models, "all-minilm"] if isinstance(ollama.models, list) else ollama.models
    result = embed_catalog()
    assert result["status"] == "skipped"
    assert "384-dimensional" in result["reason"]
    assert not Service.objects.filter(embedding__isnull=False).exists()


def test_the_beat_task_and_the_command_report_what_they_did(ollama) -> None:
    assert embed_catalog()["status"] == "ok"
    assert embed_catalog()["embedded"] == []
    out = StringIO()
    call_command("sync_services", stdout=out)
    assert "embeddings (nomic-embed-text): 0 computed" in out.getvalue()
    Service.objects.update(embedding_source="")
    out = StringIO()
    call_command("sync_services", stdout=out)
    assert ollama.calls["/api/embed"] == 1
    ollama.down()
    kv.client().delete(*kv.client().keys("embedding:*"))
    Service.objects.update(embedding_source="")
    out = StringIO()
    call_command("sync_services", stdout=out)
    assert "embeddings: skipped, semantic search waits for Ollama" in out.getvalue()
    assert document_text(Service.objects.get(name="AgentRegistry")).startswith("search_document: AgentRegistry")
