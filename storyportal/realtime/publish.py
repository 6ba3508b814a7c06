"""Publish a message on a feed channel: Redis pub/sub for other consumers, and the
Channels group for WebSocket subscribers."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django_redis import get_redis_connection

from storyportal.realtime.channels import group_name

logger = logging.getLogger(__name__)


def message(
    channel: str, event_type: str, payload: dict[str, Any], extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The feed's message shape (contract, WebSocket); ``extra`` adds top-level fields."""
    body = {"channel": channel, "type": event_type, "payload": payload, "timestamp": timezone.now().isoformat()}
    return {**body, **(extra or {})}


_local = threading.local()


def _group_send(layer: Any, group: str, event: dict[str, Any]) -> None:
    """Send to a Channels group. The announcer thread keeps one event loop of its own (no
    ``async_to_sync`` per message, and it still works while the interpreter shuts down)."""
    if threading.current_thread().name.startswith(_ANNOUNCER_PREFIX):
        loop = getattr(_local, "loop", None)
        if loop is None:
            loop = _local.loop = asyncio.new_event_loop()
        loop.run_until_complete(layer.group_send(group, event))
    else:
        async_to_sync(layer.group_send)(group, event)


def publish(
    channel: str, event_type: str, payload: dict[str, Any], *, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Best effort: a feed that is down must not fail the change being announced."""
    body = json.loads(json.dumps(message(channel, event_type, payload, extra), cls=DjangoJSONEncoder))
    try:
        get_redis_connection("default").publish(channel, json.dumps(body))
        layer = get_channel_layer()
        if layer is not None:
            _group_send(layer, group_name(channel), {"type": "feed.message", "message": body})
    except Exception:
        logger.warning("could not publish %s on %s", event_type, channel, exc_info=True)
    return body


def publish_private(user_id: object, channel: str, event_type: str, payload: dict[str, Any]) -> None:
    """To one person's subscribers of a private channel (``llm:stream``) only; best effort.
    Not mirrored on Redis pub/sub: those channels are for everyone."""
    body = json.loads(json.dumps(message(channel, event_type, payload), cls=DjangoJSONEncoder))
    try:
        layer = get_channel_layer()
        if layer is not None:
            _group_send(layer, group_name(channel, user_id), {"type": "feed.message", "message": body})
    except Exception:
        logger.warning("could not publish %s on %s", event_type, channel, exc_info=True)


# One background thread per process: announcing an event costs a few milliseconds (Redis
# PUBLISH plus the Channels group send through async_to_sync), which must not be added to the
# request that committed the change. A single thread keeps the announcements in order.
_ANNOUNCER_PREFIX = "feed-publish"
_announcer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=_ANNOUNCER_PREFIX)


def publish_soon(
    channel: str, event_type: str, payload: dict[str, Any], *, extra: dict[str, Any] | None = None
) -> None:
    """:func:`publish` off the caller's thread (best effort, in order)."""
    _announcer.submit(publish, channel, event_type, payload, extra=extra)


def drain(timeout: float = 10.0) -> None:
    """Wait until every announcement queued so far has gone out (tests, shutdown)."""
    _announcer.submit(lambda: None).result(timeout=timeout)
