"""``tool_execute``: validation, recording, events and idempotent replays."""

from __future__ import annotations

import uuid

import pytest

from apps.events.models import Event
from apps.tools import services
from apps.tools.errors import ToolInputInvalid, ToolNotFound
from apps.tools.models import ToolExecution
from apps.tools.registry import load_tools
from apps.tools.services import tool_execute
from storyportal.api.exceptions import Conflict

pytestmark = pytest.mark.django_db

TRANSFORM = {"data": {"a": 1}, "expression": "a"}


def test_execution_is_recorded_with_its_event(operator_user) -> None:
    run_id, step_id = uuid.uuid4(), uuid.uuid4()
    execution = tool_execute(
        name="json_transform", inputs=TRANSFORM, caller="user:otto", user=operator_user, run_id=run_id,
        step_run_id=step_id,
    )  # fmt: skip
    row = ToolExecution.objects.get()
    assert row == execution
    assert (row.tool, row.status, row.output, row.caller, row.user) == (
        "json_transform", "succeeded", {"result": 1}, "user:otto", operator_user,
    )  # fmt: skip
    assert (row.run_id, row.step_run_id, row.idempotency_key) == (run_id, step_id, None)
    assert row.duration_ms >= 0
    assert row.run_path == f"/api/v1/workflow-runs/{run_id}/"
    event = Event.objects.get(event_type="ToolExecuted")
    assert (event.aggregate_type, event.aggregate_id) == ("ToolExecution", row.id)
    assert event.payload == {
        "tool": "json_transform", "status": "succeeded", "duration_ms": row.duration_ms, "run_id": str(run_id),
    }  # fmt: skip


def test_replay_with_the_key_returns_the_first_run_without_running_again(remote) -> None:
    inputs = {"method": "POST", "url": remote.url("/echo"), "json": {"n": 1}}
    first = tool_execute(name="http_request", inputs=inputs, caller="test", idempotency_key="k-1")
    again = tool_execute(name="http_request", inputs=inputs, caller="test", idempotency_key="k-1")
    assert again.pk == first.pk
    assert len(remote.requests) == 1
    assert ToolExecution.objects.count() == 1
    assert Event.objects.filter(event_type="ToolExecuted").count() == 1
    tool_execute(name="http_request", inputs=inputs, caller="test", idempotency_key="k-2")
    assert len(remote.requests) == 2


def test_executions_without_a_key_do_not_collide() -> None:
    tool_execute(name="json_transform", inputs=TRANSFORM, caller="test")
    tool_execute(name="json_transform", inputs=TRANSFORM, caller="test")
    assert ToolExecution.objects.filter(idempotency_key__isnull=True).count() == 2


def test_a_key_used_by_another_tool_is_a_conflict() -> None:
    tool_execute(name="json_transform", inputs=TRANSFORM, caller="test", idempotency_key="shared")
    with pytest.raises(Conflict):
        tool_execute(name="template_render", inputs={"template": "x"}, caller="test", idempotency_key="shared")


def test_a_concurrent_run_that_recorded_first_wins(monkeypatch) -> None:
    """The other call passed the check at the same moment and committed first: the unique
    constraint stops the second row, and its caller gets the first."""
    real_run = services._run
    winner: list[ToolExecution] = []

    def race(*args: object) -> None:
        winner.append(
            ToolExecution.objects.create(
                tool="json_transform",
                inputs=TRANSFORM,
                status="succeeded",
                duration_ms=1,
                caller="other",
                idempotency_key="raced",
            )
        )
        real_run(*args)

    monkeypatch.setattr(services, "_run", race)
    execution = tool_execute(name="json_transform", inputs=TRANSFORM, caller="test", idempotency_key="raced")
    assert execution.pk == winner[0].pk
    assert ToolExecution.objects.count() == 1
    assert not Event.objects.filter(event_type="ToolExecuted").exists()  # the loser's event rolled back


def test_a_failed_run_is_returned_and_recorded(run_tool, remote, settings) -> None:
    execution = run_tool("http_request", url=remote.url("/slow"), timeout_seconds=0.2)
    assert execution.status == "failed"
    assert ToolExecution.objects.get().error == execution.error
    assert Event.objects.get(event_type="ToolExecuted").payload["status"] == "failed"


def test_a_bug_in_a_tool_is_a_failed_run(run_tool, monkeypatch, caplog) -> None:
    import jmespath

    def broken(expression: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(jmespath, "compile", broken)
    execution = run_tool("json_transform", **TRANSFORM)
    assert execution.status == "failed"
    assert execution.error == "The tool failed unexpectedly; see the server log."
    assert "tool json_transform raised" in caplog.text


def test_unknown_tool_and_bad_inputs_record_nothing() -> None:
    with pytest.raises(ToolNotFound):
        tool_execute(name="nope", inputs={}, caller="test")
    with pytest.raises(ToolInputInvalid) as refused:
        tool_execute(name="json_transform", inputs={"data": 1, "expression": 5, "extra": True}, caller="test")
    assert set(refused.value.details) == {"expression", "inputs"}
    assert not ToolExecution.objects.exists()
    assert not Event.objects.filter(event_type="ToolExecuted").exists()


def test_every_tool_documents_itself() -> None:
    tools = load_tools()
    assert {"http_request", "json_transform", "template_render"} <= set(tools)
    for spec in tools.values():
        document = spec.document()
        assert set(document) == {"name", "description", "params_schema", "result_schema", "timeout_seconds"}
        assert document["params_schema"]["type"] == "object"
        assert document["params_schema"]["additionalProperties"] is False
