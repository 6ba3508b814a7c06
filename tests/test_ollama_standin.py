"""The stand-in Ollama speaks Ollama's REST protocol to the official client and to raw HTTP, and obeys its controls."""

from __future__ import annotations

import json
import math
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import jsonschema
import ollama
import pytest

from tests.support.ollama import OllamaStandIn, ollama_standin, pattern_example

# Building an httpx client loads the CA bundle (tens of ms); one context shared by every client keeps the file fast.
TLS = ssl.create_default_context()


@pytest.fixture
def client(ollama_server: OllamaStandIn) -> Iterator[ollama.Client]:
    with ollama.Client(host=ollama_server.url, verify=TLS) as client:
        yield client


@pytest.fixture
def http(ollama_server: OllamaStandIn) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=ollama_server.url, timeout=5, verify=TLS) as http:
        yield http


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / (math.hypot(*a) * math.hypot(*b))


# --- plain protocol ----------------------------------------------------------------------------------------------


def test_root_says_ollama_is_running(http: httpx.Client) -> None:
    response = http.get("/")
    assert (response.status_code, response.text) == (200, "Ollama is running")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert http.head("/").status_code == 200
    assert http.get("/api/version").json() == {"version": "0.12.0"}


def test_unknown_path_and_wrong_method_answer_like_gin(http: httpx.Client) -> None:
    assert (http.get("/api/nope").status_code, http.get("/api/nope").text) == (404, "404 page not found")
    assert (http.get("/api/generate").status_code, http.get("/api/generate").text) == (405, "405 method not allowed")


def test_json_answers_are_compact_go_json(http: httpx.Client) -> None:
    response = http.get("/api/version")
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.text == '{"version":"0.12.0"}'


def test_streams_are_chunked_ndjson(http: httpx.Client) -> None:
    with http.stream("POST", "/api/generate", json={"model": "llama2:7b", "prompt": "Why is the sky blue?"}) as r:
        lines = [json.loads(line) for line in r.iter_lines()]
        assert r.headers["content-type"] == "application/x-ndjson"
        assert r.headers["transfer-encoding"] == "chunked"
    assert [line["done"] for line in lines] == [False] * (len(lines) - 1) + [True]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "missing request body"),
        (b"{bad", "invalid character 'b' looking for beginning of value"),
        (b'{"model": "llama2:7b"', "unexpected EOF"),
        (b"[1]", "json: cannot unmarshal array into Go value of type api.GenerateRequest"),
        (b'{"model": "llama2:7b", "prompt": 5}',
         "json: cannot unmarshal number into Go struct field GenerateRequest.prompt of type string"),
    ],
)  # fmt: skip
def test_bad_body_is_400(http: httpx.Client, body: bytes, error: str) -> None:
    response = http.post("/api/generate", content=body)
    assert (response.status_code, response.json()) == (400, {"error": error})


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/api/generate", 404, "model '' not found"),
        ("/api/chat", 400, "model is required"),
        ("/api/show", 400, "model is required"),
        ("/api/embeddings", 400, "model is required"),
        ("/api/pull", 400, "invalid model name"),
    ],
)
def test_request_without_model_gets_ollamas_own_answer(http: httpx.Client, path: str, status: int, error: str) -> None:
    response = http.post(path, json={"prompt": "hi"})
    assert (response.status_code, response.json()) == (status, {"error": error})


# --- models ------------------------------------------------------------------------------------------------------


def test_list_shows_present_models_with_details(client: ollama.Client) -> None:
    models = {model.model: model for model in client.list().models}
    assert set(models) == {"llama2:7b", "nomic-embed-text:latest"}
    llama = models["llama2:7b"]
    assert llama.details is not None
    assert (llama.details.family, llama.details.parameter_size, llama.details.format) == ("llama", "7B", "gguf")
    assert llama.size
    assert llama.size > 3_000_000_000
    assert llama.digest
    assert len(llama.digest) == 64


