"""``/ws/feed/``: authenticated clients subscribe to feed channels and receive messages."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.accounts.scopes import ADMIN, READ
from storyportal.realtime.channels import FEED_CHANNELS, group_name
from storyportal.realtime.publish import message

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
# Account events (users, keys, sessions) are for admins, as in GET events/; so are live logs,
# which show every caller's requests.
CHANNEL_SCOPES = {"notifications:user": ADMIN, "logs": ADMIN}
# An open socket notices a revoked key or a deactivated user within this many seconds.
RECHECK_SECONDS = 15.0


LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}
MAX_FILTER_TEXT = 200


@dataclass(frozen=True)
class LogFilter:
    """What one connection wants of the ``logs`` channel: records at ``level`` or above whose
    event, logger, exception or fields contain ``text`` (case-insensitive)."""

    level: str = "debug"
    text: str = ""

    @classmethod
    def parse(cls, raw: Any) -> LogFilter:
        """From the subscribe message's ``filters.logs`` (absent: everything)."""
        if raw is None:
            return cls()
        if not isinstance(raw, dict) or set(raw) - {"level", "text"}:
            raise ValueError('use {"level": "warning", "text": "..."}')
        level = str(raw.get("level") or "debug").lower()
        text = raw.get("text") or ""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}")
        if not isinstance(text, str) or len(text) > MAX_FILTER_TEXT:
            raise ValueError(f"text must be a string of at most {MAX_FILTER_TEXT} characters")
        return cls(level=level, text=text.lower())

    def passes(self, record: dict[str, Any]) -> bool:
        if LEVELS.get(str(record.get("level")), 0) < LEVELS[self.level]:
            return False
        if not self.text:
            return True
        haystack = " ".join(
            (str(record.get("event", "")), str(record.get("logger", "")), str(record.get("exception", "")),
             json.dumps(record.get("fields", {}), default=str))
        )  # fmt: skip
        return self.text in haystack.lower()

    def document(self) -> dict[str, str]:
        return {"level": self.level, "text": self.text}


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
        self.log_filter = LogFilter()

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
            return
        try:
            log_filter = _log_filter(content) if "logs" in requested else None
        except ValueError as exc:
            await self._error(f"Invalid logs filter: {exc}", known_levels=list(LEVELS))
            return
        if log_filter is not None:
            self.log_filter = log_filter
        await self._subscribe(requested)

    async def _subscribe(self, channels: list[str]) -> None:
        for channel in channels:
            await self.channel_layer.group_add(self._group(channel), self.channel_name)
            self.subscribed.add(channel)
        subscribed: dict[str, Any] = {"channels": sorted(self.subscribed)}
        if "logs" in channels:
            subscribed["filters"] = {"logs": self.log_filter.document()}
        await self.send_json(message("feed", "subscribed", subscribed))
        if "system:health" in channels:
            await self.send_json(message("system:health", "HealthSnapshot", await _health_snapshot()))

    async def _unsubscribe(self, channels: list[str]) -> None:
        for channel in channels:
            await self.channel_layer.group_discard(self._group(channel), self.channel_name)
            self.subscribed.discard(channel)
        await self.send_json(message("feed", "unsubscribed", {"channels": sorted(self.subscribed)}))

    async def feed_message(self, event: dict[str, Any]) -> None:
        if time.monotonic() - self.checked_at > RECHECK_SECONDS:
            scopes = await _current_scopes(self.scope)
            if scopes is None:
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return
            if READ not in scopes:
                await self.close(code=CLOSE_FORBIDDEN)
                return
            self.checked_at = time.monotonic()
            await self._narrow(scopes)
        body = event["message"]
        if body.get("channel") not in self.subscribed:
            return  # a channel the credential lost (the group message was already on its way)
        if body.get("channel") == "logs" and not self.log_filter.passes(body.get("payload") or {}):
            return
        await self.send_json(body)

    async def _narrow(self, scopes: frozenset[str]) -> None:
        """A user demoted since connecting (or a key whose owner was) loses the channels
        their new scopes do not reach: an ex-admin stops receiving logs and account events."""
        self.scopes = scopes
        lost = sorted(c for c in self.subscribed if CHANNEL_SCOPES.get(c, READ) not in scopes)
        for channel in lost:
            await self.channel_layer.group_discard(self._group(channel), self.channel_name)
            self.subscribed.discard(channel)
        if lost:
            await self._error(f"Your credential may no longer receive {', '.join(lost)}.", refused=lost)

    def _group(self, channel: str) -> str:
        return group_name(channel, self.scope["user"].pk)

    async def _error(self, text: str, **details: Any) -> None:
        await self.send_json(message("feed", "error", {"message": text, **details}))


def _log_filter(content: dict[str, Any]) -> LogFilter:
    """The subscribe message's ``filters.logs`` (ValueError if malformed)."""
    filters = content.get("filters") or {}
    if not isinstance(filters, dict):
        raise ValueError('filters must be an object such as {"logs": {"level": "warning"}}')
    return LogFilter.parse(filters.get("logs"))


@database_sync_to_async
def _current_scopes(scope: dict[str, Any]) -> frozenset[str] | None:
    """The connection's scopes now (its user's role, cut to its key's scopes), or None once
    the key is revoked or expired or the user deactivated (cached lookups, no database query
    in the common case)."""
    from apps.accounts import selectors

    credential = scope.get("credential") or {"user_id": getattr(scope.get("user"), "pk", None)}
    key_scopes: frozenset[str] | None = None
    if credential.get("key_hash"):
        record = selectors.api_key_record(credential["key_hash"])
        if record is None or record.revoked or record.expired:
            return None
        key_scopes = record.scopes
    user_id = credential.get("user_id")
    user = selectors.user_cached(user_id) if user_id is not None else None
    if user is None or not user.is_active:
        return None
    scopes = frozenset(user.scopes)
    return scopes & key_scopes if key_scopes is not None else scopes


@database_sync_to_async
def _health_snapshot() -> dict[str, Any]:
    from apps.monitoring.health.report import readiness

    return readiness()
