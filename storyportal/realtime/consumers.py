"""``/ws/feed/``: authenticated clients subscribe to feed channels and receive messages."""

from __future__ import annotations

import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.accounts.scopes import ADMIN, READ
from storyportal.realtime.channels import FEED_CHANNELS, group_name
from storyportal.realtime.publish import message

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
# Account events (users, keys, sessions) are for admins, as in GET events/.
CHANNEL_SCOPES = {"notifications:user": ADMIN}
# An open socket notices a revoked key or a deactivated user within this many seconds.
RECHECK_SECONDS = 15.0


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
        self.scopes: frozenset[str] = scopes if scopes is not None else user.scopes
        if READ not in self.scopes:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.subscribed: set[str] = set()
        self.checked_at = time.monotonic()

    async def disconnect(self, code: int) -> None:
        for channel in getattr(self, "subscribed", set()):
            await self.channel_layer.group_discard(self._group(channel), self.channel_name)

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
        refused = [c for c in requested if CHANNEL_SCOPES.get(c, READ) not in self.scopes]
        if refused:
            await self._error(f"Your credential may not subscribe to {', '.join(refused)}.", refused=refused)
            return
        if content["action"] == "unsubscribe":
            await self._unsubscribe(requested)
        else:
            await self._subscribe(requested)

    async def _subscribe(self, channels: list[str]) -> None:
        for channel in channels:
            await self.channel_layer.group_add(self._group(channel), self.channel_name)
            self.subscribed.add(channel)
        await self.send_json(message("feed", "subscribed", {"channels": sorted(self.subscribed)}))
        if "system:health" in channels:
            await self.send_json(message("system:health", "HealthSnapshot", await _health_snapshot()))

    async def _unsubscribe(self, channels: list[str]) -> None:
        for channel in channels:
            await self.channel_layer.group_discard(self._group(channel), self.channel_name)
            self.subscribed.discard(channel)
        await self.send_json(message("feed", "unsubscribed", {"channels": sorted(self.subscribed)}))

    async def feed_message(self, event: dict[str, Any]) -> None:
        if time.monotonic() - self.checked_at > RECHECK_SECONDS:
            if not await _still_valid(self.scope):
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return
            self.checked_at = time.monotonic()
        await self.send_json(event["message"])

    def _group(self, channel: str) -> str:
        return group_name(channel, self.scope["user"].pk)

    async def _error(self, text: str, **details: Any) -> None:
        await self.send_json(message("feed", "error", {"message": text, **details}))


@database_sync_to_async
def _still_valid(scope: dict[str, Any]) -> bool:
    """Whether the connection's key is still usable and its user still active (cached
    lookups, no database query in the common case)."""
    from apps.accounts import selectors

    credential = scope.get("credential") or {"user_id": getattr(scope.get("user"), "pk", None)}
    if credential.get("key_hash"):
        record = selectors.api_key_record(credential["key_hash"])
        if record is None or record.revoked or record.expired:
            return False
    user_id = credential.get("user_id")
    user = selectors.user_cached(user_id) if user_id is not None else None
    return user is not None and user.is_active


@database_sync_to_async
def _health_snapshot() -> dict[str, Any]:
    from apps.monitoring.health.report import readiness

    return readiness()
