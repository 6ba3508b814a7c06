"""``manage.py selftest``: real round trips through every part the platform stands on."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from apps.monitoring.health.startup import unmet


def _database() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE selftest (v text) ON COMMIT DROP")
        cursor.execute("INSERT INTO selftest VALUES (%s)", ["ok"])
        cursor.execute("SELECT v FROM selftest")
        assert cursor.fetchone() == ("ok",), "read back a different row"
        cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'vector'")
        assert cursor.fetchone(), "the vector extension is not installed"


def _cache() -> None:
    key, value = f"selftest:{uuid.uuid4()}", uuid.uuid4().hex
    cache.set(key, value, 10)
    assert cache.get(key) == value, "cache returned a different value"
    cache.delete(key)


def _channel_layer() -> None:
    layer = get_channel_layer()
    assert layer is not None, "no channel layer configured"
    name = async_to_sync(layer.new_channel)()
    async_to_sync(layer.send)(name, {"type": "selftest", "n": 1})
    assert async_to_sync(layer.receive)(name)["n"] == 1, "channel layer lost the message"


def _startup() -> None:
    missing = unmet()
    assert not missing, f"not done: {', '.join(missing)}"


def _worker() -> None:
    from apps.monitoring.tasks import health_watch

    result = health_watch.delay().get(timeout=15)
    assert result["status"] in {"healthy", "degraded"}, f"worker reports {result['status']}"


CHECKS: dict[str, Callable[[], None]] = {
    "database round trip (+ pgvector)": _database,
    "cache round trip": _cache,
    "channel layer round trip": _channel_layer,
    "startup complete": _startup,
}


class Command(BaseCommand):
    help = "Run self-tests against the real database, Redis, channel layer and (with --worker) Celery."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--worker", action="store_true", help="also run a task on a Celery worker")

    def handle(self, *args: Any, **options: Any) -> None:
        checks = dict(CHECKS)
        if options["worker"]:
            checks["celery worker round trip"] = _worker
        failed = 0
        for name, check in checks.items():
            try:
                check()
            except Exception as exc:  # noqa: BLE001 - report every failure, then exit 1
                failed += 1
                self.stdout.write(f"{self.style.ERROR('FAIL')} {name}: {exc}")
            else:
                self.stdout.write(f"{self.style.SUCCESS('PASS')} {name}")
        if failed:
            raise CommandError(f"{failed} self-test(s) failed", returncode=1)