def test_show_reports_capabilities_and_model_info(client: ollama.Client) -> None:
    llama = client.show("llama2:7b")
    embedder = client.show("nomic-embed-text")
    assert llama.capabilities == ["completion"]
    assert embedder.capabilities == ["embedding"]
    assert embedder.modelinfo
    assert embedder.modelinfo["nomic-bert.embedding_length"] == 768
    assert llama.template
    assert "{{ .Prompt }}" in llama.template
    assert llama.modelfile
    assert llama.modelfile.startswith('# Modelfile generated by "ollama show"')


def test_show_of_missing_model_is_404_naming_it(client: ollama.Client) -> None:
    with pytest.raises(ollama.ResponseError) as caught:
        client.show("ghost:1b")
    assert (caught.value.status_code, caught.value.error) == (404, "model 'ghost:1b' not found")


def test_streamed_pull_reports_progress_and_makes_the_model_present(client: ollama.Client) -> None:
    statuses = [progress.status for progress in client.pull("mistral:7b", stream=True)]
    assert statuses[0] == "pulling manifest"
    assert statuses[-3:] == ["verifying sha256 digest", "writing manifest", "success"]
    assert any(status and status.startswith("pulling ") and len(status) == 20 for status in statuses)
    assert "mistral:7b" in [model.model for model in client.list().models]


def test_pull_progress_carries_digest_total_and_completed(client: ollama.Client) -> None:
    layers = [p for p in client.pull("all-minilm", stream=True) if p.digest]
    assert all(p.digest and p.digest.startswith("sha256:") and p.total for p in layers)
    assert layers[-1].completed == layers[-1].total


def test_pull_without_stream_answers_success(client: ollama.Client, ollama_server: OllamaStandIn) -> None:
    assert client.pull("codellama:7b").status == "success"
    assert "codellama:7b" in ollama_server.models


def test_pull_of_unknown_model_fails_like_ollama(client: ollama.Client, http: httpx.Client) -> None:
    with pytest.raises(ollama.ResponseError, match="pull model manifest: file does not exist"):
        list(client.pull("nonexistent:13b", stream=True))
    response = http.post("/api/pull", json={"model": "nonexistent:13b", "stream": False})
    assert (response.status_code, response.json()) == (500, {"error": "pull model manifest: file does not exist"})


def test_library_and_models_are_settable(client: ollama.Client, ollama_server: OllamaStandIn) -> None:
    ollama_server.models = []
    ollama_server.library = ["tinyllama"]
    assert client.list().models == []
    assert client.pull("tinyllama").status == "success"
    assert ollama_server.models == ["tinyllama:latest"]


# --- generate and chat -------------------------------------------------------------------------------------------


def test_generate_streams_word_by_word_then_statistics(client: ollama.Client) -> None:
    parts = list(client.generate("llama2:7b", "Why is the sky blue?", stream=True))
    *chunks, final = parts
    assert len(chunks) > 3
    assert not any(chunk.done for chunk in chunks)
    whole = client.generate("llama2:7b", "Why is the sky blue?").response
    assert "".join(chunk.response or "" for chunk in chunks) == whole
    assert (final.done, final.done_reason, final.response) == (True, "stop", "")
    assert final.eval_count == len(chunks)
    assert final.context
    assert all(isinstance(token, int) for token in final.context)
    assert final.total_duration
    assert final.eval_duration
    assert final.total_duration > final.eval_duration > 0


def test_generate_answer_is_deterministic_and_derived_from_the_prompt(client: ollama.Client) -> None:
    first = client.generate("llama2:7b", "Summarise the quarterly report", options={"temperature": 0})
    again = client.generate("Llama2:7B", "Summarise the quarterly report")  # names match case-blind
    assert first.response == again.response == "Stand-in answer to: Summarise the quarterly report"
    assert first.done_reason == "stop"
    assert first.prompt_eval_count
    assert first.eval_count


