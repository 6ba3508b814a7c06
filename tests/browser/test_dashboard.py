"""A person logs in and watches the dashboard follow health changes live."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

from storyportal.realtime.publish import publish
from tests.support.live import live_asgi_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_login_then_dashboard_updates_over_the_websocket(browser_page, viewer_user) -> None:
    page = browser_page
    with live_asgi_server() as url:
        page.goto(f"{url}/goals")
        assert "/accounts/login/" in page.url
        page.fill("#id_username", "vera")
        page.fill("#id_password", "correct horse battery")
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}/goals")
        assert page.get_by_test_id("not-built").is_visible()

        page.click("nav >> text=Dashboard")
        page.wait_for_selector("#feed-state[data-state=live]", timeout=10_000)
        overall = page.get_by_test_id("overall-status")
        assert overall.inner_text() in {"healthy", "degraded"}

        report = {
            "status": "unhealthy",
            "dependencies": [
                {"name": "postgres", "status": "healthy", "critical": True, "latency_ms": 1.0},
                {"name": "redis", "status": "unhealthy", "critical": True, "latency_ms": 2.0, "error": "Redis down"},
            ],
        }
        # Playwright's loop owns this thread; publish from another, as a worker would.
        sender = threading.Thread(target=publish, args=("system:health", "HealthChanged", report))
        sender.start()
        sender.join()
        # a locator wait, not wait_for_function: the page's CSP forbids evaluating strings
        expect(page.locator("#overall")).to_have_text("unhealthy", timeout=10_000)
        assert page.locator("tr[data-dependency=redis]").inner_text().count("unhealthy") == 1
        assert page.console_errors == []
