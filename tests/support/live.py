"""A real daphne (HTTP + WebSocket) serving the test database, for browser tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from storyportal.embedded.process import free_port
from tests.support.worker import ROOT, test_database_url


@contextmanager
def live_asgi_server() -> Iterator[str]:
    port = free_port()
    env = os.environ | {"DATABASE_URL": test_database_url(), "DJANGO_SETTINGS_MODULE": "storyportal.settings.test"}
    argv = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "storyportal.asgi:application"]
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/health/live", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("daphne did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            # daphne waits for open WebSockets (a browser still on the page) to close
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        _wait_for_backends_to_exit()


def _wait_for_backends_to_exit(timeout: float = 5.0) -> None:
    """PostgreSQL ends a backend shortly after its client exits; let that happen so the
    test database can be dropped at the end of the session."""
    from django.db import connection

    sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    deadline = time.monotonic() + timeout
    try:
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute(sql)
                if cursor.fetchone()[0] == 0:
                    return
                time.sleep(0.1)
    finally:
        # Under Playwright this runs in its own context with its own connection: close it too.
        connection.close()
