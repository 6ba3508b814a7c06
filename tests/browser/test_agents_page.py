"""A person logs in, registers an agent through the form, activates it, and watches changes
made elsewhere arrive live on the list and on the agent's page."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from playwright.sync_api import expect

from apps.agents import services
from apps.agents.models import Agent
from tests.support.live import live_asgi_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def elsewhere(change, **kwargs) -> None:
    """Run a service as another process would: in its own thread and connection, committed
    (so the event is published). Playwright's event loop owns the test's thread."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with transaction.atomic():
                change(**kwargs)
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if failures:
        raise failures[0]


class FeedFrames:
    """The WebSocket frames the page receives, to know when its subscription is in place."""

    def __init__(self, page) -> None:
        self.page = page
        self.frames: list[str] = []
        page.on("websocket", lambda socket: socket.on("framereceived", self._add))

    def _add(self, payload: str | bytes) -> None:
        self.frames.append(payload if isinstance(payload, str) else payload.decode())

    def clear(self) -> None:
        self.frames.clear()

    def wait_subscribed(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not any('"subscribed"' in frame and "events:agent" in frame for frame in self.frames):
            assert time.monotonic() < deadline, f"no subscription to events:agent: {self.frames}"
            self.page.wait_for_timeout(50)


def test_register_activate_and_follow_an_agent_live(browser_page, operator_user) -> None:
    page = browser_page
    feed = FeedFrames(page)
    with live_asgi_server() as url:
        page.goto(f"{url}/agents")
        assert "/accounts/login/" in page.url
        page.fill("#id_username", "otto")
        page.fill("#id_password", "correct horse battery")
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}/agents")
        assert page.get_by_test_id("no-agents").is_visible()

        # Register through the form; a config that is not an object is refused next to its field.
        page.get_by_test_id("new-agent").click()
        page.wait_for_url(f"{url}/agents/new")
        page.fill("#id_name", "browser-agent")
        page.fill("#id_description", "Registered from Chromium")
        page.select_option("#id_layer", "L02")
        page.fill("#id_capabilities", "search, summarise")
        page.fill("#id_config", '["not", "an", "object"]')
        page.click("text=Register agent")
        error = page.locator("p.field-error[data-field=config]")
        error.wait_for()
        assert "must be a JSON object" in error.inner_text()
        assert not Agent.objects.exists()
        page.fill("#id_config", '{"model": "llama3"}')
        page.click("text=Register agent")

        page.wait_for_selector(".flash >> text=registered")
        agent = Agent.objects.get(name="browser-agent")
        assert page.url == f"{url}/agents/{agent.id}"
        assert page.get_by_test_id("agent-status").inner_text() == "registered"
        assert agent.capabilities == ["search", "summarise"]
        assert agent.config == {"model": "llama3"}

        page.get_by_role("button", name="Activate").click()
        page.wait_for_selector(".flash >> text=is now active")
        assert page.get_by_test_id("agent-status").inner_text() == "active"
        assert page.get_by_role("button", name="Activate").is_hidden()
        first_row = page.locator("#agent-log tbody tr").first
        assert "AgentActivated" in first_row.inner_text()
        assert "user:otto" in first_row.inner_text()

        # The list follows a change made elsewhere, and counts an agent it cannot show.
        feed.clear()
        page.goto(f"{url}/agents")
        feed.wait_subscribed()
        row = page.locator(f"tr[data-agent-id='{agent.id}']")
        assert row.get_by_test_id("agent-status").inner_text() == "active"
        elsewhere(services.agent_transition, agent=agent, action="pause")
        expect(page.locator(f"tr[data-agent-id='{agent.id}'] .status")).to_have_text("paused", timeout=10_000)
        elsewhere(services.agent_create, name="made-elsewhere", layer="L03")
        notice = page.get_by_test_id("agents-changes")
        notice.wait_for(state="visible", timeout=10_000)
        assert "1 change" in notice.inner_text()

        # The agent's page follows a move made elsewhere: status, buttons and log.
        feed.clear()
        page.goto(f"{url}/agents/{agent.id}")
        feed.wait_subscribed()
        assert page.get_by_test_id("agent-status").inner_text() == "paused"
        elsewhere(services.agent_transition, agent=agent, action="retire", reason="end of season")
        expect(page.locator("#agent-status")).to_have_text("retired", timeout=10_000)
        page.wait_for_selector("#agent-log tbody tr:first-child >> text=AgentRetired", timeout=10_000)
        assert "end of season" in page.locator("#agent-log tbody tr").first.inner_text()
        assert page.get_by_role("button", name="Activate").is_hidden()
        assert page.get_by_role("button", name="Pause").is_hidden()
        assert page.get_by_role("button", name="Retire").is_hidden()

        # Delete, confirming in the dialog.
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Delete").click()
        page.wait_for_url(f"{url}/agents")
        page.wait_for_selector(".flash >> text=deleted")
        assert list(Agent.objects.values_list("name", flat=True)) == ["made-elsewhere"]
        assert page.console_errors == []
