"""Health endpoints against the real PostgreSQL and Redis (contract, Health)."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from apps.monitoring.health.layers import LAYERS
from storyportal.embedded import redis as embedded_redis
from storyportal.embedded.process import free_port
from tests.support.servers import hanging_server

pytestmark = pytest.mark.django_db(transaction=True)

DEPENDENCIES = ["postgres", "redis", "ollama", "workers"]


def test_liveness_reports_version_and_uptime(client: Client) -> None:
    response = client.get("/health/live")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["version"] == "0.1.0"
    assert isinstance(body["uptime_seconds"], int)


def test_readiness_checks_every_dependency(client: Client) -> None:
    body = client.get("/health/ready").json()
    assert [d["name"] for d in body["dependencies"]] == DEPENDENCIES
    by_name = {d["name"]: d for d in body["dependencies"]}
    assert by_name["postgres"]["status"] == "healthy"
    assert by_name["postgres"]["critical"] is True
    assert by_name["redis"]["status"] == "healthy"
    assert by_name["ollama"]["critical"] is False
    assert by_name["workers"]["critical"] is False
    assert all(isinstance(d["latency_ms"], float | int) for d in body["dependencies"])


def test_non_critical_outage_is_degraded_with_200(client: Client, settings) -> None:
    settings.OLLAMA_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    response = client.get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert any("Ollama" in error for error in body["errors"])


def test_api_health_is_readiness(client: Client) -> None:
    body = client.get("/api/health").json()
    assert set(body) >= {"status", "version", "uptime_seconds", "dependencies"}


def test_readiness_stays_fast_while_ollama_hangs(client: Client, settings) -> None:
    with hanging_server() as url:
        settings.OLLAMA_URL = url
        for _ in range(5):
            started = time.perf_counter()
            response = client.get("/health/ready")
            elapsed = time.perf_counter() - started
            assert elapsed < 0.1, f"readiness took {elapsed * 1000:.0f} ms"
            ollama = next(d for d in response.json()["dependencies"] if d["name"] == "ollama")
            assert ollama["status"] == "unhealthy"
            assert response.status_code == 200


def test_readiness_follows_redis_going_down_and_coming_back(client: Client, settings, tmp_path) -> None:
    port = free_port()
    server = embedded_redis.start(tmp_path, port=port, data_dir=tmp_path / "redis")
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    from apps.monitoring.health.runner import runner

    try:
        assert client.get("/health/ready").status_code == 200

        server.stop()
        runner.reset()
        response = client.get("/health/ready")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unhealthy"
        assert "Redis connection failed" in " ".join(body["errors"])
        assert next(d for d in body["dependencies"] if d["name"] == "redis")["status"] == "unhealthy"

        server = embedded_redis.start(tmp_path, port=port, data_dir=tmp_path / "redis")
        runner.reset()
        assert client.get("/health/ready").status_code == 200
    finally:
        server.stop()


def test_startup_is_ready_once_migrated(client: Client) -> None:
    response = client.get("/health/startup")
    assert response.status_code == 200
    assert response.json()["status"] in {"healthy", "degraded"}


def test_startup_is_503_while_a_condition_is_unmet(client: Client, monkeypatch) -> None:
    from apps.monitoring.health import startup

    monkeypatch.setitem(startup._conditions, "catalog synced", lambda: False)
    response = client.get("/health/startup")
    assert response.status_code == 503
    assert "Startup incomplete: catalog synced" in response.json()["errors"]


def test_health_needs_no_credentials_and_ignores_bad_ones(client: Client) -> None:
    response = client.get("/health/live", HTTP_AUTHORIZATION="Bearer garbage", HTTP_X_API_KEY="nope")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/api/health", "/api/l04/health/ready"])
def test_health_rejects_other_methods_with_the_envelope(client: Client, path: str) -> None:
    response = client.post(path)
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
    assert response.json()["request_id"] == response["X-Request-ID"]


def test_layer_registry_lists_eleven_layers(client: Client) -> None:
    layers = client.get("/api/v1/layers/").json()["layers"]
    assert [layer["code"] for layer in layers] == [
        "L01", "L02", "L03", "L04", "L05", "L06", "L07", "L09", "L10", "L11", "L12",
    ]  # fmt: skip
    for layer in layers:
        assert layer["name"]
        assert layer["status"] in {"healthy", "degraded", "unhealthy"}
        assert layer["dependencies"], f"{layer['code']} declares no dependencies"


@pytest.mark.parametrize("layer", [layer.slug for layer in LAYERS])
@pytest.mark.parametrize("probe", ["live", "ready", "startup"])
def test_every_layer_answers_its_probes(client: Client, layer: str, probe: str) -> None:
    response = client.get(f"/api/{layer}/health/{probe}")
    assert response.status_code in {200, 503}
    assert response.json()["layer"] == layer.upper()


def test_layer_readiness_uses_its_own_critical_dependencies(client: Client, settings) -> None:
    settings.OLLAMA_URL = f"http://127.0.0.1:{free_port()}"
    model_gateway = client.get("/api/l04/health/ready")
    assert model_gateway.status_code == 503  # L04 cannot work without Ollama
    data_layer = client.get("/api/l01/health/ready")
    assert data_layer.status_code == 200
    assert [d["name"] for d in data_layer.json()["dependencies"]] == ["postgres", "redis"]


def test_unknown_layer_is_404_envelope(client: Client) -> None:
    response = client.get("/api/l08/health/ready")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
