"""webhook-endpoints/ and webhook-deliveries/ (admin only)."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from apps.events.models import Event
from apps.integrations.models import WebhookDelivery, WebhookEndpoint
from apps.integrations.services import delivery_attempt, webhooks_notify
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhook-endpoints/"
DELIVERIES = "/api/v1/webhook-deliveries/"


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def _create(client: Client, **fields):
    body = {"name": "ci", "url": "https://hooks.example.com/in/T0KEN?x=1", "events": ["WorkflowCompleted"], **fields}
    return send(client, "post", ENDPOINTS, body)


def test_anonymous_gets_401_and_non_admins_403(client: Client, viewer_client: Client, operator_client) -> None:
    assert_envelope(client.get(ENDPOINTS), 401)
    assert_envelope(client.get(DELIVERIES), 401)
    for caller in (viewer_client, operator_client):
        assert_envelope(caller.get(ENDPOINTS), 403, "permission_denied")
        assert_envelope(caller.get(DELIVERIES), 403, "permission_denied")
        assert_envelope(_create(caller), 403, "permission_denied")
    assert not WebhookEndpoint.objects.exists()


def test_secret_is_shown_only_in_the_create_response(staff_client: Client) -> None:
    response = _create(staff_client, workflow_id=str(uuid.uuid4()))
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert len(created["secret"]) > 40
    assert created["created_by"] == "ada"
    assert WebhookEndpoint.objects.get().secret == created["secret"]
    detail = staff_client.get(f"{ENDPOINTS}{created['id']}/").json()
    assert "secret" not in detail
    assert detail["events"] == ["WorkflowCompleted"]
    listed = staff_client.get(ENDPOINTS).json()["results"]
    assert [e["name"] for e in listed] == ["ci"]
    assert "secret" not in listed[0]
    event = Event.objects.get(event_type="WebhookEndpointCreated")
    assert created["secret"] not in str(event.payload)
    assert "T0KEN" not in str(event.payload)  # the URL's path may hold the receiver's token
    assert event.payload["url_origin"] == "https://hooks.example.com"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "https://" + "a" * 2000 + ".com"}, "url"),
        ({"events": []}, "events"),
        ({"events": "WorkflowCompleted"}, "events"),
        ({"events": [""]}, "events"),
        ({"events": ["x" * 65]}, "events"),
        ({"events": [1, {}]}, "events"),
        ({"workflow_id": "nope"}, "workflow_id"),
    ],
)
def test_bad_input_is_400_with_details(staff_client: Client, fields, field) -> None:
    body = assert_envelope(_create(staff_client, **fields), 400, "invalid_request")
    assert field in body["details"]


def test_duplicate_name_and_unknown_ids(staff_client: Client) -> None:
    _create(staff_client)
    assert "name" in assert_envelope(_create(staff_client), 400)["details"]
    assert_envelope(staff_client.get(f"{ENDPOINTS}{uuid.uuid4()}/"), 404, "not_found")
    assert_envelope(staff_client.get(f"{ENDPOINTS}0/"), 404, "not_found")
    assert_envelope(staff_client.get(f"{DELIVERIES}{uuid.uuid4()}/"), 404, "not_found")
    assert_envelope(send(staff_client, "post", f"{DELIVERIES}{uuid.uuid4()}/redeliver/"), 404, "not_found")


def test_update_and_delete_record_events(staff_client: Client) -> None:
    endpoint_id = _create(staff_client).json()["id"]
    response = send(staff_client, "patch", f"{ENDPOINTS}{endpoint_id}/", {"enabled": False, "events": ["A", "B"]})
    assert response.status_code == 200, response.content
    assert (response.json()["enabled"], response.json()["events"]) == (False, ["A", "B"])
    assert Event.objects.get(event_type="WebhookEndpointUpdated").payload["changed"] == ["enabled", "events"]
    assert_envelope(send(staff_client, "patch", f"{ENDPOINTS}{endpoint_id}/", {"url": "ftp://x.example"}), 400)
    assert send(staff_client, "delete", f"{ENDPOINTS}{endpoint_id}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert Event.objects.filter(event_type="WebhookEndpointDeleted", aggregate_id=endpoint_id).exists()


def test_test_action_queues_a_webhook_test_delivery(
    staff_client: Client, receiver, django_capture_on_commit_callbacks
) -> None:
    endpoint_id = _create(staff_client, url=receiver.url(), enabled=False).json()["id"]
    with django_capture_on_commit_callbacks() as callbacks:
        response = send(staff_client, "post", f"{ENDPOINTS}{endpoint_id}/test/")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["event_type"], body["status"], body["endpoint"]) == ("WebhookTest", "pending", endpoint_id)
    assert len(callbacks) == 1
    delivery_attempt(body["id"])
    assert receiver.requests[0].headers["X-StoryPortal-Event"] == "WebhookTest"


def test_deliveries_are_listed_filtered_and_redelivered(staff_client: Client, make_endpoint, receiver) -> None:
    first, second = make_endpoint("first"), make_endpoint("second", events=["AlertRaised"])
    [done] = webhooks_notify(event_type="WorkflowCompleted", payload={"n": 1})
    delivery_attempt(done.id)
    [waiting] = webhooks_notify(event_type="AlertRaised", payload={"n": 2})

    listed = staff_client.get(DELIVERIES, {"ordering": "created_at"}).json()["results"]
    assert [d["id"] for d in listed] == [str(done.id), str(waiting.id)]
    assert listed[0]["endpoint_name"] == "first"
    by_status = staff_client.get(DELIVERIES, {"status": "succeeded"}).json()["results"]
    assert [d["id"] for d in by_status] == [str(done.id)]
    by_endpoint = staff_client.get(DELIVERIES, {"endpoint": str(second.id)}).json()["results"]
    assert [d["id"] for d in by_endpoint] == [str(waiting.id)]
    assert staff_client.get(DELIVERIES, {"event_type": "AlertRaised"}).json()["count"] == 1
    assert_envelope(staff_client.get(DELIVERIES, {"status": "lost"}), 400)
    assert_envelope(staff_client.get(DELIVERIES, {"ordering": "payload"}), 400)

    again = send(staff_client, "post", f"{DELIVERIES}{done.id}/redeliver/")
    assert again.status_code == 202, again.content
    assert again.json()["id"] != str(done.id)
    assert WebhookDelivery.objects.filter(endpoint=first).count() == 2
    assert_envelope(send(staff_client, "post", f"{DELIVERIES}{waiting.id}/redeliver/"), 409, "conflict")
