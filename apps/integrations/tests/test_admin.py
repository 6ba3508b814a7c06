"""Webhooks in the Django admin: endpoints through the services, deliveries read-only."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.events.models import Event
from apps.integrations.models import WebhookDelivery, WebhookEndpoint
from apps.integrations.services import delivery_attempt, webhooks_notify

pytestmark = pytest.mark.django_db

ENDPOINTS = "/admin/integrations/webhookendpoint/"
DELIVERIES = "/admin/integrations/webhookdelivery/"


def test_endpoint_secret_is_not_listed_and_read_only(staff_client: Client, make_endpoint) -> None:
    endpoint = make_endpoint()
    assert endpoint.secret not in staff_client.get(ENDPOINTS).content.decode()
    page = staff_client.get(f"{ENDPOINTS}{endpoint.pk}/change/").content.decode()
    assert endpoint.secret in page
    assert 'name="secret"' not in page


def test_endpoint_is_created_through_the_service(staff_client: Client) -> None:
    form = {"name": "ops", "url": "https://hooks.example.com/x", "events": '["WorkflowFailed"]', "enabled": "on"}
    response = staff_client.post(f"{ENDPOINTS}add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.created_by.username == "ada"
    assert Event.objects.filter(event_type="WebhookEndpointCreated", aggregate_id=endpoint.id).exists()
    bad = staff_client.post(f"{ENDPOINTS}add/", {**form, "name": "x", "events": "[]", "url": "ftp://a.example"})
    assert bad.status_code == 200
    assert WebhookEndpoint.objects.count() == 1


def test_deliveries_are_read_only_filtered_and_redelivered(staff_client: Client, make_endpoint, receiver) -> None:
    make_endpoint()
    [delivery] = webhooks_notify(event_type="WorkflowCompleted", payload={})
    delivery_attempt(delivery.id)
    assert "WorkflowCompleted" in staff_client.get(DELIVERIES).content.decode()
    assert staff_client.get(DELIVERIES, {"status": "failed"}).status_code == 200
    assert staff_client.get(f"{DELIVERIES}add/").status_code == 403
    detail = staff_client.get(f"{DELIVERIES}{delivery.pk}/change/")
    assert detail.status_code == 200
    assert b'name="event_type"' not in detail.content
    assert staff_client.post(f"{DELIVERIES}{delivery.pk}/delete/", {"post": "yes"}).status_code == 403

    action = {"action": "redeliver_selected", "_selected_action": [str(delivery.pk)]}
    assert staff_client.post(DELIVERIES, action).status_code == 302
    assert WebhookDelivery.objects.filter(status="pending").count() == 1
