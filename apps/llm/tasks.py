"""Celery tasks of the model gateway (thin: the work is in :mod:`apps.llm.streaming`)."""

from __future__ import annotations

from typing import Any

from apps.llm.streaming import stream_to_user
from storyportal.celery import app


@app.task(name="llm.stream", acks_late=False)
def stream(**kwargs: Any) -> None:
    """A streamed generation (long ones run here, not in a web worker). Not redelivered if a
    worker dies: the person would see a second answer start."""
    stream_to_user(**kwargs)
