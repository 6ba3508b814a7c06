"""The one error shape: ``{"error", "message", "details"?, "request_id"}``."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import JsonResponse

from storyportal.api import request_id

# Machine codes for statuses that reach the envelope without a more specific code.
STATUS_CODES = {
    400: "invalid_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "internal_error",
    503: "service_unavailable",
    504: "timeout",
}


def default_code(status: int) -> str:
    return STATUS_CODES.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_"))


def default_message(status: int) -> str:
    return HTTPStatus(status).description or HTTPStatus(status).phrase


def envelope(
    status: int, *, code: str | None = None, message: str | None = None, details: Any = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "error": code or default_code(status),
        "message": message or default_message(status),
    }
    if details:
        body["details"] = details
    body["request_id"] = request_id.current()
    return body


def error_response(status: int, **kwargs: Any) -> JsonResponse:
    response = JsonResponse(envelope(status, **kwargs), status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
