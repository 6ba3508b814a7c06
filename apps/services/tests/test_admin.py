"""The service catalog and call records in the Django admin: read-only, filtered, searchable."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.services.invocation import invoke
from apps.services.models import Service, ServiceInvocation
from apps.services.registry import Caller

pytestmark = pytest.mark.django_db

SERVICES = "/admin/services/service/"
CALLS = "/admin/services/serviceinvocation/"


def test_catalog_is_listed_filtered_and_searched(staff_client: Client) -> None:
    page = staff_client.get(SERVICES).content.decode()
    assert "AgentRegistry" in page
    assert "HealthMonitor" in page
    by_layer = staff_client.get(SERVICES, {"layer": "L09"}).content.decode()
    assert "ApiKeyManager" in by_layer
    assert "AgentRegistry" not in by_layer
    found = staff_client.get(SERVICES, {"q": "session"}).content.decode()
    assert "SessionStore" in found
    assert "RouteTable" not in found


def test_catalog_rows_are_read_only(staff_client: Client) -> None:
    service = Service.objects.get(name="AgentRegistry")
    assert staff_client.get(f"{SERVICES}add/").status_code == 403
    detail = staff_client.get(f"{SERVICES}{service.pk}/change/")
    assert detail.status_code == 200
    assert b'name="description"' not in detail.content
    assert staff_client.post(f"{SERVICES}{service.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Service.objects.filter(pk=service.pk).exists()


def test_sync_action_restores_a_catalog_row(staff_client: Client) -> None:
    Service.objects.filter(name="RouteTable").update(description="tampered", fingerprint="x")
    pk = Service.objects.get(name="AgentRegistry").pk
    response = staff_client.post(SERVICES, {"action": "sync_catalog", "_selected_action": [pk]}, follow=True)
    assert "1 changed" in response.content.decode()
    assert Service.objects.get(name="RouteTable").description != "tampered"


def test_embed_action_says_why_it_could_not_run(staff_client: Client) -> None:
    pk = Service.objects.get(name="AgentRegistry").pk
    response = staff_client.post(SERVICES, {"action": "embed_catalog", "_selected_action": [pk]}, follow=True)
    assert "Embeddings not computed: Ollama is unreachable" in response.content.decode()


def test_call_records_are_listed_and_never_edited(staff_client: Client, operator_user) -> None:
    call = invoke(
        service_name="RouteTable", method_name="routes", params={}, caller=Caller(operator_user, operator_user.scopes)
    )
    listing = staff_client.get(CALLS, {"status": "succeeded", "q": "RouteTable"}).content.decode()
    assert "RouteTable" in listing
    assert "user:otto" in listing
    assert staff_client.get(f"{CALLS}{call.invocation_id}/change/").status_code == 200
    assert staff_client.get(f"{CALLS}add/").status_code == 403
    assert staff_client.post(f"{CALLS}{call.invocation_id}/delete/", {"post": "yes"}).status_code == 403
    assert ServiceInvocation.objects.filter(pk=call.invocation_id).exists()


def test_admin_is_closed_to_non_staff(viewer_client: Client) -> None:
    assert viewer_client.get(SERVICES).status_code == 302
    assert viewer_client.get(CALLS).status_code == 302
