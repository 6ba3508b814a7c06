"""A real Celery worker process against the test database and the test Redis databases."""

from __future__ import annotations

import os
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
def celery_worker(name: str = "test-worker") -> Iterator[subprocess.Popen[bytes]]:
    from storyportal.celery import app

    env = os.environ | {"DATABASE_URL": test_database_url(), "DJANGO_SETTINGS_MODULE": "storyportal.settings.test"}
    argv = [sys.executable, "-m", "celery", "-A", "storyportal", "worker", "--pool=solo", "--loglevel=WARNING",
            "--without-gossip", "--without-mingle", "-n", f"{name}@%h"]  # fmt: skip
    process = subprocess.Popen(argv, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while not app.control.ping(timeout=0.5):
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
