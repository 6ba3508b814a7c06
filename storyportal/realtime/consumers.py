"""``/ws/feed/``: authenticated clients subscribe to feed channels and receive messages."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.accounts.scopes import READ
from storyportal.realtime.channels import FEED_CHANNELS, group_name
from storyportal.realtime.publish import message

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class FeedConsumer(AsyncJsonWebsocketConsumer):
    """Accept, then close with 4401 if the scope carries no authenticated user, or 4403 if
    the credential lacks ``read:services``."""

    async def connect(self) -> None:
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        scopes = self.scope.get("scopes")
        if READ not in (scopes if scopes is not None else user.scopes):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.subscribed: set[str] = set()

    async def disconnect(self, code: int) -> None:
        for channel in getattr(self, "subscribed", set()):
            await self.channel_layer.group_discard(group_name(channel), self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or content.get("action") not in {"subscribe", "unsubscribe"}:
            await self._error('Send {"action": "subscribe", "channels": [...]}.')
            return
        requested = content.get("channels")
        if not isinstance(requested, list) or not requested:
            await self._error("channels must be a non-empty list.")
            return
        unknown = [c for c in requested if c not in FEED_CHANNELS]
        if unknown:
            await self._error(f"Unknown channels: {', '.join(map(str, unknown))}.", known=list(FEED_CHANNELS))
            return
        if content["action"] == "unsubscribe":
            await self._unsubscribe(requested)
        else:
            await self._subscribe(requested)

    async def _subscribe(self, channels: list[str]) -> None:
        for channel in channels:
            await self.channel_layer.group_add(group_name(channel), self.channel_name)
            self.subscribed.add(channel)
        await self.send_json(message("feed", "subscribed", {"channels": sorted(self.subscribed)}))
        if "system:health" in channels:
            await self.send_json(message("system:health", "HealthSnapshot", await _health_snapshot()))

    async def _unsubscribe(self, channels: list[str]) -> None:
        for channel in channels:
            await self.channel_layer.group_discard(group_name(channel), self.channel_name)
            self.subscribed.discard(channel)
        await self.send_json(message("feed", "unsubscribed", {"channels": sorted(self.subscribed)}))

    async def feed_message(self, event: dict[str, Any]) -> None:
        await self.send_json(event["message"])

    async def _error(self, text: str, **details: Any) -> None:
        await self.send_json(message("feed", "error", {"message": text, **details}))


@database_sync_to_async
def _health_snapshot() -> dict[str, Any]:
    from apps.monitoring.health.report import readiness

    return readiness()
