"""Inputs that once reached a 500: each gets a clear 4xx (or 503) in the envelope instead."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.accounts.models import ApiSession
from tests.support.api import assert_envelope, key_header, send

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("ordering", ["--username", "-", "user name", "username;drop", "+username", "-username,,"])
def test_malformed_ordering_is_400(staff_client: Client, ordering: str) -> None:
    response = staff_client.get("/api/v1/users/", {"ordering": ordering})
    if ordering == "-username,,":  # empty terms are skipped, the rest is valid
        assert response.status_code == 200
    else:
        assert_envelope(response, 400, "invalid_request")


@pytest.mark.parametrize("data", [{"a": "x\u0000y"}, {"k\u0000": 1}, {"list": ["ok", "\u0000"]}])
def test_nul_characters_are_400(viewer_client: Client, data: dict) -> None:
    assert_envelope(send(viewer_client, "post", "/api/v1/sessions/", {"data": data}), 400)
    assert not ApiSession.objects.exists()


def test_deeply_nested_json_is_400(viewer_client: Client) -> None:
    body = '{"data": ' + "[" * 5000 + "]" * 5000 + "}"
    response = viewer_client.post("/api/v1/sessions/", body, content_type="application/json")
    assert_envelope(response, 400)
    assert "nested" in response.json()["message"]


def test_moderately_nested_json_is_fine(viewer_client: Client) -> None:
    data: dict = {}
    node = data
    for _ in range(30):
        node["child"] = {}
        node = node["child"]
    assert send(viewer_client, "post", "/api/v1/sessions/", {"data": data}).status_code == 201


def test_session_data_over_64_kib_is_400(viewer_client: Client) -> None:
    body = assert_envelope(send(viewer_client, "post", "/api/v1/sessions/", {"data": {"x": "a" * 70_000}}), 400)
    assert "data" in body["details"]


def test_live_sessions_per_user_are_capped(viewer_client: Client, viewer_user, monkeypatch) -> None:
    from apps.accounts.services import sessions

    monkeypatch.setattr(sessions, "MAX_LIVE_SESSIONS", 2)
    for _ in range(2):
        assert send(viewer_client, "post", "/api/v1/sessions/", {"data": {}}).status_code == 201
    assert_envelope(send(viewer_client, "post", "/api/v1/sessions/", {"data": {}}), 409, "too_many_sessions")


def test_session_deleted_under_a_reader_is_404(viewer_client: Client, viewer_user) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from apps.accounts.services import SessionExpired, session_touch

    session = ApiSession.objects.create(user=viewer_user, data={}, expires_at=timezone.now() + timedelta(hours=1))
    ApiSession.objects.filter(pk=session.pk).delete()
    with pytest.raises(SessionExpired):
        session_touch(session=session)


def test_usernames_are_unique_whatever_their_case(staff_client: Client) -> None:
    from django.db import IntegrityError

    from apps.accounts.models import User

    send(staff_client, "post", "/api/v1/users/", {"username": "bob", "password": "a long passphrase 9"})
    body = assert_envelope(
        send(staff_client, "post", "/api/v1/users/", {"username": "Bob", "password": "a long passphrase 9"}), 400
    )
    assert "username" in body["details"]
    with pytest.raises(IntegrityError):
        User.objects.create(username="BOB")


def test_integrity_error_in_a_view_is_409(staff_client: Client, monkeypatch) -> None:
    from django.db import IntegrityError

    from apps.accounts.api import views

    def racing_create(**kwargs: object) -> None:
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(views.services, "user_create", racing_create)
    response = send(staff_client, "post", "/api/v1/users/", {"username": "new", "password": "a long passphrase 9"})
    body = assert_envelope(response, 409, "conflict")
    assert "duplicate" not in json.dumps(body)  # no internals


def test_redis_down_is_503_not_500(viewer_client: Client, monkeypatch) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    from storyportal.api import throttling

    def down(*args: object, **kwargs: object) -> None:
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(throttling, "count", down)
    response = viewer_client.get("/api/v1/events/")
    assert_envelope(response, 503, "service_unavailable")
    assert response["Retry-After"] == "5"


def test_metrics_post_is_a_405_envelope() -> None:
    response = Client(enforce_csrf_checks=True).post("/metrics")
    assert_envelope(response, 405, "method_not_allowed")


def test_odd_methods_do_not_become_metric_labels(client: Client) -> None:
    client.generic("FOOBAR", "/api/v1/events/")
    text = client.get("/metrics").content.decode()
    assert "FOOBAR" not in text
    assert 'method="other"' in text


def test_request_id_with_a_newline_is_replaced(client: Client) -> None:
    response = client.get("/health/live", HTTP_X_REQUEST_ID="abc\n")
    assert response["X-Request-ID"] != "abc\n"
    assert len(response["X-Request-ID"]) == 36


def test_garbage_key_header_values(client: Client) -> None:
    for value in ["sp_live_" + "é" * 32, "sp_live_" + "a" * 32 + "\t", "null"]:
        assert_envelope(client.get("/api/v1/events/", **key_header(value)), 401)
