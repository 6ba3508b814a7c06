"""Gateway behaviour (contract; spec 4.2): layer routes, CORS, body limit, docs, hot path."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from storyportal.asgi import application
from tests.support.api import assert_envelope, key_header

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("/api/l01/users/me/", "/api/v1/users/me/"),
        ("/api/l09/users/me/", "/api/v1/users/me/"),
        ("/api/l01/events/", "/api/v1/events/"),
        ("/api/l01/sessions/", "/api/v1/sessions/"),
        ("/api/l09/api-keys/", "/api/v1/api-keys/"),
    ],
)
def test_layer_routes_reach_the_same_views(viewer_client: Client, alias: str, canonical: str) -> None:
    a, b = viewer_client.get(alias), viewer_client.get(canonical)
    assert a.status_code == b.status_code == 200
    assert a.json() == b.json()


def test_layer_prefix_without_that_resource_is_404(viewer_client: Client) -> None:
    assert_envelope(viewer_client.get("/api/l04/users/"), 404)


def test_api_root_lists_resources_and_layers(viewer_client: Client) -> None:
    body = viewer_client.get("/api/v1/").json()
    assert {"users", "api-keys", "sessions", "events"} <= set(body["resources"])
    assert "events" in body["layers"]["l01"]
    assert body["schema"].endswith("/api/schema/")


# --- CORS -----------------------------------------------------------------------------------


def test_preflight_from_an_allowed_origin(client: Client) -> None:
    response = client.options(
        "/api/v1/events/",
        HTTP_ORIGIN="http://localhost:3000",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,x-api-key",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "POST", "PUT", "DELETE", "PATCH"}
    assert set(response["Access-Control-Allow-Headers"].split(", ")) == {"content-type", "authorization", "x-api-key"}
    assert response["Access-Control-Max-Age"] == "3600"


def test_simple_request_exposes_request_id_and_remaining(client: Client, make_key, viewer_user) -> None:
    response = client.get(
        "/api/v1/events/", HTTP_ORIGIN="http://localhost:3000", **key_header(make_key(viewer_user, "read:services"))
    )
    assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert set(response["Access-Control-Expose-Headers"].split(", ")) == {"X-Request-ID", "X-Rate-Limit-Remaining"}


def test_other_origins_get_no_cors_headers(client: Client) -> None:
    response = client.options(
        "/api/v1/events/", HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert "Access-Control-Allow-Origin" not in response


# --- Body limit -----------------------------------------------------------------------------


def test_declared_oversize_body_is_413_before_it_is_read(client: Client, viewer_user) -> None:
    client.force_login(viewer_user)
    response = client.generic(
        "POST", "/api/v1/sessions/", b"{}", content_type="application/json", CONTENT_LENGTH=str(10 * 1024 * 1024 + 1)
    )
    assert_envelope(response, 413, "payload_too_large")


def test_real_oversize_body_is_413(client: Client, viewer_user) -> None:
    client.force_login(viewer_user)
    big = json.dumps({"data": {"blob": "x" * (10 * 1024 * 1024)}})
    assert_envelope(client.post("/api/v1/sessions/", big, content_type="application/json"), 413)


def test_body_just_under_the_limit_reaches_validation(client: Client, viewer_user) -> None:
    client.force_login(viewer_user)
    body = json.dumps({"data": {"blob": "x" * (9 * 1024 * 1024)}})
    response = client.post("/api/v1/sessions/", body, content_type="application/json")
    assert_envelope(response, 400)  # read and parsed; refused by the 64 KiB session data limit
    assert "data" in response.json()["details"]


def test_asgi_refuses_oversize_body_without_receiving_it() -> None:
    sent: list[dict] = []
    received = []

    async def receive() -> dict:
        received.append(True)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": "/api/v1/sessions/", "query_string": b"", "headers": [
            (b"content-length", b"20000000"), (b"content-type", b"application/json"), (b"x-request-id", b"big-1"),
        ],
    }  # fmt: skip
    async_to_sync(application)(scope, receive, send)
    assert sent[0]["status"] == 413
    assert not received
    body = json.loads(sent[1]["body"])
    assert body["error"] == "payload_too_large"
    assert body["request_id"] == "big-1"


# --- OpenAPI and the browsable API -----------------------------------------------------------


def test_schema_documents_v1_once_with_both_auth_schemes(client: Client) -> None:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"jwtAuth", "ApiKeyAuth"} <= set(schema["components"]["securitySchemes"])
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }
    assert "/api/v1/api-keys/" in schema["paths"]
    assert not [p for p in schema["paths"] if p.startswith("/api/l0")]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_render_with_local_assets(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn.jsdelivr" not in html


def test_browsable_api_works_with_session_login(viewer_client: Client) -> None:
    response = viewer_client.get("/api/v1/events/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"Event List" in response.content
    assert b"vera" in response.content  # the logged-in user in the navbar


def test_browsable_api_login_link_uses_the_rate_limited_login(client: Client) -> None:
    response = client.get("/api-auth/login/")
    assert response.status_code == 200
    assert b'name="password"' in response.content


# --- Hot path ---------------------------------------------------------------------------------


def test_api_key_auth_and_throttling_cost_no_query_once_cached(client: Client, make_key, operator_user) -> None:
    raw = make_key(operator_user, "read:services")
    client.get("/api/v1/users/me/", **key_header(raw))  # warm: caches key and user, stamps last use
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/", **key_header(raw))
    assert response.status_code == 200
    assert [q["sql"] for q in queries.captured_queries] == []


def test_jwt_auth_costs_no_query_once_cached(client: Client, viewer_user) -> None:
    tokens = client.post(
        "/api/v1/auth/token/",
        {"username": "vera", "password": "correct horse battery"},
        content_type="application/json",
    ).json()
    header = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
    client.get("/api/v1/", **header)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/", **header).status_code == 200
    assert len(queries.captured_queries) == 0


def test_db_list_costs_only_its_own_queries(client: Client, make_key, operator_user, django_assert_num_queries) -> None:
    from apps.events.services import event_append

    raw = make_key(operator_user, "read:services")
    event_append(aggregate_type="Agent", aggregate_id=uuid.uuid4(), event_type="AgentCreated", payload={})
    client.get("/api/v1/events/", **key_header(raw))
    with django_assert_num_queries(2):  # COUNT and the page
        client.get("/api/v1/events/", **key_header(raw))


def _chunked(client: Client, body: bytes) -> object:
    import io

    return client.generic(
        "POST", "/api/v1/sessions/", b"", content_type="application/json",
        CONTENT_TYPE="application/json", CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(body)},
    )  # fmt: skip


def test_chunked_body_without_length_is_read_not_dropped(client: Client, viewer_user) -> None:
    client.force_login(viewer_user)
    response = _chunked(client, json.dumps({"data": {"kept": True}}).encode())
    assert response.status_code == 201
    assert response.json()["data"] == {"kept": True}


def test_chunked_body_over_the_limit_is_413(client: Client, viewer_user) -> None:
    client.force_login(viewer_user)
    assert_envelope(_chunked(client, b"x" * (10 * 1024 * 1024 + 10)), 413)


@pytest.mark.django_db(transaction=True)  # the ASGI handler closes connections between requests
def test_asgi_chunked_body_is_read(viewer_user) -> None:
    cookie = Client()
    cookie.force_login(viewer_user)
    session_id = cookie.cookies["sessionid"].value
    csrf = "a" * 32
    sent: list[dict] = []
    payload = json.dumps({"data": {"via": "asgi"}}).encode()
    messages = [
        {"type": "http.request", "body": payload[:10], "more_body": True},
        {"type": "http.request", "body": payload[10:], "more_body": False},
    ]

    async def receive() -> dict:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)  # the client stays connected until the response is sent
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": "/api/v1/sessions/", "query_string": b"",
        "server": ("testserver", 80), "client": ("127.0.0.1", 5000), "scheme": "http",
        "headers": [
            (b"host", b"testserver"), (b"content-type", b"application/json"), (b"transfer-encoding", b"chunked"),
            (b"cookie", f"sessionid={session_id}; csrftoken={csrf}".encode()), (b"x-csrftoken", csrf.encode()),
            (b"referer", b"http://testserver/"),
        ],
    }  # fmt: skip
    async_to_sync(application)(scope, receive, send)
    assert sent[0]["status"] == 201, sent
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert body["data"] == {"via": "asgi"}


def test_api_key_request_makes_two_redis_round_trips(client: Client, make_key, operator_user, monkeypatch) -> None:
    """Key + owner + last-used marker in one script, the throttle in another."""
    from storyportal import kv

    raw = make_key(operator_user, "read:services")
    client.get("/api/v1/", **key_header(raw))
    redis = kv.client()
    calls: list[str] = []
    original = redis.execute_command

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(str(args[0]))
        return original(*args, **kwargs)

    monkeypatch.setattr(redis, "execute_command", counting)
    assert client.get("/api/v1/", **key_header(raw)).status_code == 200
    assert calls == ["EVALSHA", "EVALSHA"]
