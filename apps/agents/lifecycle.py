"""The agent lifecycle (contract: agents/{id}/activate|pause|retire/).

registered/paused -> active, active -> paused, anything but retired -> retired; the runtime
may put a live agent into ``error``. Every other move is a 409.
"""

from __future__ import annotations

from apps.agents.models import AgentStatus

S = AgentStatus

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "activate": (frozenset({S.REGISTERED, S.PAUSED}), S.ACTIVE),
    "pause": (frozenset({S.ACTIVE}), S.PAUSED),
    "retire": (frozenset({S.REGISTERED, S.ACTIVE, S.PAUSED, S.ERROR}), S.RETIRED),
    "fail": (frozenset({S.REGISTERED, S.ACTIVE, S.PAUSED}), S.ERROR),
}
# Event type recorded for each action.
EVENT_TYPES = {"activate": "AgentActivated", "pause": "AgentPaused", "retire": "AgentRetired", "fail": "AgentFailed"}
API_ACTIONS = ("activate", "pause", "retire")


def target(action: str, current: str) -> str | None:
    """The status ``action`` leads to from ``current``, or None if it is not allowed."""
    sources, destination = TRANSITIONS[action]
    return destination if current in sources else None


def allowed_actions(current: str) -> list[str]:
    return [action for action in API_ACTIONS if target(action, current) is not None]
