"""The Models pages of the control center: the playground (models, routing, what is missing,
Ollama down, read-only for viewers) and the request log (filters, pages, charts' hooks)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.llm.models import LlmRequest, LlmStatus

pytestmark = pytest.mark.django_db

PLAYGROUND = "/llm"
LOG = "/llm/requests"


@pytest.fixture
def operator_client(operator_user: User) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


@pytest.fixture
def ollama(ollama_server, settings):
    settings.OLLAMA_URL = ollama_server.url
    return ollama_server


def _call(model: str = "llama2:7b", **fields: object) -> LlmRequest:
    values: dict[str, object] = {
        "kind": "generate", "model": model, "use_case": "chat", "caller": "user:otto", "prompt_hash": "0" * 64,
        "status": LlmStatus.SUCCEEDED, "prompt_tokens": 12, "completion_tokens": 30, "latency_ms": 420.0,
    }  # fmt: skip
    return LlmRequest.objects.create(**(values | fields))


def _row_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-request-id="([0-9a-f-]+)"', html)


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [PLAYGROUND, LOG])
def test_anonymous_is_redirected_to_login(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_navigation_links_the_models_page(viewer_client: Client) -> None:
    html = viewer_client.get("/").content.decode()
    assert 'href="/llm"' in html
    assert 'href="/llm" aria-current="page"' in viewer_client.get(PLAYGROUND).content.decode()


# --- the playground ----------------------------------------------------------------------------


def test_writer_gets_the_stream_controls(ollama, operator_client: Client) -> None:
    html = operator_client.get(PLAYGROUND).content.decode()
    assert 'data-testid="stream"' in html
    assert 'id="llm-answer"' in html
    assert "js/llm_playground.js" in html
    assert 'data-api-url="/api/v1/llm/generate/"' in html
    assert '<fieldset class="plain">' in html  # enabled
    assert 'data-testid="needs-write"' not in html


def test_viewer_sees_the_page_read_only(ollama, viewer_client: Client) -> None:
    response = viewer_client.get(PLAYGROUND)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<fieldset class="plain" disabled>' in html
    assert 'data-testid="needs-write"' in html
    assert "needs the write:services scope" in html
    assert 'id="llm-answer"' not in html
    assert "js/llm_playground.js" not in html
    assert 'data-testid="models"' in html  # the models are there to look at


def test_lists_the_models_ollama_has(ollama, viewer_client: Client) -> None:
    ollama.models = ["llama2:7b", "mistral:7b", "codellama:7b", "nomic-embed-text"]
    html = viewer_client.get(PLAYGROUND).content.decode()
    listed = re.findall(r'<tr data-model="([^"]+)">', html)
    assert listed == ["llama2:7b", "mistral:7b", "codellama:7b", "nomic-embed-text:latest"]
    row = re.search(r'<tr data-model="mistral:7b">(.*?)</tr>', html, re.S).group(1)  # type: ignore[union-attr]
    assert "7B" in row
    assert "Q4_0" in row
    assert "3.8 GB" in _text(row)
    assert 'data-testid="ollama-unreachable"' not in html
    assert 'data-testid="models-missing"' not in html


def test_model_picker_offers_routed_and_pulled_models_but_not_the_embedder(ollama, viewer_client: Client) -> None:
    ollama.models = ["llama2:7b", "mistral:7b", "codellama:7b", "nomic-embed-text", "phi3:mini"]
    html = viewer_client.get(PLAYGROUND).content.decode()
    picker = re.search(r'<select id="llm-model".*?</select>', html, re.S).group(0)  # type: ignore[union-attr]
    values = re.findall(r'<option value="([^"]*)"', picker)
    assert values == ["", "llama2:7b", "mistral:7b", "codellama:7b", "phi3:mini"]
    use_cases = re.search(r'<select id="llm-use-case".*?</select>', html, re.S).group(0)  # type: ignore[union-attr]
    assert re.findall(r'<option value="([^"]*)"', use_cases) == ["chat", "code", "runtime"]


def test_a_missing_routed_model_is_named_with_its_pull_command(ollama, viewer_client: Client) -> None:
    ollama.models = ["llama2:7b", "nomic-embed-text"]
    html = viewer_client.get(PLAYGROUND).content.decode()
    banner = re.search(r'data-testid="models-missing">(.*?)</div>', html, re.S).group(1)  # type: ignore[union-attr]
    assert "2 routed models are not pulled" in _text(banner)
    assert "<code>ollama pull mistral:7b</code>" in banner
    assert "<code>ollama pull codellama:7b</code>" in banner
    assert "llama2" not in banner
    assert '<option value="mistral:7b" class="not-pulled">mistral:7b (code) — not pulled</option>' in html


def test_ollama_down_shows_a_banner_and_the_configured_routing(settings, viewer_client: Client) -> None:
    settings.OLLAMA_URL = "http://127.0.0.1:9"
    response = viewer_client.get(PLAYGROUND)
    assert response.status_code == 200
    html = response.content.decode()
    banner = re.search(r'data-testid="ollama-unreachable">(.*?)</div>', html, re.S).group(1)  # type: ignore[union-attr]
    assert "Ollama is not answering" in banner
    assert "Ollama is unreachable at" in banner
    assert "http://127.0.0.1:9" in banner
    assert 'data-testid="models-missing"' not in html  # nothing is known to be missing
    assert re.findall(r'<tr data-use-case="(\w+)">', html) == ["chat", "code", "runtime", "embeddings"]
    assert "unknown" in html
    assert 'data-testid="models"' not in html


def test_empty_ollama_suggests_a_pull(ollama, viewer_client: Client) -> None:
    ollama.models = []
    html = viewer_client.get(PLAYGROUND).content.decode()
    assert 'data-testid="no-models"' in html
    assert "ollama pull llama2:7b" in html


# --- the request log ---------------------------------------------------------------------------


def test_request_log_lists_calls_newest_first(viewer_client: Client) -> None:
    old = _call()
    LlmRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    new = _call("mistral:7b", status=LlmStatus.FAILED, error="Ollama is unreachable at http://127.0.0.1:9.",
                prompt_tokens=0, completion_tokens=0, ttft_ms=None)  # fmt: skip
    response = viewer_client.get(LOG)
    assert response.status_code == 200
    html = response.content.decode()
    assert _row_ids(html) == [str(new.id), str(old.id)]
    assert "2 requests" in html
    assert "Ollama is unreachable at http://127.0.0.1:9." in html
    assert 'data-stats-url="/api/v1/llm-requests/stats/"' in html
    assert 'data-testid="latency-chart"' in html
    assert 'data-testid="tokens-chart"' in html
    assert "vendor/uplot/uPlot.iife.min.js" in html
    assert "js/llm_requests.js" in html


def test_request_log_filters_by_model_status_and_kind(viewer_client: Client) -> None:
    chat = _call(kind="chat")
    failed = _call("mistral:7b", status=LlmStatus.FAILED)
    embed = _call("nomic-embed-text", kind="embed", use_case="embeddings")
    assert _row_ids(viewer_client.get(LOG, {"model": "mistral:7b"}).content.decode()) == [str(failed.id)]
    assert _row_ids(viewer_client.get(LOG, {"status": "failed"}).content.decode()) == [str(failed.id)]
    assert _row_ids(viewer_client.get(LOG, {"kind": "embed"}).content.decode()) == [str(embed.id)]
    assert _row_ids(viewer_client.get(LOG, {"kind": "chat", "status": "succeeded"}).content.decode()) == [str(chat.id)]
    html = viewer_client.get(LOG, {"model": "mistral:7b"}).content.decode()
    assert "1 request matching" in html
    assert '<option value="mistral:7b" selected>' in html
    none = viewer_client.get(LOG, {"kind": "generate", "model": "llama2:7b"}).content.decode()
    assert 'data-testid="no-requests"' in none
    assert "No request matches these filters." in none


def test_request_log_refuses_unknown_filter_values(viewer_client: Client) -> None:
    _call()
    html = viewer_client.get(LOG, {"status": "exploded"}).content.decode()
    assert _row_ids(html) == []


def test_request_log_pages_by_fifty(viewer_client: Client) -> None:
    calls = [_call(latency_ms=float(n)) for n in range(55)]
    first = viewer_client.get(LOG).content.decode()
    second = viewer_client.get(LOG, {"page": 2}).content.decode()
    assert len(_row_ids(first)) == 50
    assert len(_row_ids(second)) == 5
    assert set(_row_ids(first)) | set(_row_ids(second)) == {str(call.id) for call in calls}
    assert "Page 1 of 2" in first
    assert 'rel="next"' in first
    assert "Page 2 of 2" in second
    assert 'rel="prev"' in second


def test_request_log_pages_keep_the_filters(viewer_client: Client) -> None:
    for _ in range(51):
        _call("mistral:7b")
    html = viewer_client.get(LOG, {"model": "mistral:7b"}).content.decode()
    assert 'href="?model=mistral%3A7b&amp;page=2"' in html


def test_request_log_reads_in_a_fixed_number_of_queries(viewer_client: Client, django_assert_max_num_queries) -> None:
    for n in range(30):
        _call(f"model-{n % 3}")
    with django_assert_max_num_queries(6):
        viewer_client.get(LOG)


def test_empty_request_log_says_so(viewer_client: Client) -> None:
    html = viewer_client.get(LOG).content.decode()
    assert 'data-testid="no-requests"' in html
    assert "No model has been called yet." in html
