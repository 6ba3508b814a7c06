"""The model gateway against a stand-in that speaks Ollama's REST protocol: embeddings with
their cache, missing models, and the circuit breaker while Ollama is down, slow or failing."""

from __future__ import annotations

import time

import pytest

from apps.llm import breaker
from apps.llm.embeddings import embed
from apps.llm.errors import ModelNotFound, ModelTimeout, ModelUnavailable


@pytest.fixture
def ollama(ollama_server, settings):
    settings.OLLAMA_URL = ollama_server.url
    settings.LLM_BREAKER_FAILURES = 2
    settings.LLM_BREAKER_COOLDOWN_SECONDS = 1
    return ollama_server


def test_embeddings_come_from_ollama_once_per_text(ollama) -> None:
    first = embed(["agents with a lifecycle", "rate limits"])
    assert [len(vector) for vector in first] == [768, 768]
    assert ollama.calls["/api/embed"] == 1
    again = embed(["rate limits", "agents with a lifecycle", "a new text"])
    assert again[:2] == [first[1], first[0]]
    assert ollama.calls["/api/embed"] == 2
    assert ollama.requests[-1][1]["input"] == ["a new text"]  # only what the cache lacked


def test_a_missing_model_is_named_with_how_to_pull_it(ollama) -> None:
    with pytest.raises(ModelNotFound) as raised:
        embed(["x"], model="no-such-model:1b")
    assert raised.value.status_code == 404
    assert "no-such-model:1b" in raised.value.message
    assert "ollama pull no-such-model:1b" in raised.value.message
    assert breaker.state() == "closed"  # Ollama answered: not a failure of Ollama


def test_the_breaker_opens_after_failures_and_fails_fast(ollama) -> None:
    ollama.down()
    for _ in range(2):
        with pytest.raises(ModelUnavailable, match="unreachable"):
            embed(["while down"])
    assert breaker.state() == "open"
    ollama.up()
    calls = sum(ollama.calls.values())
    started = time.perf_counter()
    with pytest.raises(ModelUnavailable, match="refused") as raised:
        embed(["still refused"])
    assert time.perf_counter() - started < 0.05
    assert raised.value.status_code == 503
    assert sum(ollama.calls.values()) == calls  # not even tried
    time.sleep(1.1)  # the cool-down passes: one trial goes through and closes the breaker
    assert len(embed(["back"])[0]) == 768
    assert breaker.state() == "closed"


def test_a_failed_trial_reopens_at_once(ollama) -> None:
    ollama.fail_next(500, "out of memory", count=3)
    for _ in range(2):
        with pytest.raises(ModelUnavailable, match="out of memory"):
            embed([f"text {_}"])
    assert breaker.state() == "open"
    time.sleep(1.1)
    with pytest.raises(ModelUnavailable, match="out of memory"):
        embed(["trial"])
    assert breaker.state() == "open"


def test_a_slow_ollama_times_out(ollama, settings) -> None:
    settings.LLM_EMBED_TIMEOUT_SECONDS = 1
    ollama.delay = 1.5
    started = time.perf_counter()
    with pytest.raises(ModelTimeout) as raised:
        embed(["slow"])
    assert time.perf_counter() - started < 1.4
    assert raised.value.status_code == 504
