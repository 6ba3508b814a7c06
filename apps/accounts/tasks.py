"""Periodic account jobs (run by beat)."""

from __future__ import annotations

from django.core.management import call_command

from apps.accounts.services import sessions_purge_expired
from storyportal.celery import app


@app.task(name="accounts.flush_expired_tokens")
def flush_expired_tokens() -> None:
    """Daily: forget refresh tokens (and their blacklist entries) that have expired anyway."""
    call_command("flushexpiredtokens")


@app.task(name="accounts.sessions_purge_expired")
def sessions_purge() -> int:
    """Hourly: drop session rows that expired over a day ago; returns how many."""
    return sessions_purge_expired()