def test_canned_reply_answers_matching_prompts(client: ollama.Client, ollama_server: OllamaStandIn) -> None:
    ollama_server.reply("capital of France", "Paris.")
    assert client.generate("llama2:7b", "What is the capital of France?").response == "Paris."
    chat = client.chat("llama2:7b", messages=[{"role": "user", "content": "capital of France, please"}])
    assert chat.message.content == "Paris."
    assert (client.generate("llama2:7b", "Something else").response or "").startswith("Stand-in answer to:")


SCHEMAS: list[dict[str, Any]] = [
    {"type": "object", "properties": {"age": {"type": "integer"}, "available": {"type": "boolean"}},
     "required": ["age", "available"]},
    {"type": "object", "required": ["tags", "level", "code", "score", "note"], "properties": {
        "tags": {"type": "array", "items": {"type": "string", "minLength": 3}, "minItems": 2, "uniqueItems": True},
        "level": {"enum": ["low", "high"]},
        "code": {"type": "string", "pattern": "^[A-Z]{3}-\\d{4}$"},
        "score": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "note": {"anyOf": [{"type": "string", "maxLength": 4}, {"type": "null"}]}}},
    {"$defs": {"Step": {"type": "object", "properties": {"title": {"type": "string"}, "n": {"type": "integer",
     "minimum": 5, "multipleOf": 5}}, "required": ["title", "n"]}},
     "type": "object", "properties": {"steps": {"type": "array", "items": {"$ref": "#/$defs/Step"}, "minItems": 1}},
     "required": ["steps"], "additionalProperties": False},
]  # fmt: skip


@pytest.mark.parametrize("schema", SCHEMAS)
def test_generate_with_a_schema_format_returns_valid_json(client: ollama.Client, schema: dict[str, Any]) -> None:
    response = client.generate("llama2:7b", "Describe the plan. Respond in JSON.", format=schema)
    jsonschema.validate(json.loads(response.response or ""), schema)


def test_chat_with_a_schema_format_streams_valid_json(client: ollama.Client) -> None:
    messages = [{"role": "user", "content": "Ollama is 22 years old. Respond in JSON."}]
    text = "".join(
        part.message.content or "" for part in client.chat("llama2:7b", messages, format=SCHEMAS[0], stream=True)
    )
    jsonschema.validate(json.loads(text), SCHEMAS[0])


def test_json_mode_returns_a_json_object(client: ollama.Client) -> None:
    response = client.generate("llama2:7b", "Colours? Respond in JSON", format="json")
    assert isinstance(json.loads(response.response or ""), dict)


def test_pattern_example_covers_simple_patterns() -> None:
    for pattern in ("^[a-z]+$", "^\\d{3}-\\d{2}$", "^(foo|bar)_[0-9]{2,}$", "v\\d+\\.\\d+"):
        example = pattern_example(pattern)
        assert example is not None
        assert jsonschema.Draft202012Validator({"pattern": pattern}).is_valid(example)


def test_chat_streams_assistant_message_from_the_last_user_turn(client: ollama.Client) -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": "how is that different?"},
    ]
    *chunks, final = client.chat("llama2:7b", messages=messages, stream=True)
    assert all(chunk.message.role == "assistant" for chunk in chunks)
    assert "".join(chunk.message.content or "" for chunk in chunks) == "Stand-in answer to: how is that different?"
    assert (final.done, final.done_reason, final.message.content) == (True, "stop", "")
    assert final.eval_count == len(chunks)
    assert final.prompt_eval_count


def test_non_streamed_chat_returns_the_whole_message(client: ollama.Client) -> None:
    tools = [{"type": "function", "function": {"name": "noop", "description": "", "parameters": {"type": "object"}}}]
    response = client.chat("llama2:7b", messages=[{"role": "user", "content": "hello"}], tools=tools)
    assert (response.message.role, response.message.content) == ("assistant", "Stand-in answer to: hello")
    assert response.done
    assert response.total_duration


