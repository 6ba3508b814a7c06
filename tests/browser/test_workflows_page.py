"""A person logs in, defines a workflow through the form (after fixing the step the server
refused), executes it, and follows the run on its page: progress arrives from the workers
over events:workflow without a reload, and approving the gate lets the run succeed."""

from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import expect

from apps.workflows.models import RunStatus, Workflow, WorkflowRun
from tests.support.live import live_asgi_server
from tests.support.worker import celery_worker

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUEUE = "workflow-page-tests"
STEPS = [
    {"id": "routes", "kind": "service", "service": "RouteTable", "method": "routes"},
    {"id": "gate", "kind": "approval", "message": "Publish it for {{ inputs.team }}?", "depends_on": ["routes"]},
    {"id": "report", "kind": "service", "service": "AgentRegistry", "method": "list", "depends_on": ["gate"]},
]
SCHEMA = {"type": "object", "properties": {"team": {"type": "string"}}, "required": ["team"]}


def wait_subscribed(page, frames: list[str], channel: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not any('"subscribed"' in frame and channel in frame for frame in frames):
        assert time.monotonic() < deadline, f"no subscription to {channel}: {frames}"
        page.wait_for_timeout(50)


def test_define_execute_and_follow_a_run_live(browser_page, operator_user, monkeypatch) -> None:
    page = browser_page
    frames: list[str] = []
    page.on("websocket", lambda socket: socket.on("framereceived", lambda payload: frames.append(str(payload))))
    # The live server's tasks (and the worker's follow-ups) go to a queue only this test's
    # worker reads; the worker starts once the run page is open, so progress has to arrive live.
    monkeypatch.setenv("CELERY_TASK_DEFAULT_QUEUE", QUEUE)
    with live_asgi_server() as url:
        page.goto(f"{url}/workflows")
        page.fill("#id_username", "otto")
        page.fill("#id_password", "correct horse battery")
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}/workflows")
        assert page.get_by_test_id("no-workflows").is_visible()

        # Define it; the server names the step it refuses, and nothing is saved.
        page.get_by_test_id("new-workflow").click()
        page.wait_for_url(f"{url}/workflows/new")
        page.fill("#id_name", "weekly-report")
        page.fill("#id_description", "Defined from Chromium")
        broken = [STEPS[0], STEPS[1], {**STEPS[2], "service": "NoSuchService"}]
        page.fill("#id_steps", json.dumps(broken))
        page.fill("#id_inputs_schema", json.dumps(SCHEMA))
        page.get_by_role("button", name="Format JSON").first.click()  # the JS helper re-indents
        assert '\n  {\n    "id": "routes"' in page.input_value("#id_steps")
        page.get_by_role("button", name="Create workflow").click()
        expect(page.locator('[data-testid=step-problems] li[data-step="report"]')).to_contain_text(
            "unknown service 'NoSuchService'"
        )
        assert not Workflow.objects.exists()
        page.fill("#id_steps", json.dumps(STEPS, indent=2))
        page.get_by_role("button", name="Create workflow").click()
        page.wait_for_selector(".flash >> text=created")
        workflow = Workflow.objects.get(name="weekly-report")
        assert page.url == f"{url}/workflows/{workflow.id}"
        expect(page.locator("#steps tbody tr")).to_have_count(3)

        # Execute with a typed input; the run page opens while no worker runs yet.
        page.fill("#id_input-team", "blue")
        page.get_by_test_id("execute").click()
        page.wait_for_url(f"{url}/workflows/runs/**")
        run = WorkflowRun.objects.get()
        assert run.inputs == {"team": "blue"}
        expect(page.locator("#run-status")).to_have_text("queued")
        wait_subscribed(page, frames, "events:workflow")
        navigations: list[str] = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)

        with celery_worker("page-worker", queue=QUEUE):
            expect(page.locator("#run-status")).to_have_text("waiting", timeout=20_000)
            expect(page.get_by_test_id("run-percent")).to_have_text("33%")
            expect(page.locator("[data-testid=step-routes] .step-status")).to_have_text("succeeded")
            expect(page.locator("[data-testid=step-gate] .step-message")).to_have_text("Publish it for blue?")

            page.fill("#comment-gate", "looks right")
            page.get_by_test_id("approve-gate").click()
            expect(page.locator("#run-status")).to_have_text("succeeded", timeout=20_000)
            expect(page.get_by_test_id("run-percent")).to_have_text("100%")
            expect(page.locator("[data-testid=step-report] .step-status")).to_have_text("succeeded")
            expect(page.locator("[data-testid=step-gate] .step-decision")).to_contain_text("otto: “looks right”")
            expect(page.get_by_test_id("approve-gate")).to_be_hidden()
            expect(page.get_by_test_id("cancel-run")).to_be_hidden()
            expect(page.get_by_test_id("run-outputs")).to_be_visible()

        assert navigations == []  # all of it arrived without a reload
        run.refresh_from_db()
        assert run.status == RunStatus.SUCCEEDED
        assert page.locator("#run-progress").get_attribute("value") == "100"
        assert page.console_errors == []
