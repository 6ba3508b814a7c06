"""Who the current request acts as (``user:ada``, ``key:sp_live_Ab12Cd``), for event
metadata and logs. Authentication sets it; the request-id middleware clears it."""

from __future__ import annotations

from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("actor", default=None)


def set_current(label: str | None) -> None:
    _current.set(label)


def current() -> str | None:
    return _current.get()
