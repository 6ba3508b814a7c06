"""A person defines a prompt template, tries it with values, fixes a version the server
refused, scores the new version, and finds the score on the feedback page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.learning.models import Feedback, PromptTemplate
from tests.support.live import live_asgi_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_define_try_version_and_score_a_prompt(browser_page, operator_user) -> None:
    page = browser_page
    with live_asgi_server() as url:
        page.goto(f"{url}/learning")
        page.fill("#id_username", "otto")
        page.fill("#id_password", "correct horse battery")
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}/learning")
        expect(page.get_by_test_id("no-templates")).to_be_visible()

        page.get_by_test_id("new-template").click()
        page.fill("#id_name", "greeting")
        page.fill("#id_text", "Hello {{ name }}!")
        page.get_by_test_id("create-template").click()
        template = PromptTemplate.objects.get(name="greeting")
        page.wait_for_url(f"{url}/learning/{template.id}")

        page.fill("#id_var-name", "Ada")
        page.get_by_test_id("render").click()
        expect(page.get_by_test_id("rendered")).to_have_text("Hello Ada!")

        page.fill("#id_text", "Hi {{ name")  # refused: the error is shown next to the text
        page.get_by_test_id("save-version").click()
        expect(page.locator('p.field-error[data-field="text"]')).to_contain_text("syntax error at line 1")
        page.fill("#id_text", "Hi {{ name }}, welcome back.")
        page.fill("#id_note", "friendlier")
        page.get_by_test_id("save-version").click()
        expect(page.locator("#version-list tbody tr")).to_have_count(2)
        expect(page.get_by_test_id("template-version")).to_have_text("v2")

        page.select_option("#id_feedback-score", "5")
        page.fill("#id_feedback-label", "friendly")
        page.get_by_test_id("give-feedback").click()
        expect(page.locator('tr[data-version="2"] [data-testid="avg-score"]')).to_have_text("5.00")
        assert Feedback.objects.get().label == "friendly"

        page.goto(f"{url}/learning/feedback")
        page.select_option("#id_label", "friendly")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator("#feedback-list tbody tr")).to_have_count(1)
        expect(page.locator("#feedback-list")).to_contain_text("greeting v2")
    assert page.console_errors == []
