"""``agents/`` (contract, Resources): CRUD, lifecycle, logs, events."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from apps.agents.models import Agent
from apps.agents.services import agent_create, agent_fail, agent_transition
from apps.events.models import Event
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def _create(client: Client, **fields: object) -> dict:
    body = {"name": "scout", "layer": "L02", **fields}
    response = send(client, "post", "/api/v1/agents/", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_create_starts_registered_and_records_agent_created(operator_client: Client) -> None:
    agent = _create(operator_client, description="finds things", config={"model": "llama3"}, capabilities=["search"])
    assert agent["status"] == "registered"
    assert uuid.UUID(agent["id"])
    assert set(agent) >= {
        "id",
        "name",
        "description",
        "layer",
        "status",
        "config",
        "capabilities",
        "created_at",
        "updated_at",
    }
    event = Event.objects.get(aggregate_id=agent["id"])
    assert (event.event_type, event.sequence_number) == ("AgentCreated", 1)
    assert event.payload["name"] == "scout"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"layer": "L02"}, "name"),
        ({"name": "x"}, "layer"),
        ({"name": "x", "layer": "L08"}, "layer"),
        ({"name": "x", "layer": "L02", "config": [1]}, "config"),
        ({"name": "x", "layer": "L02", "capabilities": "search"}, "capabilities"),
        ({"name": "x" * 101, "layer": "L02"}, "name"),
        ({"name": "x", "layer": "L02", "status": "active", "config": "{}"}, "config"),
    ],
)
def test_bad_agent_input_is_400_naming_the_field(operator_client: Client, payload: dict, field: str) -> None:
    body = assert_envelope(send(operator_client, "post", "/api/v1/agents/", payload), 400, "invalid_request")
    assert field in body["details"]


def test_duplicate_name_is_400(operator_client: Client) -> None:
    _create(operator_client)
    body = assert_envelope(send(operator_client, "post", "/api/v1/agents/", {"name": "scout", "layer": "L01"}), 400)
    assert "name" in body["details"]


def test_status_cannot_be_written_directly(operator_client: Client) -> None:
    agent = _create(operator_client, status="active")
    assert agent["status"] == "registered"
    patched = send(operator_client, "patch", f"/api/v1/agents/{agent['id']}/", {"status": "active"}).json()
    assert patched["status"] == "registered"


def test_update_records_only_real_changes(operator_client: Client) -> None:
    agent = _create(operator_client)
    url = f"/api/v1/agents/{agent['id']}/"
    assert send(operator_client, "patch", url, {"description": "new"}).json()["description"] == "new"
    send(operator_client, "patch", url, {"description": "new"})
    updates = Event.objects.filter(aggregate_id=agent["id"], event_type="AgentUpdated")
    assert [e.payload["changed"] for e in updates] == [["description"]]
    put = send(operator_client, "put", url, {"name": "scout-2", "layer": "L03"})
    assert (put.json()["name"], put.json()["layer"]) == ("scout-2", "L03")


@pytest.mark.parametrize(
    ("moves", "final"),
    [
        (["activate"], "active"),
        (["activate", "pause"], "paused"),
        (["activate", "pause", "activate"], "active"),
        (["retire"], "retired"),
        (["activate", "retire"], "retired"),
    ],
)
def test_allowed_lifecycle_moves(operator_client: Client, moves: list[str], final: str) -> None:
    agent = _create(operator_client)
    for move in moves:
        response = send(operator_client, "post", f"/api/v1/agents/{agent['id']}/{move}/")
        assert response.status_code == 200, response.content
    assert Agent.objects.get(pk=agent["id"]).status == final


@pytest.mark.parametrize(
    ("setup", "move"), [([], "pause"), (["retire"], "activate"), (["retire"], "retire"), (["activate"], "activate")]
)
def test_illegal_moves_are_409_and_change_nothing(operator_client: Client, setup: list[str], move: str) -> None:
    agent = _create(operator_client)
    for step in setup:
        send(operator_client, "post", f"/api/v1/agents/{agent['id']}/{step}/")
    before = Agent.objects.get(pk=agent["id"]).status
    body = assert_envelope(send(operator_client, "post", f"/api/v1/agents/{agent['id']}/{move}/"), 409, "conflict")
    assert body["details"]["status"] == before
    assert Agent.objects.get(pk=agent["id"]).status == before


def test_error_set_by_the_runtime_can_only_be_retired(operator_client: Client) -> None:
    agent = agent_create(name="flaky", layer="L02")
    agent_transition(agent=agent, action="activate")
    agent_fail(agent=agent, reason="model crashed")
    assert Agent.objects.get(pk=agent.pk).status == "error"
    assert_envelope(send(operator_client, "post", f"/api/v1/agents/{agent.pk}/activate/"), 409)
    assert send(operator_client, "post", f"/api/v1/agents/{agent.pk}/retire/").json()["status"] == "retired"


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_apply_one_after_the_other(operator_user) -> None:
    agent = agent_create(name="racer", layer="L02")
    agent_transition(agent=agent, action="activate")
    start = threading.Barrier(4)

    def pause(_: int) -> str:
        start.wait()
        try:
            agent_transition(agent=agent, action="pause")
            return "paused"
        except Exception as exc:
            return type(exc).__name__
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = sorted(pool.map(pause, range(4)))
    assert results == ["Conflict", "Conflict", "Conflict", "paused"]
    assert Event.objects.filter(aggregate_id=agent.pk, event_type="AgentPaused").count() == 1


def test_logs_are_the_agents_events_newest_first(operator_client: Client) -> None:
    agent = _create(operator_client)
    send(operator_client, "post", f"/api/v1/agents/{agent['id']}/activate/")
    send(operator_client, "post", f"/api/v1/agents/{agent['id']}/pause/")
    other = _create(operator_client, name="other")
    logs = operator_client.get(f"/api/v1/agents/{agent['id']}/logs/").json()
    assert [e["event_type"] for e in logs["results"]] == ["AgentPaused", "AgentActivated", "AgentCreated"]
    assert [e["sequence_number"] for e in logs["results"]] == [3, 2, 1]
    assert other["id"] not in {e["aggregate_id"] for e in logs["results"]}
    assert logs["results"][0]["metadata"]["actor"] == "user:otto"


def test_filters_search_and_ordering(operator_client: Client) -> None:
    _create(operator_client, name="alpha", layer="L01", description="reads mail")
    _create(operator_client, name="beta", layer="L02")
    agent_transition(agent=Agent.objects.get(name="beta"), action="activate")
    assert [a["name"] for a in operator_client.get("/api/v1/agents/?status=active").json()["results"]] == ["beta"]
    assert [a["name"] for a in operator_client.get("/api/v1/agents/?layer=L01").json()["results"]] == ["alpha"]
    assert [a["name"] for a in operator_client.get("/api/v1/agents/?search=MAIL").json()["results"]] == ["alpha"]
    assert [a["name"] for a in operator_client.get("/api/v1/agents/?ordering=-name").json()["results"]] == [
        "beta",
        "alpha",
    ]
    assert_envelope(operator_client.get("/api/v1/agents/?status=sleeping"), 400)
    assert_envelope(operator_client.get("/api/v1/agents/?ordering=config"), 400)


def test_delete_keeps_the_history(operator_client: Client) -> None:
    agent = _create(operator_client)
    assert operator_client.delete(f"/api/v1/agents/{agent['id']}/").status_code == 204
    assert not Agent.objects.filter(pk=agent["id"]).exists()
    history = Event.objects.filter(aggregate_id=agent["id"]).order_by("sequence_number")
    assert list(history.values_list("event_type", flat=True)) == ["AgentCreated", "AgentDeleted"]


def test_viewers_read_but_do_not_write(viewer_client: Client) -> None:
    agent = agent_create(name="seen", layer="L01")
    assert viewer_client.get(f"/api/v1/agents/{agent.pk}/").status_code == 200
    assert_envelope(send(viewer_client, "post", "/api/v1/agents/", {"name": "x", "layer": "L01"}), 403)
    assert_envelope(send(viewer_client, "post", f"/api/v1/agents/{agent.pk}/activate/"), 403)
    assert_envelope(viewer_client.delete(f"/api/v1/agents/{agent.pk}/"), 403)
    assert_envelope(Client().get("/api/v1/agents/"), 401)


def test_unknown_agent_is_404(operator_client: Client) -> None:
    assert_envelope(operator_client.get(f"/api/v1/agents/{uuid.uuid4()}/"), 404)
    assert_envelope(operator_client.get("/api/v1/agents/not-a-uuid/"), 404)
    assert_envelope(send(operator_client, "post", f"/api/v1/agents/{uuid.uuid4()}/activate/"), 404)


def test_layer_routes_reach_agents(operator_client: Client) -> None:
    _create(operator_client)
    assert operator_client.get("/api/l01/agents/").json() == operator_client.get("/api/v1/agents/").json()
    assert operator_client.get("/api/l02/agents/").json()["count"] == 1


def test_agents_table_has_the_spec_indexes() -> None:
    from storyportal.tests.test_schema import _leading_columns

    assert {"created_at", "status", "layer"} <= _leading_columns("agents")


def test_logs_ignore_ordering_and_filters(operator_client: Client) -> None:
    agent = _create(operator_client)
    response = operator_client.get(f"/api/v1/agents/{agent['id']}/logs/?ordering=sequence_number&status=x")
    assert response.status_code == 200
    assert response.json()["count"] == 1
