"""WebhookService through ``POST services/invoke/`` (admin:platform only)."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from apps.integrations.models import WebhookDelivery
from apps.integrations.services import delivery_attempt, webhooks_notify
from apps.services.models import Service
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db


def _invoke(client: Client, method_name: str, params: dict | None = None):
    body = {"service_name": "WebhookService", "method": method_name, "params": params or {}}
    return send(client, "post", "/api/v1/services/invoke/", body)


def test_webhook_service_is_in_the_catalog_at_l11() -> None:
    assert Service.objects.get(name="WebhookService").layer == "L11"


def test_non_admins_are_refused(viewer_client: Client, operator_user) -> None:
    operator = Client()
    operator.force_login(operator_user)
    for caller in (viewer_client, operator):
        assert_envelope(_invoke(caller, "endpoints"), 403, "permission_denied")
        assert_envelope(_invoke(caller, "redeliver", {"delivery_id": str(uuid.uuid4())}), 403)


def test_admin_lists_endpoints_and_deliveries_and_redelivers(staff_client: Client, make_endpoint, receiver) -> None:
    endpoint = make_endpoint()
    [delivery] = webhooks_notify(event_type="WorkflowCompleted", payload={})
    delivery_attempt(delivery.id)

    endpoints = _invoke(staff_client, "endpoints").json()["result"]
    assert endpoints["count"] == 1
    assert endpoints["endpoints"][0]["id"] == str(endpoint.id)
    assert "secret" not in endpoints["endpoints"][0]
    deliveries = _invoke(staff_client, "deliveries", {"status": "succeeded"}).json()["result"]["deliveries"]
    assert [(d["id"], d["attempts"]) for d in deliveries] == [(str(delivery.id), 1)]
    assert _invoke(staff_client, "deliveries", {"status": "failed"}).json()["result"]["deliveries"] == []

    response = _invoke(staff_client, "redeliver", {"delivery_id": str(delivery.id)})
    assert response.status_code == 200, response.content
    assert response.json()["result"]["status"] == "pending"
    assert WebhookDelivery.objects.count() == 2
    pending = response.json()["result"]["id"]
    assert_envelope(_invoke(staff_client, "redeliver", {"delivery_id": pending}), 409)
    assert_envelope(_invoke(staff_client, "redeliver", {"delivery_id": str(uuid.uuid4())}), 404)
    assert_envelope(_invoke(staff_client, "redeliver", {"delivery_id": "nope"}), 400, "invalid_request")
