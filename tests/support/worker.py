"""A real Celery worker process against the test database and the test Redis databases."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """DATABASE_URL with the test database pytest-django created."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))


@contextmanager
def celery_worker(
    name: str = "test-worker", *, queue: str | None = None, extra_env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A worker process; ``queue`` makes it consume (and, through CELERY_TASK_DEFAULT_QUEUE,
    send follow-up tasks to) a queue of its own, away from the session's shared worker."""
    from storyportal.celery import app

    env = os.environ | {"DATABASE_URL": test_database_url(), "DJANGO_SETTINGS_MODULE": "storyportal.settings.test"}
    env |= {"CELERY_TASK_DEFAULT_QUEUE": queue} if queue else {}
    env |= extra_env or {}
    argv = [sys.executable, "-m", "celery", "-A", "storyportal", "worker", "--pool=solo", "--loglevel=WARNING",
            "--without-gossip", "--without-mingle", "-n", f"{name}@%h"]  # fmt: skip
    argv += ["-Q", queue] if queue else []
    process = subprocess.Popen(argv, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while not app.control.ping(destination=[f"{name}@{socket.gethostname()}"], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the test Celery worker did not start")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
