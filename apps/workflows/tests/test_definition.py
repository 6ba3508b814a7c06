"""Definitions are validated on save, with the step named (issue 5 point 1)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.events.models import Event
from apps.workflows.models import Workflow, WorkflowVersion
from apps.workflows.tests.support import service_step
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db

URL = "/api/v1/workflows/"
LIST = service_step("list", "AgentRegistry", "list")


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def _create(client: Client, steps: list[dict[str, Any]], **extra: Any):
    return send(client, "post", URL, {"name": "wf", "steps": steps, **extra})


def test_a_valid_definition_is_saved_as_version_1(operator_client: Client) -> None:
    steps = [
        LIST,
        service_step(
            "get", "AgentRegistry", "get", {"id": "{{ steps.list.output.agents[0].id }}"}, depends_on=["list"]
        ),
    ]
    response = _create(
        operator_client, steps, inputs_schema={"type": "object"}, outputs={"n": "{{ steps.list.output.count }}"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["version"], body["steps"]) == (1, steps)
    assert set(body) == {
        "id",
        "name",
        "description",
        "version",
        "steps",
        "inputs_schema",
        "outputs",
        "created_at",
        "updated_at",
    }
    assert WorkflowVersion.objects.get(workflow_id=body["id"]).version == 1
    assert Event.objects.filter(aggregate_id=body["id"], event_type="WorkflowCreated").count() == 1


CYCLE = [
    {**LIST, "depends_on": ["b"]},
    {"id": "b", "kind": "wait", "seconds": 0, "depends_on": ["list"]},
]


@pytest.mark.parametrize(
    ("steps", "place", "words"),
    [
        ([service_step("a", "NoSuchService", "x")], "steps.a", "unknown service 'NoSuchService'"),
        ([service_step("a", "AgentRegistry", "fly")], "steps.a", "has no method 'fly'"),
        (CYCLE, "steps.list", "cycle"),
        (
            [LIST, service_step("b", "AgentRegistry", "get", {"id": "{{ steps.list.output.x }}"})],
            "steps.b",
            "does not depend on",
        ),
        ([{**LIST, "depends_on": ["ghost"]}], "steps.list", "'ghost', which is not a step"),
        ([LIST, LIST], "steps.list", "used by another step"),
        ([{"id": "a", "kind": "teleport"}], "steps.a", "kind must be one of"),
        ([{"id": "a", "kind": "llm", "prompt": " "}], "steps.a", "needs a prompt"),
        ([{"id": "a", "kind": "condition", "expression": "inputs.["}], "steps.a", "not a valid JMESPath"),
        ([{"id": "a", "kind": "wait", "seconds": -1}], "steps.a", "seconds must be"),
        ([{**LIST, "retry": {"max_attempts": 99}}], "steps.list", "max_attempts"),
        ([{**LIST, "params": {"x": "{{ os.system }}"}}], "steps.list", "must start with inputs or steps"),
        ([{"id": "Bad Id", "kind": "wait", "seconds": 1}], "steps[0]", "lower-case"),
        ([{**LIST, "colour": "red"}], "steps.list", "unknown fields"),
    ],
)
def test_invalid_definitions_are_400_naming_the_step(operator_client: Client, steps, place: str, words: str) -> None:
    body = assert_envelope(_create(operator_client, steps), 400, "invalid_request")
    assert place in body["details"], body
    assert any(words in message for message in body["details"][place]), body["details"]
    assert not Workflow.objects.exists()


def test_bad_inputs_schema_and_outputs_are_400(operator_client: Client) -> None:
    body = assert_envelope(_create(operator_client, [LIST], inputs_schema={"type": "nonsense"}), 400)
    assert "inputs_schema" in body["details"]
    body = assert_envelope(_create(operator_client, [LIST], outputs={"x": "{{ steps.ghost.output }}"}), 400)
    assert "outputs.x" in body["details"]


def test_steps_must_be_a_non_empty_list(operator_client: Client) -> None:
    assert_envelope(_create(operator_client, []), 400)
    assert_envelope(send(operator_client, "post", URL, {"name": "wf", "steps": "nope"}), 400)
    assert_envelope(send(operator_client, "post", URL, {"steps": [LIST]}), 400)


def test_names_are_unique_among_live_workflows(operator_client: Client) -> None:
    first = _create(operator_client, [LIST]).json()
    body = assert_envelope(_create(operator_client, [LIST]), 400)
    assert "name" in body["details"]
    assert send(operator_client, "delete", f"{URL}{first['id']}/").status_code == 204
    assert _create(operator_client, [LIST]).status_code == 201  # a deleted workflow frees its name
