"""Prefix aliases of the gateway (contract: ``/api/services/...`` = ``/api/v1/services/...``)."""

from __future__ import annotations

import pytest
from django.test import Client

from storyportal.api.routes import layer_resources

pytestmark = [pytest.mark.django_db, pytest.mark.urls("storyportal.tests.urls_aliases")]


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("/api/services/", "/api/v1/services/"),
        ("/api/services/Agents/", "/api/v1/services/Agents/"),
        ("/api/llm/generate/", "/api/v1/llm/generate/"),
        ("/api/l12/services/", "/api/v1/services/"),
    ],
)
def test_aliases_reach_the_v1_view(viewer_client: Client, alias: str, canonical: str) -> None:
    a, b = viewer_client.get(alias), viewer_client.get(canonical)
    assert a.status_code == b.status_code == 200
    assert a.json() == b.json()


def test_only_the_named_prefixes_are_aliased(viewer_client: Client) -> None:
    assert viewer_client.get("/api/v1/agents/").status_code == 200
    assert viewer_client.get("/api/agents/").status_code == 404
    assert viewer_client.get("/api/l01/services/").status_code == 404


def test_aliases_are_protected_like_v1() -> None:
    assert Client().get("/api/services/").status_code == 401


def test_layer_table_names_each_layers_resources() -> None:
    table = layer_resources()
    assert set(table["L01"]) >= {"users", "sessions", "events"}
    assert "api-keys" in table["L09"]
