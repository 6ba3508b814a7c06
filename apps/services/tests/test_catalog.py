"""The service registry, its sync to the catalog table, and discovery (issue 4, points 4-6)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from apps.events.models import Event
from apps.services.models import Service
from apps.services.registry import Caller, ServiceSpec, load_catalog, method, service
from apps.services.services import catalog_sync
from storyportal.api.exceptions import Conflict
from tests.support.api import assert_envelope

pytestmark = pytest.mark.django_db


def test_every_registered_service_is_in_the_table_after_migrate() -> None:
    code = load_catalog()
    assert len(code) >= 9
    table = set(Service.objects.filter(available=True).values_list("name", flat=True))
    assert table == set(code)
    assert {spec.layer for spec in code.values()} >= {"L01", "L02", "L09", "L12"}


def test_sync_is_idempotent_and_reports_changes() -> None:
    out = io.StringIO()
    call_command("sync_services", stdout=out)
    assert "0 new, 0 changed, 0 removed" in out.getvalue()
    specs = load_catalog()
    registry = specs["RouteTable"]
    changed = ServiceSpec(registry.name, registry.layer, "A new description.", registry.dependencies, registry.methods)
    before = Event.objects.filter(event_type="ServiceRegistered").count()
    result = catalog_sync(specs={**specs, "RouteTable": changed})
    assert result.changed == ["RouteTable"]
    assert Service.objects.get(name="RouteTable").description == "A new description."
    assert Event.objects.filter(event_type="ServiceRegistered").count() == before + 1
    removed = catalog_sync(specs={k: v for k, v in specs.items() if k != "RouteTable"})
    assert removed.removed == ["RouteTable"]
    assert not Service.objects.get(name="RouteTable").available
    catalog_sync()
    assert Service.objects.get(name="RouteTable").available


def test_a_service_without_methods_cannot_register() -> None:
    with pytest.raises(TypeError, match="must do something"):

        @service(name="Hollow", layer="L01", description="nothing")
        class Hollow:
            pass


def test_startup_waits_for_the_catalog(client: Client) -> None:
    from apps.monitoring.health import startup

    assert client.get("/health/startup").status_code == 200
    Service.objects.filter(name="RouteTable").update(fingerprint="stale")
    startup.forget()
    body = client.get("/health/startup")
    assert body.status_code == 503
    assert "service catalog synced" in str(body.json())


def test_discovery_has_the_spec_shape(viewer_client: Client) -> None:
    body = viewer_client.get("/api/v1/services/").json()
    assert body["total"] == len(body["services"]) == Service.objects.filter(available=True).count()
    registry = next(s for s in body["services"] if s["name"] == "AgentRegistry")
    assert registry["layer"] == "L01"
    assert registry["health"] == "healthy"
    assert {m["name"] for m in registry["methods"]} >= {"list", "get", "create"}
    create = next(m for m in registry["methods"] if m["name"] == "create")
    assert create["params_schema"]["required"] == ["name", "layer"]


def test_layer_filter(viewer_client: Client) -> None:
    body = viewer_client.get("/api/v1/services/?layer=L09").json()
    assert {s["layer"] for s in body["services"]} == {"L09"}
    assert body["total"] >= 3
    assert_envelope(viewer_client.get("/api/v1/services/?layer=L08"), 400)


def test_detail_documents_methods_and_unknown_is_404(viewer_client: Client) -> None:
    body = viewer_client.get("/api/v1/services/SessionStore/").json()
    assert body["dependencies"] == ["postgres", "redis"]
    assert all({"params_schema", "result_schema", "writes", "timeout_seconds"} <= set(m) for m in body["methods"])
    assert_envelope(viewer_client.get("/api/v1/services/NoSuch/"), 404)
    assert_envelope(Client().get("/api/v1/services/"), 401)


def test_health_follows_declared_dependencies(viewer_client: Client, monkeypatch) -> None:
    from apps.services import selectors

    monkeypatch.setattr(selectors, "dependency_statuses", lambda: {"postgres": "healthy", "redis": "unhealthy"})
    services = {s["name"]: s["health"] for s in viewer_client.get("/api/v1/services/").json()["services"]}
    assert services["SessionStore"] == "unhealthy"
    assert services["AgentRegistry"] == "healthy"
    assert services["RouteTable"] == "healthy"


def test_services_alias_route(viewer_client: Client) -> None:
    assert viewer_client.get("/api/services/").json() == viewer_client.get("/api/v1/services/").json()


# --- the services do real work -------------------------------------------------------------


def _call(service_name: str, method_name: str, caller: Caller, **params: object) -> object:
    implementation = load_catalog()[service_name].implementation
    assert implementation is not None
    return getattr(implementation(), method_name)(caller, **params)


def test_agent_services_create_and_move_agents(operator_user) -> None:
    caller = Caller(user=operator_user, scopes=operator_user.scopes)
    created = _call("AgentRegistry", "create", caller, name="hub-made", layer="L02")
    assert created["status"] == "registered"
    assert _call("AgentRuntime", "activate", caller, id=created["id"])["status"] == "active"
    listed = _call("AgentRegistry", "list", caller, status="active")
    assert [a["name"] for a in listed["agents"]] == ["hub-made"]
    with pytest.raises(Conflict) as conflict:  # invoke answers a DomainError like a MethodError
        _call("AgentRuntime", "activate", caller, id=created["id"])
    assert conflict.value.status_code == 409
    stream = _call("EventStore", "read_stream", caller, aggregate_id=created["id"])
    assert [e["event_type"] for e in stream["events"]] == ["AgentCreated", "AgentActivated"]


def test_session_and_key_services(operator_user, make_key) -> None:
    caller = Caller(user=operator_user, scopes=operator_user.scopes)
    session = _call("SessionStore", "create", caller, data={"step": 1})
    assert _call("SessionStore", "get", caller, id=session["id"])["data"] == {"step": 1}
    make_key(operator_user, "read:services")
    keys = _call("ApiKeyManager", "list", caller)["keys"]
    assert len(keys) == 1
    assert keys[0]["active"] is True
    assert _call("ApiKeyManager", "revoke", caller, id=keys[0]["id"])["active"] is False
    routes = _call("RouteTable", "routes", caller)["layers"]
    assert "agents" in routes["l02"]
    assert _call("HealthMonitor", "readiness", caller)["status"] in {"healthy", "degraded"}
    described = _call("ServiceCatalog", "describe", caller, name="AgentRegistry")
    assert described["layer"] == "L01"


def test_methods_are_declared_with_schemas() -> None:
    for spec in load_catalog().values():
        for m in spec.methods.values():
            assert m.params_schema["type"] == "object", (spec.name, m.name)
            assert m.description


def test_method_decorator_records_writes_and_timeouts() -> None:
    @method(description="d", writes=True, timeout=5)
    def poke(self: object, caller: Caller) -> None:
        return None

    spec = poke._storyportal_method  # type: ignore[attr-defined]
    assert (spec.writes, spec.timeout, spec.params_schema["type"]) == (True, 5, "object")
