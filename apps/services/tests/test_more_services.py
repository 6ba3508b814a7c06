"""UserDirectory, TokenInspector, FeedPublisher and InvocationLog do real work."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from storyportal import kv
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db


def _invoke(client: Client, service_name: str, method_name: str, params: dict | None = None):
    body = {"service_name": service_name, "method": method_name, "params": params or {}}
    return send(client, "post", "/api/v1/services/invoke/", body)


def test_user_directory_is_for_admins(staff_client: Client, viewer_client: Client, operator_user) -> None:
    body = _invoke(staff_client, "UserDirectory", "find", {"role": "operator"}).json()["result"]
    assert [u["username"] for u in body["users"]] == ["otto"]
    refused = assert_envelope(_invoke(viewer_client, "UserDirectory", "find"), 403, "permission_denied")
    assert "admin:platform" in refused["message"]


def test_token_inspector_reads_tokens(viewer_client: Client, viewer_user) -> None:
    access = str(AccessToken.for_user(viewer_user))
    body = _invoke(viewer_client, "TokenInspector", "inspect", {"token": access}).json()["result"]
    assert (body["valid"], body["kind"], str(body["user_id"])) == (True, "access", str(viewer_user.pk))
    refresh = str(RefreshToken.for_user(viewer_user))
    assert _invoke(viewer_client, "TokenInspector", "inspect", {"token": refresh}).json()["result"]["kind"] == "refresh"
    bad = _invoke(viewer_client, "TokenInspector", "inspect", {"token": "nope"}).json()["result"]
    assert bad["valid"] is False
    assert bad["reason"]


def test_token_inspector_hides_other_users_subject(viewer_client: Client, operator_user) -> None:
    other = str(AccessToken.for_user(operator_user))
    assert _invoke(viewer_client, "TokenInspector", "inspect", {"token": other}).json()["result"]["user_id"] is None


def _next_message(pubsub, timeout: float = 5.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pubsub.get_message(timeout=0.2)  # the subscribe confirmation reads as None
        if got is not None:
            return json.loads(got["data"])
    raise AssertionError("no message")


def test_feed_publisher_announces_on_redis(
    client: Client, operator_user, viewer_client: Client, django_capture_on_commit_callbacks
) -> None:
    client.force_login(operator_user)
    pubsub = kv.client().pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe("events:workflow")
    params = {"channel": "events:workflow", "type": "DeployDone", "payload": {"v": 2}}
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = _invoke(client, "FeedPublisher", "announce", params)
        assert response.status_code == 200, response.content
        message = _next_message(pubsub)
    finally:
        pubsub.close()
    assert (message["type"], message["payload"], message["publisher"]) == ("DeployDone", {"v": 2}, "user:otto")
    assert_envelope(
        _invoke(viewer_client, "FeedPublisher", "announce", {"channel": "events:workflow", "type": "X"}), 403
    )
    refused = _invoke(client, "FeedPublisher", "announce", {"channel": "notifications:user", "type": "X"})
    assert_envelope(refused, 400)


def test_invocation_log_shows_your_calls(viewer_client: Client, staff_client: Client) -> None:
    _invoke(viewer_client, "RouteTable", "routes")
    _invoke(staff_client, "RouteTable", "routes")
    mine = _invoke(viewer_client, "InvocationLog", "recent", {"service_name": "RouteTable"}).json()["result"]
    assert [c["caller"] for c in mine["invocations"]] == ["user:vera"]
    everyone = _invoke(staff_client, "InvocationLog", "recent", {"service_name": "RouteTable"}).json()["result"]
    assert len(everyone["invocations"]) == 2