def test_embedding_model_cannot_generate(client: ollama.Client) -> None:
    with pytest.raises(ollama.ResponseError) as caught:
        client.generate("nomic-embed-text", "hi")
    assert (caught.value.status_code, caught.value.error) == (400, '"nomic-embed-text" does not support generate')


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.generate("ghost:7b", "hi"), "model 'ghost:7b' not found"),
        (lambda c: list(c.generate("ghost:7b", "hi", stream=True)), "model 'ghost:7b' not found"),
        (lambda c: c.chat("ghost:7b", messages=[{"role": "user", "content": "hi"}]), "model 'ghost:7b' not found"),
        (lambda c: c.embed("ghost:7b", "hi"), 'model "ghost:7b" not found, try pulling it first'),
        (lambda c: c.embeddings("ghost:7b", "hi"), 'model "ghost:7b" not found, try pulling it first'),
    ],
)
def test_missing_model_is_404_naming_the_model(client: ollama.Client, call: object, error: str) -> None:
    with pytest.raises(ollama.ResponseError) as caught:
        call(client)  # type: ignore[operator]
    assert (caught.value.status_code, caught.value.error) == (404, error)


# --- embeddings --------------------------------------------------------------------------------------------------


def test_embed_single_and_batch_with_model_dimensions(client: ollama.Client, ollama_server: OllamaStandIn) -> None:
    ollama_server.models = ["nomic-embed-text", "all-minilm", "llama2:7b"]
    single = client.embed("nomic-embed-text", "Why is the sky blue?")
    batch = client.embed("all-minilm", ["Why is the sky blue?", "Why is the grass green?"])
    assert [len(v) for v in single.embeddings] == [768]
    assert [len(v) for v in batch.embeddings] == [384, 384]
    assert len(client.embed("llama2:7b", "x").embeddings[0]) == 4096
    assert single.model == "nomic-embed-text"
    assert single.prompt_eval_count
    assert single.total_duration


def test_embeddings_are_deterministic_unit_vectors(client: ollama.Client) -> None:
    first, again = (client.embed("nomic-embed-text", "Deploy the agent").embeddings[0] for _ in range(2))
    assert first == again
    assert math.isclose(math.hypot(*first), 1.0)


def test_texts_sharing_words_are_closer_than_unrelated_ones(client: ollama.Client) -> None:
    texts = ["The deployment of agents failed", "Agent deployment failing", "Bananas are yellow fruit"]
    anchor, similar, unrelated = client.embed("nomic-embed-text", texts).embeddings
    assert cosine(anchor, similar) > 0.5 > cosine(anchor, unrelated)
    camel, spaced = client.embed("nomic-embed-text", ["WorkflowRunner", "workflow runners"]).embeddings
    assert cosine(camel, spaced) > 0.99


def test_pinned_embedding_is_returned_as_given(client: ollama.Client, ollama_server: OllamaStandIn) -> None:
    ollama_server.set_embedding("pinned text", [1.0, 0.0, 0.0])
    assert client.embed("nomic-embed-text", ["pinned text"]).embeddings == [[1.0, 0.0, 0.0]]
    assert client.embeddings("nomic-embed-text", "pinned text").embedding == [1.0, 0.0, 0.0]


def test_legacy_embeddings_endpoint(client: ollama.Client) -> None:
    legacy = client.embeddings("nomic-embed-text", "Here is an article about llamas")
    assert legacy.embedding == client.embed("nomic-embed-text", "Here is an article about llamas").embeddings[0]


def test_embed_rejects_a_non_string_input(http: httpx.Client) -> None:
    response = http.post("/api/embed", json={"model": "nomic-embed-text", "input": [1, 2]})
    assert (response.status_code, response.json()) == (400, {"error": "invalid input type"})


def test_ps_lists_recently_used_models_until_unloaded(client: ollama.Client) -> None:
    assert client.ps().models == []
    client.generate("llama2:7b", "hi")
    running = client.ps().models
    assert [model.model for model in running] == ["llama2:7b"]
    assert running[0].expires_at
    assert running[0].size_vram
    assert client.generate("llama2:7b", keep_alive=0).done_reason == "unload"
    assert client.ps().models == []


# --- controls ----------------------------------------------------------------------------------------------------


