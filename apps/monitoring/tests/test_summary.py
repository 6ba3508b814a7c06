"""``monitoring/summary/``: figures computed from the per-minute request statistics that every
request adds to (real requests through the middleware, real Redis)."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from apps.monitoring import request_stats
from apps.monitoring.request_stats import BOUNDS_MS, WindowStats, window
from storyportal import kv
from tests.support.api import assert_envelope

pytestmark = pytest.mark.django_db
SUMMARY = "/api/v1/monitoring/summary/"


def test_percentiles_interpolate_within_buckets() -> None:
    stats = WindowStats(minutes=5, seconds=300)
    stats.requests = 100
    stats.buckets[BOUNDS_MS.index(100)] = 50  # 50 requests in (75, 100] ms
    stats.buckets[BOUNDS_MS.index(1000)] = 50  # 50 requests in (800, 1000] ms
    assert stats.percentile(0.25) == 87.5
    assert stats.percentile(0.50) == 100.0
    assert stats.percentile(0.99) == pytest.approx(996.0)
    stats.buckets[-1], stats.requests = 100, 200  # slower than every bound: reads as the last one
    assert stats.percentile(0.99) == BOUNDS_MS[-1]
    assert WindowStats(minutes=5, seconds=300).percentile(0.5) is None


def test_windows_cover_their_own_minutes_only() -> None:
    now = time.time()
    request_stats.record(duration_ms=20, status=200, now=now - 30 * 60)  # 30 minutes ago
    request_stats.record(duration_ms=20, status=503, now=now - 10 * 60)
    request_stats.record(duration_ms=20, status=404, now=now)
    assert window(5, now=now).requests == 1
    assert (window(15, now=now).requests, window(15, now=now).server_errors) == (2, 1)
    sixty = window(60, now=now)
    assert (sixty.requests, sixty.server_errors, sixty.client_errors) == (3, 1, 1)
    assert sixty.error_rate == pytest.approx(1 / 3)
    assert sixty.request_rate == pytest.approx(3 / sixty.seconds)


def test_summary_counts_real_requests_and_leaves_probes_out(viewer_client: Client, site: Client) -> None:
    for _ in range(4):
        assert viewer_client.get("/api/v1/agents/").status_code == 200
    assert site.get("/api/v1/test-only/boom/").status_code == 500
    assert site.get("/api/v1/test-only/slow/", {"ms": 120}).status_code == 200
    for _ in range(5):
        site.get("/health/live")  # probes and scrapes do not count
        site.get("/metrics")

    response = viewer_client.get(SUMMARY)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["window_minutes"] == 5
    # Six requests before the summary's own (which is recorded after it has answered).
    assert body["requests"] == 6
    assert body["errors"] == 1
    assert body["error_rate"] == pytest.approx(1 / 6, abs=1e-4)
    assert body["request_rate"] > 0
    assert set(body["latency_ms"]) >= {"p50", "p95", "p99"}
    assert body["latency_ms"]["p99"] > 100  # the slow request sets the tail
    assert body["latency_ms"]["p50"] < body["latency_ms"]["p99"]
    assert {b["name"]: b["status"] for b in body["backends"]}["postgres"] == "healthy"
    assert set(body["windows"]) == {"5m", "15m", "60m"}
    assert body["windows"]["60m"]["requests"] == 6
    assert body["alerts"] == {"firing": 0, "acknowledged": 0}


def test_window_parameter_chooses_the_top_level_figures(viewer_client: Client) -> None:
    request_stats.record(duration_ms=10, status=200, now=time.time() - 40 * 60)
    body = viewer_client.get(SUMMARY, {"window": 60}).json()
    assert body["window_minutes"] == 60
    assert body["requests"] == 1
    assert body["windows"]["5m"]["requests"] == 0
    assert body["windows"]["5m"]["latency_ms"]["p99"] is None


@pytest.mark.parametrize("value", ["7", "five", "-5"])
def test_unknown_window_is_400(viewer_client: Client, value: str) -> None:
    body = assert_envelope(viewer_client.get(SUMMARY, {"window": value}), 400)
    assert "window" in body["details"]


def test_summary_needs_a_reading_credential(client: Client, make_key, operator_user) -> None:
    assert_envelope(client.get(SUMMARY), 401)
    write_only = make_key(operator_user, "write:services")
    assert_envelope(client.get(SUMMARY, HTTP_X_API_KEY=write_only), 403)
    assert_envelope(client.get("/api/v1/monitoring/summary/nope/"), 404)
    assert_envelope(
        client.post(SUMMARY, HTTP_X_API_KEY=make_key(operator_user, "read:services", "write:services")), 405
    )


def test_a_redis_outage_loses_statistics_but_never_fails(monkeypatch) -> None:
    monkeypatch.setattr(request_stats.kv, "client", lambda: _Refusing())
    request_stats.record_soon(duration_ms=5, status=200)
    request_stats.flush()  # the write fails: the tally is dropped, nothing is raised
    monkeypatch.undo()
    assert window(5).requests == 0


def test_the_request_path_writes_in_the_background() -> None:
    request_stats.record_soon(duration_ms=5, status=200)
    deadline = time.monotonic() + 5
    while not kv.client().exists(request_stats.KEY.format(minute=int(time.time() // 60))):
        assert time.monotonic() < deadline, "the flusher thread wrote nothing"
        time.sleep(0.1)


class _Refusing:
    def pipeline(self, **kwargs: object) -> _Refusing:
        return self

    def __getattr__(self, name: str) -> object:
        from redis.exceptions import ConnectionError as RedisConnectionError

        def refuse(*args: object, **kwargs: object) -> None:
            if name == "execute":
                raise RedisConnectionError("down")

        return refuse
