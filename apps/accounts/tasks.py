"""Periodic account jobs (run by beat)."""

from __future__ import annotations

from apps.accounts.services import sessions_purge_expired
from storyportal.celery import app


@app.task(name="accounts.sessions_purge_expired")
def sessions_purge() -> int:
    """Hourly: drop session rows that expired over a day ago; returns how many."""
    return sessions_purge_expired()
