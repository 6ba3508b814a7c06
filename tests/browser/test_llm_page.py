"""An operator opens the model playground against the stand-in Ollama, streams an answer
that arrives piece by piece over llm:stream from a real worker, sees the counts and timings,
is told how to pull a missing model, and finds both calls in the request log with its
charts drawn."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from apps.llm.models import LlmRequest, LlmStatus
from tests.support.live import live_asgi_server
from tests.support.ollama import ollama_standin
from tests.support.worker import celery_worker

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUEUE = "llm-page-tests"
ANSWER = "Tokens leave the model one at a time, and the page shows each of them as soon as it arrives."
FINISHED = ("succeeded", "failed")


def wait_subscribed(page, frames: list[str], channel: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not any('"subscribed"' in frame and channel in frame for frame in frames):
        assert time.monotonic() < deadline, f"no subscription to {channel}: {frames}"
        page.wait_for_timeout(50)


def stream_and_watch(page, timeout: float = 20.0) -> list[str]:
    """Click Stream and read the answer every 40 ms until it ends: what the person saw."""
    page.get_by_test_id("stream").click()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while page.get_by_test_id("llm-status").text_content() not in FINISHED:
        assert time.monotonic() < deadline, f"the answer did not end; saw {seen[-3:]}"
        seen.append(page.get_by_test_id("llm-output").text_content() or "")
        page.wait_for_timeout(40)
    return seen


def test_stream_an_answer_live_and_find_it_in_the_request_log(browser_page, operator_user, monkeypatch) -> None:
    page = browser_page
    frames: list[str] = []
    page.on("websocket", lambda socket: socket.on("framereceived", lambda payload: frames.append(str(payload))))
    with ollama_standin() as ollama:  # llama2:7b and nomic-embed-text; mistral:7b (code) is missing
        ollama.reply("streaming", ANSWER)
        ollama.chunk_delay = 0.12  # a word every 120 ms: many LlmToken messages
        # The live server and the worker run storyportal.settings.test in their own processes;
        # it reads the stand-in's address from TEST_OLLAMA_URL. Tasks go to a queue of this test.
        monkeypatch.setenv("TEST_OLLAMA_URL", ollama.url)
        monkeypatch.setenv("CELERY_TASK_DEFAULT_QUEUE", QUEUE)
        with live_asgi_server() as url, celery_worker("llm-page-worker", queue=QUEUE):
            page.goto(f"{url}/llm")
            page.fill("#id_username", "otto")
            page.fill("#id_password", "correct horse battery")
            page.click("button[type=submit]")
            page.wait_for_url(f"{url}/llm")

            # What Ollama has, and the command for what it lacks.
            expect(page.locator('#models tr[data-model="llama2:7b"]')).to_be_visible()
            expect(page.get_by_test_id("ollama-unreachable")).to_have_count(0)
            expect(page.get_by_test_id("models-missing")).to_contain_text("ollama pull mistral:7b")

            wait_subscribed(page, frames, "llm:stream")
            expect(page.get_by_test_id("stream")).to_be_enabled()
            page.fill("#llm-system", "Answer in one sentence.")
            page.fill("#llm-prompt", "How does streaming work?")
            seen = stream_and_watch(page)

            expect(page.get_by_test_id("llm-status")).to_have_text("succeeded")
            expect(page.get_by_test_id("llm-output")).to_have_text(ANSWER)
            partial = {text for text in seen if text and text != ANSWER}
            assert len(partial) >= 3, f"the answer did not arrive incrementally: {seen}"
            assert all(ANSWER.startswith(text) for text in partial)  # appended in order
            assert int(page.get_by_test_id("llm-output").get_attribute("data-chunks") or 0) >= 3
            call = LlmRequest.objects.get()
            assert (call.kind, call.model, call.status) == ("generate", "llama2:7b", LlmStatus.SUCCEEDED)
            assert call.completion_tokens > 0
            assert call.ttft_ms is not None
            expect(page.get_by_test_id("prompt-tokens")).to_have_text(str(call.prompt_tokens))
            expect(page.get_by_test_id("completion-tokens")).to_have_text(str(call.completion_tokens))
            expect(page.get_by_test_id("latency")).to_contain_text("s")
            expect(page.get_by_test_id("ttft")).to_contain_text("ms")
            expect(page.get_by_test_id("stream")).to_be_enabled()

            # A model Ollama lacks: the worker's 404 arrives as LlmError, with the pull command.
            page.select_option("#llm-model", "mistral:7b")
            stream_and_watch(page)
            expect(page.get_by_test_id("llm-status")).to_have_text("failed")
            expect(page.get_by_test_id("llm-error")).to_contain_text("ollama pull mistral:7b")

            # The request log has both calls, and the charts are drawn from the stats.
            page.get_by_role("link", name="Request log →").click()
            page.wait_for_url(f"{url}/llm/requests")
            expect(page.locator("#llm-requests tbody tr")).to_have_count(2)
            expect(page.get_by_test_id("request-status").first).to_have_text("failed")
            # drawn by the vendored uPlot: a canvas, and a legend entry per series
            expect(page.locator("#latency-chart .uplot canvas")).to_have_count(1)
            expect(page.locator("#latency-chart .u-legend .u-series")).to_have_count(3)  # time, p50, p95
            expect(page.locator("#tokens-chart .uplot canvas")).to_have_count(1)
            expect(page.locator("#by-model tbody tr")).to_have_count(2)
            expect(page.get_by_test_id("charts-updated")).to_contain_text("Updated")

            page.select_option("#id_status", "failed")
            page.get_by_role("button", name="Filter").click()
            expect(page.locator("#llm-requests tbody tr")).to_have_count(1)
            expect(page.locator("#llm-requests tbody tr")).to_contain_text("mistral:7b")

        assert page.console_errors == []
