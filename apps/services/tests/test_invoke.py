"""``POST services/invoke/`` (contract; issue 4 point 8)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client

from apps.agents.models import Agent
from apps.agents.services import agent_create
from apps.events.models import Event
from apps.services import registry
from apps.services.invocation import forget_availability
from apps.services.models import Service, ServiceInvocation, service_aggregate_id
from apps.services.registry import Caller, method, service
from tests.support.api import assert_envelope, key_header, send

pytestmark = pytest.mark.django_db


def _invoke(client: Client, service_name: str, method_name: str, params: dict | None = None, **headers: str):
    body = {"service_name": service_name, "method": method_name, "params": params or {}}
    return send(client, "post", "/api/v1/services/invoke/", body, **headers)


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def test_read_method_returns_the_contract_shape(viewer_client: Client) -> None:
    agent_create(name="a1", layer="L01")
    response = _invoke(viewer_client, "AgentRegistry", "list", {"layer": "L01"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"invocation_id", "service_name", "method", "result", "duration_ms"}
    assert body["result"]["agents"][0]["name"] == "a1"
    record = ServiceInvocation.objects.get(pk=body["invocation_id"])
    assert (record.service_name, record.method, record.status, record.caller) == (
        "AgentRegistry",
        "list",
        "succeeded",
        "user:vera",
    )
    assert len(record.params_digest) == 64
    event = Event.objects.filter(event_type="ServiceInvoked").get()
    assert event.aggregate_id == service_aggregate_id("AgentRegistry")


def test_write_method_needs_write_scope(viewer_client: Client, operator_client: Client) -> None:
    params = {"name": "made", "layer": "L02"}
    assert_envelope(_invoke(viewer_client, "AgentRegistry", "create", params), 403, "permission_denied")
    assert not Agent.objects.exists()
    assert _invoke(operator_client, "AgentRegistry", "create", params).json()["result"]["status"] == "registered"


def test_key_scopes_apply(client: Client, make_key, operator_user) -> None:
    read_key = make_key(operator_user, "read:services")
    assert_envelope(
        _invoke(client, "AgentRegistry", "create", {"name": "k", "layer": "L01"}, **key_header(read_key)), 403
    )
    assert _invoke(client, "RouteTable", "routes", **key_header(read_key)).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"layer": "L01"}, "params"),
        ({"name": "x", "layer": "L08"}, "layer"),
        ({"name": "", "layer": "L01"}, "name"),
        ({"name": "x", "layer": "L01", "unexpected": 1}, "params"),
        ({"name": 5, "layer": "L01"}, "name"),
    ],
)
def test_params_failing_the_schema_are_400(operator_client: Client, params: dict, field: str) -> None:
    body = assert_envelope(_invoke(operator_client, "AgentRegistry", "create", params), 400, "invalid_request")
    assert field in body["details"]


def test_unknown_service_or_method_is_404(viewer_client: Client) -> None:
    assert_envelope(_invoke(viewer_client, "Nope", "list"), 404, "not_found")
    body = assert_envelope(_invoke(viewer_client, "AgentRegistry", "explode"), 404, "not_found")
    assert "list" in body["message"]


def test_bad_envelope_is_400(viewer_client: Client) -> None:
    assert_envelope(send(viewer_client, "post", "/api/v1/services/invoke/", {"method": "list"}), 400)
    assert_envelope(
        send(viewer_client, "post", "/api/v1/services/invoke/", {"service_name": "X", "method": "y", "params": []}), 400
    )
    assert_envelope(Client().post("/api/v1/services/invoke/", {}, content_type="application/json"), 401)


def test_method_refusals_keep_their_status_and_are_recorded(operator_client: Client) -> None:
    agent = agent_create(name="done", layer="L01")
    _invoke(operator_client, "AgentRuntime", "retire", {"id": str(agent.pk)})
    assert_envelope(_invoke(operator_client, "AgentRuntime", "retire", {"id": str(agent.pk)}), 409, "conflict")
    assert_envelope(
        _invoke(operator_client, "AgentRegistry", "get", {"id": "00000000-0000-0000-0000-000000000000"}), 404
    )
    assert ServiceInvocation.objects.filter(status="failed").count() == 2


@pytest.fixture
def slow_service() -> Iterator[None]:
    @service(name="TestSleeper", layer="L12", description="Test-only: writes, then takes its time.")
    class Sleeper:
        @method(description="Create an agent, then a slow SQL statement.", writes=True, timeout=0.3)
        def slow_sql(self, caller: Caller) -> dict:
            agent_create(name="half-done", layer="L01")
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(2)")
            return {}

        @method(description="Create an agent, then think too long.", writes=True, timeout=0.2)
        def slow_python(self, caller: Caller) -> dict:
            agent_create(name="half-done", layer="L01")
            time.sleep(0.4)
            return {}

    Service.objects.create(
        id=service_aggregate_id("TestSleeper"), name="TestSleeper", layer="L12", description="t", fingerprint="t"
    )
    forget_availability()  # the catalog changed under this process
    yield
    registry._REGISTRY.pop("TestSleeper")
    forget_availability()


@pytest.mark.parametrize("method_name", ["slow_sql", "slow_python"])
def test_timeout_is_504_and_leaves_nothing_half_done(operator_client: Client, slow_service, method_name: str) -> None:
    started = time.monotonic()
    response = _invoke(operator_client, "TestSleeper", method_name)
    assert_envelope(response, 504, "timeout")
    assert time.monotonic() - started < 1.5
    assert not Agent.objects.filter(name="half-done").exists()
    assert not Event.objects.filter(event_type="AgentCreated").exists()
    assert ServiceInvocation.objects.get(method=method_name).status == "timed_out"
    # the connection is usable, and its statement timeout is back to normal
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


def test_session_size_limit_holds_through_the_hub(operator_client: Client) -> None:
    response = _invoke(operator_client, "SessionStore", "create", {"data": {"x": "a" * 70_000}})
    assert_envelope(response, 400)


def test_lifecycle_refusal_keeps_its_details(operator_client: Client) -> None:
    agent = agent_create(name="idle", layer="L01")
    body = assert_envelope(_invoke(operator_client, "AgentRuntime", "pause", {"id": str(agent.pk)}), 409)
    assert body["details"] == {"status": "registered", "allowed": ["activate", "retire"]}


def test_rate_limit_inspector_sees_the_keys_own_counters(client: Client, make_key, operator_user) -> None:
    raw = make_key(operator_user, "read:services")
    client.get("/api/v1/events/", **key_header(raw))
    body = _invoke(client, "RateLimitInspector", "usage", **key_header(raw)).json()["result"]
    assert body["client"].startswith("key:")
    assert body["counters"]["user"] >= 2
