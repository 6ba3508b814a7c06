"""Feed channel names (contract, WebSocket) and their Channels group names."""

from __future__ import annotations

FEED_CHANNELS = (
    "events:agent",
    "events:service",
    "events:workflow",
    "events:goal",
    "notifications:user",
    "system:health",
    "system:traffic",
    "alerts",
    "logs",
    "llm:stream",
)
# Channels whose messages are each person's own: every user subscribes to a group of their own.
PRIVATE_CHANNELS = ("llm:stream",)


def group_name(channel: str, user_id: object = None) -> str:
    """Channels groups allow only [A-Za-z0-9._-]; ``events:agent`` becomes ``feed.events.agent``
    and a private channel ``llm:stream`` of user 7 ``feed.llm.stream.user.7``."""
    base = "feed." + channel.replace(":", ".")
    return f"{base}.user.{user_id}" if channel in PRIVATE_CHANNELS else base
