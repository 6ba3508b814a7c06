"""Tool executions in the Django admin: listed, filtered, searched, never edited."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.tools.models import ToolExecution
from apps.tools.services import tool_execute

pytestmark = pytest.mark.django_db

EXECUTIONS = "/admin/tools/toolexecution/"


@pytest.fixture
def executions() -> list[ToolExecution]:
    return [
        tool_execute(name="json_transform", inputs={"data": 1, "expression": "@"}, caller="user:otto"),
        tool_execute(name="template_render", inputs={"template": "hi"}, caller="key:sp_live_Ab", idempotency_key="k9"),
    ]


def test_executions_are_listed_filtered_and_searched(staff_client: Client, executions) -> None:
    page = staff_client.get(EXECUTIONS).content.decode()
    assert "json_transform" in page
    assert "template_render" in page
    by_tool = staff_client.get(EXECUTIONS, {"tool": "template_render"}).content.decode()
    assert "key:sp_live_Ab" in by_tool
    assert "user:otto" not in by_tool
    found = staff_client.get(EXECUTIONS, {"q": "k9"}).content.decode()
    assert "template_render" in found
    assert "user:otto" not in found
    assert staff_client.get(EXECUTIONS, {"status": "succeeded"}).status_code == 200


def test_executions_are_read_only(staff_client: Client, executions) -> None:
    execution = executions[0]
    assert staff_client.get(f"{EXECUTIONS}add/").status_code == 403
    detail = staff_client.get(f"{EXECUTIONS}{execution.pk}/change/")
    assert detail.status_code == 200
    assert b'name="tool"' not in detail.content
    assert staff_client.post(f"{EXECUTIONS}{execution.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ToolExecution.objects.filter(pk=execution.pk).exists()
