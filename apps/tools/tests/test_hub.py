"""ToolRegistry and ToolExecutor through ``POST services/invoke/`` (issue 5 point 4)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.services.models import Service
from apps.tools.models import ToolExecution
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db


def _invoke(client: Client, service_name: str, method_name: str, params: dict | None = None):
    body = {"service_name": service_name, "method": method_name, "params": params or {}}
    return send(client, "post", "/api/v1/services/invoke/", body)


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def test_tool_services_are_in_the_catalog_at_l03() -> None:
    layers = dict(Service.objects.filter(name__in=["ToolRegistry", "ToolExecutor"]).values_list("name", "layer"))
    assert layers == {"ToolRegistry": "L03", "ToolExecutor": "L03"}


def test_registry_lists_and_describes(viewer_client: Client) -> None:
    listed = _invoke(viewer_client, "ToolRegistry", "list").json()["result"]
    assert listed["count"] == len(listed["tools"]) >= 3
    described = _invoke(viewer_client, "ToolRegistry", "describe", {"name": "template_render"}).json()["result"]
    assert described["params_schema"]["required"] == ["template"]
    assert_envelope(_invoke(viewer_client, "ToolRegistry", "describe", {"name": "nope"}), 404, "not_found")


def test_executor_needs_write_scope(viewer_client: Client) -> None:
    params = {"tool": "json_transform", "inputs": {"data": [1], "expression": "[0]"}}
    assert_envelope(_invoke(viewer_client, "ToolExecutor", "execute", params), 403, "permission_denied")
    assert not ToolExecution.objects.exists()


def test_executor_runs_and_replays(operator_client: Client) -> None:
    params = {"tool": "json_transform", "inputs": {"data": [1], "expression": "[0]"}, "idempotency_key": "hub-1"}
    response = _invoke(operator_client, "ToolExecutor", "execute", params)
    assert response.status_code == 200, response.content
    result = response.json()["result"]
    assert (result["status"], result["output"], result["idempotency_key"]) == ("succeeded", {"result": 1}, "hub-1")
    again = _invoke(operator_client, "ToolExecutor", "execute", params).json()["result"]
    assert again["id"] == result["id"]
    execution = ToolExecution.objects.get()
    assert (execution.caller, execution.user.username) == ("user:otto", "otto")


def test_failed_run_is_a_result_not_an_error(operator_client: Client, remote) -> None:
    params = {"tool": "http_request", "inputs": {"url": remote.url("/slow"), "timeout_seconds": 0.2}}
    response = _invoke(operator_client, "ToolExecutor", "execute", params)
    assert response.status_code == 200
    assert response.json()["result"]["status"] == "failed"


def test_executor_bad_inputs_are_400_with_details(operator_client: Client) -> None:
    bad = {"tool": "json_transform", "inputs": {"data": 1, "expression": "a["}}
    body = assert_envelope(_invoke(operator_client, "ToolExecutor", "execute", bad), 400, "invalid_request")
    assert "expression" in body["details"]
    missing = _invoke(operator_client, "ToolExecutor", "execute", {"tool": "nope", "inputs": {}})
    assert_envelope(missing, 404, "not_found")
