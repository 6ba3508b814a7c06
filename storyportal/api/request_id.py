"""The current request's id, readable anywhere (logs, error bodies, events)."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("request_id", default=None)
_VALID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def accept_or_generate(candidate: str | None) -> str:
    """The caller's id when it is safe to echo (contract: <= 128 of [A-Za-z0-9._-]), else a UUID."""
    if candidate and _VALID.fullmatch(candidate):
        return candidate
    return str(uuid.uuid4())


def set_current(request_id: str | None) -> None:
    _current.set(request_id)


def current() -> str | None:
    return _current.get()