def test_delay_makes_a_short_client_timeout_fire(ollama_server: OllamaStandIn) -> None:
    ollama_server.delay = 1.0
    with ollama.Client(host=ollama_server.url, timeout=0.1, verify=TLS) as impatient, pytest.raises(httpx.ReadTimeout):
        impatient.list()
    ollama_server.delay = 0
    with ollama.Client(host=ollama_server.url, timeout=1, verify=TLS) as client:
        assert client.list().models


def test_down_refuses_connections_and_up_recovers_on_the_same_port(
    client: ollama.Client, ollama_server: OllamaStandIn
) -> None:
    url = ollama_server.url
    assert client.list().models  # leaves a pooled keep-alive connection behind
    ollama_server.down()
    with pytest.raises(ConnectionError, match="Failed to connect to Ollama"):
        client.list()
    with pytest.raises(httpx.ConnectError):
        list(client.generate("llama2:7b", "hi", stream=True))
    ollama_server.up()
    assert ollama_server.url == url
    assert client.generate("llama2:7b", "hi").done


def test_down_wakes_a_delayed_request_and_drops_it(ollama_server: OllamaStandIn) -> None:
    ollama_server.delay = 30
    errors: list[Exception] = []

    def call() -> None:
        try:
            ollama.Client(host=ollama_server.url, timeout=5, verify=TLS).list()
        except Exception as exc:
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.1)
    started = time.monotonic()
    ollama_server.down()
    caller.join(5)
    assert time.monotonic() - started < 2
    assert errors
    assert isinstance(errors[0], httpx.RemoteProtocolError | httpx.ReadError | ConnectionError)


def test_fail_next_answers_the_status_then_recovers(client: ollama.Client, ollama_server: OllamaStandIn) -> None:
    ollama_server.fail_next(500, "runner crashed", count=2)
    for _ in range(2):
        with pytest.raises(ollama.ResponseError) as caught:
            client.generate("llama2:7b", "hi")
        assert (caught.value.status_code, caught.value.error) == (500, "runner crashed")
    assert client.generate("llama2:7b", "hi").done
    assert ollama_server.calls["/api/generate"] == 3


def test_chunk_delay_spaces_the_streamed_lines(client: ollama.Client, ollama_server: OllamaStandIn) -> None:
    ollama_server.chunk_delay = 0.02
    started = time.monotonic()
    parts = list(client.generate("llama2:7b", "one two three four", stream=True))
    assert time.monotonic() - started >= 0.02 * (len(parts) - 1)


def test_concurrent_requests_are_all_served_in_parallel(ollama_server: OllamaStandIn) -> None:
    ollama_server.delay = 0.3
    answers: list[str] = []

    def ask(n: int) -> None:
        with ollama.Client(host=ollama_server.url, timeout=5, verify=TLS) as client:
            answers.append(client.generate("llama2:7b", f"question {n}").response)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert time.monotonic() - started < 8 * 0.3 / 2
    assert sorted(answers) == sorted(f"Stand-in answer to: question {n}" for n in range(8))
    assert ollama_server.calls["/api/generate"] == 8


def test_calls_and_requests_are_recorded_until_reset(client: ollama.Client, ollama_server: OllamaStandIn) -> None:
    client.list()
    client.embed("nomic-embed-text", "hello")
    assert ollama_server.calls == {"/api/tags": 1, "/api/embed": 1}
    assert ollama_server.requests[-1] == ("/api/embed", {"model": "nomic-embed-text", "input": "hello"})
    ollama_server.reset()
    assert not ollama_server.calls
    assert not ollama_server.requests


def test_no_thread_outlives_the_server() -> None:
    before = set(threading.enumerate())
    with ollama_standin(models=["llama2:7b"]) as server, httpx.Client(base_url=server.url, verify=TLS) as http:
        assert http.get("/api/tags").status_code == 200  # a keep-alive connection stays open
        server.chunk_delay = 0.01
        with http.stream("POST", "/api/generate", json={"model": "llama2:7b", "prompt": "a b c"}) as stream:
            next(stream.iter_lines())
    assert set(threading.enumerate()) <= before
