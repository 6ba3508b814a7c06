"""Feed channel names (contract, WebSocket) and their Channels group names."""

from __future__ import annotations

FEED_CHANNELS = (
    "events:agent",
    "events:service",
    "events:workflow",
    "events:goal",
    "notifications:user",
    "system:health",
    "alerts",
    "logs",
)


def group_name(channel: str) -> str:
    """Channels groups allow only [A-Za-z0-9._-]; ``events:agent`` becomes ``feed.events.agent``."""
    return "feed." + channel.replace(":", ".")
