"""``GET services/search/`` (contract; issue 4 point 7)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support.api import assert_envelope

pytestmark = pytest.mark.django_db


def _search(client: Client, q: str, **params: object) -> dict:
    response = client.get("/api/v1/services/search/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("agnt regstry", "AgentRegistry"),
        ("AgentRegistry", "AgentRegistry"),
        ("agent registry", "AgentRegistry"),
        ("sesion store", "SessionStore"),
        ("evnt stor", "EventStore"),
        ("api key", "ApiKeyManager"),
        ("rate limit", "RateLimitInspector"),
        ("helth", "HealthMonitor"),
    ],
)
def test_typos_find_the_service(viewer_client: Client, query: str, expected: str) -> None:
    body = _search(viewer_client, query)
    assert body["results"][0]["name"] == expected, body
    assert body["query"] == query
    assert body["total"] == len(body["results"])


def test_exact_names_are_marked_exact(viewer_client: Client) -> None:
    first = _search(viewer_client, "AgentRegistry")["results"][0]
    assert (first["match"], first["score"]) == ("exact", 1.0)
    assert set(first) == {"name", "layer", "description", "score", "match"}
    assert _search(viewer_client, "agnt regstry")["results"][0]["match"] == "fuzzy"


def test_unrelated_queries_find_nothing(viewer_client: Client) -> None:
    assert _search(viewer_client, "zzzzqqqq")["total"] == 0


def test_limit_is_capped_at_20_and_q_is_required(viewer_client: Client) -> None:
    assert len(_search(viewer_client, "a", limit=500)["results"]) <= 20
    assert len(_search(viewer_client, "store", limit=1)["results"]) == 1
    assert_envelope(viewer_client.get("/api/v1/services/search/"), 400)
    assert_envelope(viewer_client.get("/api/v1/services/search/", {"q": ""}), 400)
    assert_envelope(viewer_client.get("/api/v1/services/search/", {"q": "x", "limit": "many"}), 400)
    assert_envelope(viewer_client.get("/api/v1/services/search/", {"q": "x" * 201}), 400)


def test_semantic_ranking_is_reported_unavailable(viewer_client: Client) -> None:
    assert _search(viewer_client, "agents")["semantic"] == "unavailable"


def test_search_has_its_own_50_per_minute_limit(viewer_client: Client) -> None:
    response = viewer_client.get("/api/v1/services/search/", {"q": "agent"})
    assert response["X-Rate-Limit-Limit"] == "50"
    assert response["X-Rate-Limit-Remaining"] == "49"
