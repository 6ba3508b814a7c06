"""``tools/`` and ``tool-executions/`` (contract, Resources)."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from apps.tools.models import ToolExecution
from apps.tools.services import tool_execute
from tests.support.api import assert_envelope, key_header, send

pytestmark = pytest.mark.django_db

TRANSFORM = {"data": {"a": [1, 2]}, "expression": "a[0]"}


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def _execute(client: Client, name: str, body: object, **headers: str):
    return send(client, "post", f"/api/v1/tools/{name}/execute/", body, **headers)


def test_tools_are_listed_and_described(viewer_client: Client) -> None:
    body = viewer_client.get("/api/v1/tools/").json()
    assert body["total"] == len(body["tools"]) >= 3
    names = [t["name"] for t in body["tools"]]
    assert names == sorted(names)
    detail = viewer_client.get("/api/v1/tools/json_transform/").json()
    assert detail["params_schema"]["required"] == ["data", "expression"]
    assert detail["timeout_seconds"] == 5
    assert viewer_client.get("/api/l03/tools/").json() == body


def test_unknown_tool_is_404(viewer_client: Client, operator_client: Client) -> None:
    assert_envelope(viewer_client.get("/api/v1/tools/nope/"), 404, "not_found")
    assert_envelope(_execute(operator_client, "nope", {"inputs": {}}), 404, "not_found")


def test_anonymous_gets_401(client: Client) -> None:
    assert_envelope(client.get("/api/v1/tools/"), 401)
    assert_envelope(client.get("/api/v1/tool-executions/"), 401)
    assert_envelope(_execute(client, "json_transform", {"inputs": TRANSFORM}), 401)


def test_viewer_and_read_key_cannot_execute(viewer_client: Client, client: Client, make_key, operator_user) -> None:
    body = assert_envelope(_execute(viewer_client, "json_transform", {"inputs": TRANSFORM}), 403, "permission_denied")
    assert "write:services" in body["message"]
    read_key = make_key(operator_user, "read:services")
    assert_envelope(_execute(client, "json_transform", {"inputs": TRANSFORM}, **key_header(read_key)), 403)
    assert not ToolExecution.objects.exists()


def test_execute_returns_the_execution(operator_client: Client) -> None:
    response = _execute(operator_client, "json_transform", {"inputs": TRANSFORM})
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "id", "tool", "inputs", "output", "status", "error", "duration_ms", "caller", "run_id", "step_run_id",
        "idempotency_key", "created_at", "run",
    }  # fmt: skip
    assert (body["tool"], body["status"], body["output"], body["caller"]) == (
        "json_transform", "succeeded", {"result": 1}, "user:otto",
    )  # fmt: skip
    assert body["run"] is None
    assert ToolExecution.objects.get().user.username == "otto"


def test_execute_with_a_key_is_recorded_as_the_key(client: Client, make_key, operator_user) -> None:
    raw = make_key(operator_user, "read:services", "write:services")
    body = _execute(client, "json_transform", {"inputs": TRANSFORM}, **key_header(raw)).json()
    assert body["caller"].startswith("key:")


def test_replay_with_idempotency_key_returns_the_same_execution(operator_client: Client) -> None:
    first = _execute(operator_client, "json_transform", {"inputs": TRANSFORM, "idempotency_key": "abc"}).json()
    again = _execute(operator_client, "json_transform", {"inputs": TRANSFORM, "idempotency_key": "abc"}).json()
    assert again == first
    assert first["idempotency_key"] == "abc"
    other = _execute(operator_client, "template_render", {"inputs": {"template": "x"}, "idempotency_key": "abc"})
    assert_envelope(other, 409, "conflict")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"inputs": {"data": 1}}, "inputs"),
        ({"inputs": {"data": 1, "expression": ["a"]}}, "expression"),
        ({"inputs": {"data": 1, "expression": "a["}}, "expression"),
        ({"inputs": "not an object"}, "inputs"),
        ({"inputs": {}, "idempotency_key": "k" * 201}, "idempotency_key"),
    ],
)
def test_bad_inputs_are_400_with_details(operator_client: Client, body: dict, field: str) -> None:
    response = assert_envelope(_execute(operator_client, "json_transform", body), 400, "invalid_request")
    assert field in response["details"]
    assert not ToolExecution.objects.exists()


def test_http_tool_refusal_is_400(operator_client: Client, settings) -> None:
    settings.TOOLS_HTTP_ALLOWED_HOSTS = ["example.com"]
    body = assert_envelope(
        _execute(operator_client, "http_request", {"inputs": {"url": "http://169.254.169.254/latest/"}}), 400
    )
    assert "not in TOOLS_HTTP_ALLOWED_HOSTS" in body["details"]["url"][0]


def test_a_failed_run_is_201_with_its_error(operator_client: Client, remote) -> None:
    inputs = {"url": remote.url("/slow"), "timeout_seconds": 0.2}
    response = _execute(operator_client, "http_request", {"inputs": inputs})
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["error"]) == ("failed", "GET 127.0.0.1 timed out after 0.2 s.")


def test_undefined_template_variable_is_400(operator_client: Client) -> None:
    body = assert_envelope(_execute(operator_client, "template_render", {"inputs": {"template": "{{ nope }}"}}), 400)
    assert body["details"] == {"variables": ["'nope' is undefined"]}


def _make(tool: str = "json_transform", run_id: uuid.UUID | None = None, **inputs: object) -> ToolExecution:
    return tool_execute(name=tool, inputs=inputs or TRANSFORM, caller="test", run_id=run_id)


def test_executions_are_listed_newest_first_and_paginated(viewer_client: Client, django_assert_max_num_queries) -> None:
    made = [_make() for _ in range(3)]
    with django_assert_max_num_queries(6):
        body = viewer_client.get("/api/v1/tool-executions/", {"page_size": 2}).json()
    assert body["count"] == 3
    assert [e["id"] for e in body["results"]] == [str(e.id) for e in reversed(made)][:2]
    assert body["next"]


def test_executions_filter_by_tool_status_and_run(viewer_client: Client, remote) -> None:
    run_id = uuid.uuid4()
    in_run = _make(run_id=run_id)
    rendered = _make("template_render", template="hi")
    failed = tool_execute(name="http_request", inputs={"url": remote.url("/slow"), "timeout_seconds": 0.2}, caller="t")

    def ids(**params: str) -> list[str]:
        return [e["id"] for e in viewer_client.get("/api/v1/tool-executions/", params).json()["results"]]

    assert ids(tool="template_render") == [str(rendered.id)]
    assert ids(status="failed") == [str(failed.id)]
    assert ids(run_id=str(run_id)) == [str(in_run.id)]
    listed = viewer_client.get("/api/v1/tool-executions/", {"run_id": str(run_id)}).json()["results"][0]
    assert listed["run"] == f"/api/v1/workflow-runs/{run_id}/"
    assert ids(ordering="-duration_ms")[0] == str(failed.id)
    assert_envelope(viewer_client.get("/api/v1/tool-executions/", {"status": "weird"}), 400)
    assert_envelope(viewer_client.get("/api/v1/tool-executions/", {"run_id": "not-a-uuid"}), 400)
    assert_envelope(viewer_client.get("/api/v1/tool-executions/", {"ordering": "caller"}), 400)


def test_execution_detail_and_404(viewer_client: Client) -> None:
    execution = _make()
    body = viewer_client.get(f"/api/v1/tool-executions/{execution.id}/").json()
    assert body["id"] == str(execution.id)
    assert_envelope(viewer_client.get(f"/api/v1/tool-executions/{uuid.uuid4()}/"), 404)
    assert_envelope(viewer_client.get("/api/v1/tool-executions/0/"), 404)


def test_execution_log_is_read_only(operator_client: Client) -> None:
    execution = _make()
    assert_envelope(send(operator_client, "delete", f"/api/v1/tool-executions/{execution.id}/"), 405)
    assert_envelope(send(operator_client, "post", "/api/v1/tool-executions/", {}), 405)
