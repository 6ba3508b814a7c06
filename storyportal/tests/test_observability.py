"""Access log and Prometheus metrics (contract, Gateway behaviour; spec 4.2)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client

from storyportal.logs import logging_config
from tests.support.api import assert_envelope, bearer, key_header

pytestmark = pytest.mark.django_db


@pytest.fixture
def access_lines() -> Iterator[io.StringIO]:
    """What the access logger writes, through the same JSON formatter stdout uses."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    formatter_config = logging_config(level="INFO", fmt="json")["formatters"]["structured"]
    factory = formatter_config.pop("()")
    handler.setFormatter(factory(**formatter_config))
    logger = logging.getLogger("storyportal.access")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_access_log_line_has_the_request_facts(client: Client, make_key, viewer_user, access_lines) -> None:
    raw = make_key(viewer_user, "read:services")
    client.get("/api/v1/events/?token=secret-in-query", HTTP_X_REQUEST_ID="trace-7", **key_header(raw))
    (line,) = _lines(access_lines)
    assert line["event"] == "request"
    assert line["request_id"] == "trace-7"
    assert line["caller"] == f"key:{raw[:14]}"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/v1/events/", 200)
    assert line["route"] == "/api/v1/events/"
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "info"
    assert "timestamp" in line
    assert raw not in access_lines.getvalue()
    assert "secret-in-query" not in access_lines.getvalue()


def test_access_log_never_holds_tokens_or_passwords(client: Client, viewer_user, access_lines) -> None:
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "vera", "password": "correct horse battery"},
        content_type="application/json",
    )
    access = response.json()["access"]
    client.get("/api/v1/users/me/", **bearer(access))
    text = access_lines.getvalue()
    assert "correct horse battery" not in text
    assert access not in text
    assert response.json()["refresh"] not in text
    assert _lines(access_lines)[1]["caller"] == "user:vera"


def test_logged_credentials_are_redacted_by_key_name() -> None:
    from storyportal.logs import _redact

    assert _redact(None, "info", {"event": "x", "password": "p", "token": "t"}) == {
        "event": "x", "password": "[redacted]", "token": "[redacted]",
    }  # fmt: skip


def _scrape(client: Client, **extra: str) -> str:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_metrics_count_requests_by_route_template(client: Client, viewer_client: Client) -> None:
    viewer_client.get("/api/v1/events/")
    viewer_client.get("/api/v1/events/00000000-0000-0000-0000-000000000000/")
    text = _scrape(client)
    assert 'storyportal_http_requests_total{method="GET",route="/api/v1/events/",status="200"}' in text
    assert 'route="/api/v1/events/(?P<pk>[^/.]+)/",status="404"' in text
    assert "00000000-0000" not in text  # ids never become labels
    assert 'storyportal_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/v1/events/"}' in text
    assert (
        'storyportal_http_errors_total{method="GET",route="/api/v1/events/(?P<pk>[^/.]+)/",status_class="4xx"}' in text
    )


def test_metrics_report_backend_availability(client: Client) -> None:
    text = _scrape(client)
    assert 'storyportal_backend_up{backend="postgres"} 1.0' in text
    assert 'storyportal_backend_up{backend="redis"} 1.0' in text
    assert 'storyportal_backend_up{backend="ollama"}' in text


def test_metrics_need_credentials_off_loopback(client: Client, settings, make_key, admin_user, viewer_user) -> None:
    settings.DEBUG = False
    settings.METRICS_TOKEN = "scrape-me"
    remote = {"REMOTE_ADDR": "198.51.100.7"}
    assert_envelope(client.get("/metrics", **remote), 401)
    assert_envelope(client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **remote), 401)
    assert_envelope(client.get("/metrics", **key_header(make_key(viewer_user, "read:services")), **remote), 401)
    assert _scrape(client, HTTP_AUTHORIZATION="Bearer scrape-me", **remote)
    assert _scrape(client, **key_header(make_key(admin_user, "admin:platform")), **remote)
    assert _scrape(client)  # loopback


def test_metrics_only_answers_get(client: Client) -> None:
    assert client.post("/metrics").status_code == 405


def test_metrics_are_not_throttled_or_logged_at_info(client: Client, access_lines) -> None:
    client.get("/metrics")
    client.get("/health/live")
    assert access_lines.getvalue() == ""
    assert settings.LOGGING["loggers"]["django.server"]["level"] == "WARNING"
