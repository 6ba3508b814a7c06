"""``/ws/feed/`` authentication by ``?token=`` and ``?api_key=`` (contract, WebSocket)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from rest_framework_simplejwt.tokens import AccessToken

from apps.accounts.services import api_key_revoke
from apps.events.services import event_append
from storyportal.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://testserver")


def _close_code(path: str, client: str = "127.0.0.1") -> int | None:
    """The close code the server sends right after accepting, or None if it stays open."""

    async def scenario() -> int | None:
        communicator = WebsocketCommunicator(application, path, headers=[ORIGIN])
        communicator.scope["client"] = (client, 50000)  # what daphne puts in the scope
        connected, _ = await communicator.connect(timeout=5)
        assert connected
        if await communicator.receive_nothing(timeout=0.3):
            await communicator.disconnect()
            return None
        output = await communicator.receive_output(timeout=5)
        return output.get("code")

    return async_to_sync(scenario)()


def test_jwt_in_the_query_authenticates(viewer_user) -> None:
    assert _close_code(f"/ws/feed/?token={AccessToken.for_user(viewer_user)}") is None


def test_api_key_in_the_query_authenticates(viewer_user, make_key) -> None:
    assert _close_code(f"/ws/feed/?api_key={make_key(viewer_user, 'read:services')}") is None


@pytest.mark.parametrize("query", ["token=garbage", "api_key=sp_live_nope", "api_key=sp_live_" + "A" * 32, "token="])
def test_bad_credentials_are_closed_with_4401(query: str) -> None:
    assert _close_code(f"/ws/feed/?{query}") == 4401


def test_revoked_key_is_closed_with_4401(viewer_user, make_key) -> None:
    from apps.accounts.models import ApiKey

    raw = make_key(viewer_user, "read:services")
    api_key_revoke(api_key=ApiKey.objects.get())
    assert _close_code(f"/ws/feed/?api_key={raw}") == 4401


def test_key_without_read_scope_is_closed_with_4403(operator_user, make_key) -> None:
    assert _close_code(f"/ws/feed/?api_key={make_key(operator_user, 'write:services')}") == 4403


def test_stored_events_reach_key_subscribers(viewer_user, make_key) -> None:
    raw = make_key(viewer_user, "read:services")
    aggregate = uuid.uuid4()

    def record() -> None:
        with transaction.atomic():
            event_append(
                aggregate_type="Agent", aggregate_id=aggregate, event_type="AgentCreated", payload={"name": "a"}
            )

    async def scenario() -> dict[str, Any]:
        communicator = WebsocketCommunicator(application, f"/ws/feed/?api_key={raw}", headers=[ORIGIN])
        await communicator.connect(timeout=5)
        await communicator.send_json_to({"action": "subscribe", "channels": ["events:agent"]})
        await communicator.receive_json_from(timeout=5)
        await sync_to_async(record)()
        message = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return message

    message = async_to_sync(scenario)()
    assert message["channel"] == "events:agent"
    assert message["type"] == "AgentCreated"
    assert message["payload"] == {"name": "a"}
    assert message["aggregate_id"] == str(aggregate)
    assert message["sequence_number"] == 1


def test_account_events_channel_is_for_admins_only(viewer_user, admin_user, make_key) -> None:
    async def subscribe(raw: str) -> dict[str, Any]:
        communicator = WebsocketCommunicator(application, f"/ws/feed/?api_key={raw}", headers=[ORIGIN])
        await communicator.connect(timeout=5)
        await communicator.send_json_to({"action": "subscribe", "channels": ["notifications:user"]})
        reply = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return reply

    refused = async_to_sync(subscribe)(make_key(viewer_user, "read:services"))
    assert refused["type"] == "error"
    assert refused["payload"]["refused"] == ["notifications:user"]
    allowed = async_to_sync(subscribe)(make_key(admin_user, "read:services", "admin:platform"))
    assert allowed["type"] == "subscribed"


def test_open_socket_closes_once_its_key_is_revoked(viewer_user, make_key, monkeypatch) -> None:
    from apps.accounts.models import ApiKey
    from storyportal.realtime import consumers

    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0.0)
    raw = make_key(viewer_user, "read:services")

    def revoke_and_record() -> None:
        api_key_revoke(api_key=ApiKey.objects.get())
        with transaction.atomic():
            event_append(aggregate_type="Agent", aggregate_id=uuid.uuid4(), event_type="AgentCreated", payload={})

    async def scenario() -> dict[str, Any]:
        communicator = WebsocketCommunicator(application, f"/ws/feed/?api_key={raw}", headers=[ORIGIN])
        await communicator.connect(timeout=5)
        await communicator.send_json_to({"action": "subscribe", "channels": ["events:agent"]})
        await communicator.receive_json_from(timeout=5)
        await sync_to_async(revoke_and_record)()
        return await communicator.receive_output(timeout=5)

    assert async_to_sync(scenario)() == {"type": "websocket.close", "code": 4401}


def test_guessing_keys_over_the_feed_is_counted(settings) -> None:
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**rates, "anon": "2/minute"}}
    from storyportal.api.throttling import failures_usage

    for i in range(3):
        assert _close_code(f"/ws/feed/?api_key=sp_live_{i:032d}", client="192.0.2.44") == 4401
    usage = failures_usage("192.0.2.44", record=False)
    assert usage is not None
    assert usage.count == 2  # the third guess was refused before any lookup, uncounted


def test_a_demoted_admin_loses_the_admin_channels(admin_user, monkeypatch) -> None:
    from apps.accounts.models import Role, User
    from apps.accounts.services import user_update
    from storyportal.realtime import consumers

    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0.0)
    token = str(AccessToken.for_user(admin_user))

    def demote_and_record() -> None:
        other = User.objects.create_user(username="boss", password="x" * 12, role=Role.ADMIN)
        user_update(user=admin_user, acting_user=other, role=Role.VIEWER)
        with transaction.atomic():
            event_append(aggregate_type="Agent", aggregate_id=uuid.uuid4(), event_type="AgentCreated", payload={})

    async def scenario() -> list[dict[str, Any]]:
        communicator = WebsocketCommunicator(application, f"/ws/feed/?token={token}", headers=[ORIGIN])
        await communicator.connect(timeout=5)
        await communicator.send_json_to({"action": "subscribe", "channels": ["events:agent", "notifications:user"]})
        await communicator.receive_json_from(timeout=5)
        await sync_to_async(demote_and_record)()
        replies = [await communicator.receive_json_from(timeout=5) for _ in range(2)]
        await communicator.disconnect()
        return replies

    lost, event = async_to_sync(scenario)()
    assert (lost["type"], lost["payload"]["refused"]) == ("error", ["notifications:user"])
    assert event["type"] == "AgentCreated"
