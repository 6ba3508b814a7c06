"""ModelRegistry and EmbeddingService (L04) through the hub, against the Ollama stand-in."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.services.models import ServiceInvocation
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def ollama(ollama_server, settings):
    settings.OLLAMA_URL = ollama_server.url
    return ollama_server


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def _invoke(client: Client, service_name: str, method_name: str, params: dict | None = None):
    body = {"service_name": service_name, "method": method_name, "params": params or {}}
    return send(client, "post", "/api/v1/services/invoke/", body)


def test_model_registry_shows_routing_and_what_is_missing(ollama, viewer_client: Client, settings) -> None:
    settings.LLM_MODELS = {**settings.LLM_MODELS, "code": "not-pulled:7b"}
    result = _invoke(viewer_client, "ModelRegistry", "status").json()["result"]
    names = {model["name"] for model in result["models"]}
    assert "nomic-embed-text:latest" in names or "nomic-embed-text" in names
    routing = {row["use_case"]: row for row in result["routing"]}
    assert routing["embeddings"]["pulled"] is True
    assert routing["embeddings"]["pull"] is None
    assert (routing["code"]["pulled"], routing["code"]["pull"]) == (False, "ollama pull not-pulled:7b")
    assert result["breaker"]["state"] == "closed"


def test_model_registry_shows_one_model_or_names_the_missing_one(ollama, viewer_client: Client) -> None:
    shown = _invoke(viewer_client, "ModelRegistry", "show", {"name": "nomic-embed-text"}).json()["result"]
    assert "embedding" in shown["capabilities"]
    missing = assert_envelope(_invoke(viewer_client, "ModelRegistry", "show", {"name": "nope:1b"}), 404)
    assert "ollama pull nope:1b" in missing["message"]
    assert_envelope(_invoke(viewer_client, "ModelRegistry", "show", {"name": ""}), 400)


def test_ollama_down_is_503_in_the_envelope_and_recorded(ollama, viewer_client: Client) -> None:
    ollama.down()
    body = assert_envelope(_invoke(viewer_client, "ModelRegistry", "status"), 503, "service_unavailable")
    assert "unreachable" in body["message"]
    assert ServiceInvocation.objects.get(service_name="ModelRegistry").status == "failed"


def test_embedding_service_embeds_and_compares(ollama, viewer_client: Client) -> None:
    result = _invoke(viewer_client, "EmbeddingService", "embed", {"texts": ["one", "two"]}).json()["result"]
    assert (result["model"], result["dimensions"], len(result["embeddings"])) == ("nomic-embed-text", 768, 2)
    same = _invoke(viewer_client, "EmbeddingService", "similarity", {"a": "agent registry", "b": "agent registry"})
    assert same.json()["result"]["similarity"] == pytest.approx(1.0, abs=1e-5)
    apart = _invoke(viewer_client, "EmbeddingService", "similarity", {"a": "agent registry", "b": "weather today"})
    assert apart.json()["result"]["similarity"] < 0.5
    assert_envelope(_invoke(viewer_client, "EmbeddingService", "embed", {"texts": []}), 400)
    assert_envelope(_invoke(viewer_client, "EmbeddingService", "embed", {"texts": ["x"] * 33}), 400)


def test_model_services_need_a_caller(client: Client) -> None:
    assert_envelope(_invoke(client, "ModelRegistry", "status"), 401)


def test_model_gateway_generates_and_chats_through_the_hub(
    ollama, operator_client: Client, viewer_client: Client
) -> None:
    ollama.reply("sky", "Blue.")
    body = _invoke(operator_client, "ModelGateway", "generate", {"prompt": "Colour of the sky?"}).json()["result"]
    assert (body["response"], body["model"]) == ("Blue.", "llama2:7b")
    chat = _invoke(operator_client, "ModelGateway", "chat", {"messages": [{"role": "user", "content": "the sky"}]})
    assert chat.json()["result"]["message"]["content"] == "Blue."
    assert_envelope(_invoke(viewer_client, "ModelGateway", "generate", {"prompt": "x"}), 403)
    assert_envelope(_invoke(operator_client, "ModelGateway", "generate", {"prompt": "x", "model": "nope:1b"}), 404)
