"""A person logs in, creates an API key with checkboxes, uses it, and revokes it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from apps.accounts.models import ApiKey
from tests.support.live import live_asgi_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _events_status(url: str, raw: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"{url}/api/v1/events/", headers={"X-API-Key": raw})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


def test_create_use_and_revoke_a_key_in_the_browser(browser_page, operator_user) -> None:
    page = browser_page
    with live_asgi_server() as url:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
        page.goto(f"{url}/settings/api-keys")
        assert "/accounts/login/" in page.url
        page.fill("#id_username", "otto")
        page.fill("#id_password", "correct horse battery")
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}/settings/api-keys")
        assert page.get_by_test_id("no-keys").is_visible()

        page.fill("#id_name", "browser-ci")
        assert page.is_checked("input[name=scopes][value='read:services']")
        assert page.is_disabled("input[name=scopes][value='admin:platform']")
        page.check("input[name=scopes][value='write:services']")
        page.click("text=Create key")

        shown = page.get_by_test_id("new-key")
        shown.wait_for()
        raw = shown.input_value()
        assert raw.startswith("sp_live_")
        assert len(raw) == 40
        assert "only time the key is shown" in page.get_by_test_id("new-key-panel").inner_text()
        page.click("#copy-key")
        page.wait_for_selector("#copy-key >> text=Copied")
        assert page.evaluate("navigator.clipboard.readText()") == raw

        status, body = _events_status(url, raw)
        assert status == 200
        assert "results" in body
        assert ApiKey.objects.get().scopes == ["read:services", "write:services"]

        page.goto(f"{url}/settings/api-keys")  # coming back: the key is not shown again
        assert page.get_by_test_id("new-key").count() == 0
        assert raw not in page.content()
        row = page.locator("#api-keys tbody tr", has_text="browser-ci")
        assert row.locator(".status").inner_text() == "active"

        page.once("dialog", lambda dialog: dialog.dismiss())  # changing one's mind keeps the key
        row.get_by_role("button", name="Revoke browser-ci").click()
        assert row.locator(".status").inner_text() == "active"
        assert _events_status(url, raw)[0] == 200

        page.once("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="Revoke browser-ci").click()
        page.wait_for_selector(".flash >> text=revoked")
        assert row.locator(".status").inner_text() == "revoked"
        assert row.get_by_role("button").count() == 0

        status, body = _events_status(url, raw)
        assert status == 401
        assert body["error"]
        assert page.console_errors == []
