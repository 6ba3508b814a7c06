"""``llm/`` and ``llm-requests/`` against the Ollama stand-in: answers, the log, coalescing,
the 10/min limit, Ollama down or missing a model, and ``llm`` workflow steps."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from apps.accounts.scopes import READ, WRITE
from apps.llm.models import LlmRequest
from apps.llm.services import generate
from apps.workflows.models import RunStatus
from apps.workflows.services.definitions import workflow_create
from apps.workflows.services.runs import run_execute
from apps.workflows.tests.support import drive, steps_of
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


def test_generate_answers_with_counts_and_is_logged(ollama, operator_client: Client) -> None:
    ollama.reply("capital of France", "Paris.")
    response = send(operator_client, "post", "/api/v1/llm/generate/", {"prompt": "The capital of France?"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["model"], body["response"]) == ("llama2:7b", "Paris.")
    assert body["prompt_tokens"] > 0
    assert body["completion_tokens"] > 0
    row = LlmRequest.objects.get(pk=body["request_id"])
    assert (row.kind, row.status, row.caller, row.use_case) == ("generate", "succeeded", "user:otto", "chat")
    assert len(row.prompt_hash) == 64
    listed = operator_client.get("/api/v1/llm-requests/", {"status": "succeeded"}).json()
    assert listed["results"][0]["id"] == body["request_id"]
    stats = operator_client.get("/api/v1/llm-requests/stats/", {"minutes": 5}).json()
    assert sum(bucket["count"] for bucket in stats["buckets"]) == 1
    assert stats["by_model"][0]["model"] == "llama2:7b"


def test_chat_and_embed(ollama, operator_client: Client, viewer_client: Client) -> None:
    chat = send(operator_client, "post", "/api/v1/llm/chat/", {"messages": [{"role": "user", "content": "hello"}]})
    assert chat.json()["message"]["role"] == "assistant"
    embedded = send(viewer_client, "post", "/api/v1/llm/embed/", {"input": ["a", "b"]}).json()
    assert (embedded["model"], len(embedded["embeddings"]), len(embedded["embeddings"][0])) == (
        "nomic-embed-text",
        2,
        768,
    )


def test_models_show_routing_and_what_to_pull(ollama, viewer_client: Client) -> None:
    body = viewer_client.get("/api/v1/llm/models/").json()
    routing = {row["use_case"]: row for row in body["routing"]}
    assert routing["chat"]["pulled"] is True
    assert routing["code"]["pull"] == "ollama pull mistral:7b"


def test_refusals(ollama, operator_client: Client, viewer_client: Client, client: Client) -> None:
    assert_envelope(send(client, "post", "/api/v1/llm/generate/", {"prompt": "x"}), 401)
    assert_envelope(send(viewer_client, "post", "/api/v1/llm/generate/", {"prompt": "x"}), 403)
    assert_envelope(send(operator_client, "post", "/api/v1/llm/generate/", {}), 400)
    assert_envelope(send(operator_client, "post", "/api/v1/llm/generate/", {"prompt": "x", "format": 3}), 400)
    assert_envelope(send(operator_client, "post", "/api/v1/llm/chat/", {"messages": []}), 400)
    assert_envelope(send(viewer_client, "post", "/api/v1/llm/embed/", {"input": []}), 400)
    missing = assert_envelope(
        send(operator_client, "post", "/api/v1/llm/generate/", {"prompt": "x", "model": "nope:1b"}), 404
    )
    assert "ollama pull nope:1b" in missing["message"]
    assert_envelope(operator_client.get("/api/v1/llm-requests/stats/", {"minutes": 0}), 400)
    ollama.down()
    assert_envelope(send(operator_client, "post", "/api/v1/llm/generate/", {"prompt": "x"}), 503)
    assert_envelope(viewer_client.get("/api/v1/llm/models/"), 503)
    assert LlmRequest.objects.filter(status="failed").count() == 2  # the missing model, and while down


def test_generate_has_a_10_per_minute_limit(ollama, operator_client: Client) -> None:
    for _ in range(10):
        response = send(operator_client, "post", "/api/v1/llm/generate/", {"prompt": "x"})
        assert response["X-Rate-Limit-Limit"] == "10"
    limited = send(operator_client, "post", "/api/v1/llm/generate/", {"prompt": "x"})
    assert_envelope(limited, 429)
    assert "Retry-After" in limited


@pytest.mark.django_db(transaction=True)
def test_identical_concurrent_requests_share_one_upstream_call(ollama) -> None:
    ollama.delay = 0.5
    answers = []

    def ask() -> None:
        try:
            answers.append(generate(prompt="same question", caller="test"))
        finally:
            connection.close()  # each thread's own connection

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ollama.calls["/api/generate"] == 1
    assert len({answer.text for answer in answers}) == 1
    assert sum(answer.coalesced for answer in answers) == 5
    assert LlmRequest.objects.filter(coalesced=True).count() == 5


def test_llm_steps_run_in_workflows(ollama, operator_user) -> None:
    ollama.reply("Summarise", '{"summary": "short"}')
    workflow = workflow_create(
        name="summarise",
        steps=[{"id": "ask", "kind": "llm", "prompt": "Summarise {{ inputs.text }}", "format": "json"}],
        outputs={"summary": "{{ steps.ask.output.json.summary }}"},
    )
    run = drive(run_execute(workflow=workflow, inputs={"text": "a long text"}, user=operator_user,
                            scopes=frozenset({READ, WRITE})))  # fmt: skip
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.outputs == {"summary": "short"}
    assert steps_of(run)["ask"].output["request_id"]
    ollama.down()
    failed = drive(run_execute(workflow=workflow, inputs={"text": "x"}, user=operator_user,
                               scopes=frozenset({READ, WRITE})))  # fmt: skip
    assert failed.status == RunStatus.FAILED
    assert "503" in failed.error
