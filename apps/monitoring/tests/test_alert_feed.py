"""Alert changes reach ``alerts`` subscribers once committed, and concurrent evaluations
open one alert per rule."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import Client

from apps.monitoring.alerts import alert_acknowledge, alerts_evaluate
from apps.monitoring.health.runner import runner
from apps.monitoring.models import Alert, AlertRule
from apps.monitoring.rules import alert_rule_create
from storyportal.asgi import application
from storyportal.realtime.publish import drain

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://testserver")


def _cookie_for(user: Any) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


@pytest.fixture(autouse=True)
def _no_seeded_rules(transactional_db) -> None:
    AlertRule.objects.all().delete()


def _evaluate_and_drain() -> dict[str, int]:
    outcome = alerts_evaluate()
    drain()
    return outcome


def test_alert_lifecycle_is_pushed_on_the_alerts_channel(viewer_user, operator_user, settings, ollama_server) -> None:
    alert_rule_create(name="ollama-down", kind="backend_down", target="ollama", severity="warning")
    settings.OLLAMA_URL = "http://127.0.0.1:9"
    cookie = _cookie_for(viewer_user)

    def recover() -> None:
        settings.OLLAMA_URL = ollama_server.url
        runner.reset()

    async def scenario() -> list[dict[str, Any]]:
        communicator = WebsocketCommunicator(application, "/ws/feed/", headers=[ORIGIN, cookie])
        assert (await communicator.connect(timeout=5))[0]
        await communicator.send_json_to({"action": "subscribe", "channels": ["alerts"]})
        await communicator.receive_json_from(timeout=5)  # subscribed
        await sync_to_async(_evaluate_and_drain)()
        fired = await communicator.receive_json_from(timeout=5)
        alert = await sync_to_async(Alert.objects.select_related("rule").get)()
        await sync_to_async(alert_acknowledge)(alert=alert, user=operator_user)
        await sync_to_async(drain)()
        acknowledged = await communicator.receive_json_from(timeout=5)
        await sync_to_async(recover)()
        await sync_to_async(_evaluate_and_drain)()
        resolved = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return [fired, acknowledged, resolved]

    fired, acknowledged, resolved = async_to_sync(scenario)()
    assert [m["type"] for m in (fired, acknowledged, resolved)] == ["AlertFiring", "AlertAcknowledged", "AlertResolved"]
    assert {m["channel"] for m in (fired, acknowledged, resolved)} == {"alerts"}
    assert fired["payload"]["rule"] == "ollama-down"
    assert fired["payload"]["status"] == "firing"
    assert acknowledged["payload"]["acknowledged_by"] == operator_user.username
    assert resolved["payload"]["status"] == "resolved"
    assert resolved["payload"]["id"] == fired["payload"]["id"]


def test_concurrent_evaluations_open_one_alert_per_rule(settings, db) -> None:
    settings.OLLAMA_URL = "http://127.0.0.1:9"
    alert_rule_create(name="ollama-down", kind="backend_down", target="ollama")
    alert_rule_create(name="ollama-down-2", kind="backend_down", target="ollama")
    start = threading.Barrier(4)
    outcomes: list[dict[str, int]] = []

    def evaluate() -> None:
        try:
            start.wait()
            outcomes.append(alerts_evaluate())
        finally:
            connection.close()

    threads = [threading.Thread(target=evaluate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    drain()
    assert len(outcomes) == 4
    assert sum(outcome["fired"] for outcome in outcomes) == 2
    assert sorted(Alert.objects.values_list("rule__name", flat=True)) == ["ollama-down", "ollama-down-2"]
