"""/ws/feed/ over the real Redis channel layer (contract, WebSocket)."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from storyportal.asgi import application
from storyportal.realtime.publish import publish

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://testserver")


def _cookie_for(user: Any) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def _connect(*headers: tuple[bytes, bytes]) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/feed/", headers=[ORIGIN, *headers])
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


def test_anonymous_connection_is_closed_with_4401() -> None:
    async def scenario() -> dict[str, Any]:
        communicator = await _connect()
        output = await communicator.receive_output(timeout=5)
        await communicator.wait()
        return output

    output = async_to_sync(scenario)()
    assert output == {"type": "websocket.close", "code": 4401}


def test_subscriber_gets_health_snapshot_then_published_changes(viewer_user) -> None:
    cookie = _cookie_for(viewer_user)

    async def scenario() -> list[dict[str, Any]]:
        communicator = await _connect(cookie)
        await communicator.send_json_to({"action": "subscribe", "channels": ["system:health"]})
        received = [await communicator.receive_json_from(timeout=5), await communicator.receive_json_from(timeout=5)]
        await sync_to_async(publish)("system:health", "HealthChanged", {"status": "degraded"})
        received.append(await communicator.receive_json_from(timeout=5))
        await communicator.disconnect()
        return received

    subscribed, snapshot, change = async_to_sync(scenario)()
    assert subscribed["type"] == "subscribed"
    assert subscribed["payload"] == {"channels": ["system:health"]}
    assert snapshot["channel"] == "system:health"
    assert snapshot["type"] == "HealthSnapshot"
    assert {d["name"] for d in snapshot["payload"]["dependencies"]} >= {"postgres", "redis"}
    assert change["channel"] == "system:health"
    assert change["type"] == "HealthChanged"
    assert change["payload"] == {"status": "degraded"}
    assert "timestamp" in change


def test_messages_only_reach_subscribers_of_that_channel(viewer_user) -> None:
    cookie = _cookie_for(viewer_user)

    async def scenario() -> dict[str, Any]:
        communicator = await _connect(cookie)
        await communicator.send_json_to({"action": "subscribe", "channels": ["events:agent"]})
        await communicator.receive_json_from(timeout=5)
        await sync_to_async(publish)("events:workflow", "WorkflowStarted", {"id": "w"})
        await sync_to_async(publish)("events:agent", "AgentCreated", {"id": "a"})
        message = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return message

    message = async_to_sync(scenario)()
    assert message["type"] == "AgentCreated"


@pytest.mark.parametrize(
    "payload",
    [{"action": "subscribe", "channels": ["nope"]}, {"action": "dance"}, {"action": "subscribe", "channels": []}, [1]],
)
def test_bad_requests_get_an_error_message_not_a_crash(viewer_user, payload: Any) -> None:
    cookie = _cookie_for(viewer_user)

    async def scenario() -> dict[str, Any]:
        communicator = await _connect(cookie)
        await communicator.send_json_to(payload)
        message = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return message

    message = async_to_sync(scenario)()
    assert message["type"] == "error"
    assert message["payload"]["message"]


def test_health_watch_publishes_only_on_change(viewer_user, settings) -> None:
    from apps.monitoring.health.runner import runner
    from apps.monitoring.services import LAST_HEALTH_KEY, health_publish_if_changed
    from storyportal.embedded.process import free_port

    cookie = _cookie_for(viewer_user)
    from django.core.cache import cache

    cache.delete(LAST_HEALTH_KEY)

    async def scenario() -> list[dict[str, Any]]:
        communicator = await _connect(cookie)
        await communicator.send_json_to({"action": "subscribe", "channels": ["system:health"]})
        await communicator.receive_json_from(timeout=5)  # subscribed
        await communicator.receive_json_from(timeout=5)  # snapshot
        await sync_to_async(health_publish_if_changed)()  # first report: a change from nothing
        first = await communicator.receive_json_from(timeout=5)
        await sync_to_async(health_publish_if_changed)()  # same statuses: silence
        assert await communicator.receive_nothing(timeout=0.5)
        settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # the probe's Redis goes away
        await sync_to_async(runner.reset)()
        await sync_to_async(health_publish_if_changed)()
        second = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return [first, second]

    first, second = async_to_sync(scenario)()
    assert first["type"] == second["type"] == "HealthChanged"
    assert second["payload"]["status"] == "unhealthy"
    assert next(d for d in second["payload"]["dependencies"] if d["name"] == "redis")["status"] == "unhealthy"
