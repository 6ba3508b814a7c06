"""The ``logs`` channel: admins only, records filtered per connection by level and text, and
no secret in any record (real Redis channel layer, real logging configuration)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from apps.monitoring.logstream import FeedLogHandler, TokenBucket
from storyportal.asgi import application
from storyportal.logs import get_logger
from storyportal.realtime.publish import drain

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://testserver")


@pytest.fixture(autouse=True)
def _unthrottled_stream() -> None:
    """The stream's rate limit is per process: earlier tests' logging must not use it up."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, FeedLogHandler)]
    assert handlers, "settings.LOGGING has no feed handler"
    for handler in handlers:
        handler.bucket = TokenBucket(rate=1000, burst=1000)


def _cookie_for(user: Any) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def _connect(user: Any) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        application, "/ws/feed/", headers=[ORIGIN, await sync_to_async(_cookie_for)(user)]
    )
    assert (await communicator.connect(timeout=5))[0]
    return communicator


def _log_some() -> None:
    log = get_logger("apps.workflows.test")
    log.info("step started", step="a")
    log.warning("model call timeout", model="llama3", api_key="sk_live_abcdefghijkl")
    logging.getLogger("apps.llm.test").error("upstream timeout for token=abcdef123456")
    log.warning("disk almost full")
    log.error("final marker timeout")
    drain()


def test_filters_by_level_and_text_and_redacts(admin_user) -> None:
    async def scenario() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        communicator = await _connect(admin_user)
        await communicator.send_json_to(
            {"action": "subscribe", "channels": ["logs"], "filters": {"logs": {"level": "warning", "text": "TIMEOUT"}}}
        )
        subscribed = await communicator.receive_json_from(timeout=5)
        await sync_to_async(_log_some)()
        received = []
        while not received or received[-1]["payload"]["event"] != "final marker timeout":
            received.append(await communicator.receive_json_from(timeout=5))
        await communicator.disconnect()
        return subscribed, received

    subscribed, received = async_to_sync(scenario)()
    assert subscribed["payload"]["filters"] == {"logs": {"level": "warning", "text": "timeout"}}
    ours = [m for m in received if m["payload"]["logger"].endswith(".test")]
    assert [m["payload"]["event"] for m in ours] == [
        "model call timeout", "upstream timeout for token=[redacted]", "final marker timeout",
    ]  # fmt: skip
    assert all(m["channel"] == "logs" and m["type"] == "LogRecord" for m in received)
    assert ours[0]["payload"]["level"] == "warning"
    assert ours[0]["payload"]["fields"] == {"model": "llama3", "api_key": "[redacted]"}
    assert "abcdef123456" not in str(received)


def test_logs_are_for_admins_only(viewer_user) -> None:
    async def scenario() -> dict[str, Any]:
        communicator = await _connect(viewer_user)
        await communicator.send_json_to({"action": "subscribe", "channels": ["logs"]})
        answer = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return answer

    answer = async_to_sync(scenario)()
    assert answer["type"] == "error"
    assert answer["payload"]["refused"] == ["logs"]


@pytest.mark.parametrize(
    "filters",
    [{"logs": {"level": "loud"}}, {"logs": {"text": 5}}, {"logs": {"grep": "x"}}, {"logs": "warning"}, ["logs"]],
)
def test_a_bad_filter_is_an_error_message(admin_user, filters: Any) -> None:
    async def scenario() -> dict[str, Any]:
        communicator = await _connect(admin_user)
        await communicator.send_json_to({"action": "subscribe", "channels": ["logs"], "filters": filters})
        answer = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return answer

    answer = async_to_sync(scenario)()
    assert answer["type"] == "error"
    assert answer["payload"]["message"].startswith("Invalid logs filter")


def test_without_filters_every_level_arrives(admin_user) -> None:
    async def scenario() -> list[str]:
        communicator = await _connect(admin_user)
        await communicator.send_json_to({"action": "subscribe", "channels": ["logs"]})
        await communicator.receive_json_from(timeout=5)
        await sync_to_async(_log_some)()
        events: list[str] = []
        while "final marker timeout" not in events:
            message = await communicator.receive_json_from(timeout=5)
            if message["payload"]["logger"].endswith(".test"):
                events.append(message["payload"]["event"])
        await communicator.disconnect()
        return events

    assert async_to_sync(scenario)()[:2] == ["step started", "model call timeout"]
