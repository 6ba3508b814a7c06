"""Every API error leaves in one envelope with the request id (contract, Errors)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support.api import assert_envelope

pytestmark = [pytest.mark.django_db, pytest.mark.urls("storyportal.tests.urls_failing")]


def test_unknown_api_path_is_404_envelope(client: Client) -> None:
    assert_envelope(client.get("/api/v1/no-such-thing/"), 404, "not_found")


def test_wrong_method_is_405_envelope_with_allow(client: Client) -> None:
    response = client.delete("/api/v1/echo/")
    assert_envelope(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_unhandled_exception_in_drf_view_is_500_without_internals() -> None:
    client = Client(raise_request_exception=False)
    body = assert_envelope(client.get("/api/v1/broken/"), 500, "internal_error")
    assert "hunter2" not in str(body)
    assert "RuntimeError" not in str(body)


def test_unhandled_exception_in_plain_view_is_500_envelope() -> None:
    client = Client(raise_request_exception=False)
    body = assert_envelope(client.get("/api/v1/broken-plain/"), 500, "internal_error")
    assert "hunter2" not in str(body)


def test_malformed_json_is_400_envelope(client: Client) -> None:
    response = client.post("/api/v1/echo/", data="{not json", content_type="application/json")
    assert_envelope(response, 400, "invalid_request")


def test_wrong_content_type_is_415_envelope(client: Client) -> None:
    response = client.post("/api/v1/echo/", data="a=b", content_type="text/plain")
    assert_envelope(response, 415, "unsupported_media_type")


def test_domain_conflict_is_409_with_details(client: Client) -> None:
    body = assert_envelope(client.post("/api/v1/conflict/"), 409, "conflict")
    assert body["details"] == {"status": "retired"}
    assert body["message"] == "Agent is retired."


def test_anonymous_on_protected_endpoint_gets_401_with_challenge(client: Client) -> None:
    response = client.get("/api/v1/private/")
    assert_envelope(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"]


def test_csrf_failure_under_api_is_enveloped(viewer_user) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer_user)
    response = client.post("/api/v1/echo/", data={}, content_type="application/json")
    assert_envelope(response, 403, "permission_denied")


def test_callers_request_id_is_echoed_when_safe(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing/", HTTP_X_REQUEST_ID="trace-123.abc_DEF")
    assert response["X-Request-ID"] == "trace-123.abc_DEF"
    assert response.json()["request_id"] == "trace-123.abc_DEF"


@pytest.mark.parametrize("bad", ["has space", "x" * 129, "semi;colon", "<script>"])
def test_unsafe_request_id_is_replaced(client: Client, bad: str) -> None:
    response = client.get("/health/live", HTTP_X_REQUEST_ID=bad)
    assert response["X-Request-ID"] != bad
    assert len(response["X-Request-ID"]) == 36


def test_pages_outside_api_keep_html_errors(staff_client: Client) -> None:
    response = staff_client.get("/no-such-page")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_browsable_api_renders_errors_as_html(client: Client) -> None:
    response = client.get("/api/v1/private/", HTTP_ACCEPT="text/html")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("text/html")
    assert "not_authenticated" in response.content.decode()
