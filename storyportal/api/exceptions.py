"""DRF exception handler: every API error leaves in the envelope, internals never leak."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, OperationalError
from django.http import Http404
from redis.exceptions import RedisError
from rest_framework import exceptions, status
from rest_framework.response import Response

from storyportal.api.errors import default_code, envelope

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A business-rule failure a service raises; the handler maps it to an HTTP status."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code = "invalid_request"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


def _message_and_details(exc: exceptions.APIException) -> tuple[str, Any]:
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        details = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        return "The request is invalid; see details for each field.", details
    if isinstance(detail, dict | list):
        return str(exc.default_detail), detail
    return str(detail), None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # Imported here: DRF's views module imports the authentication classes, which import
    # services that raise DomainError from this module.
    from rest_framework.views import set_rollback

    if isinstance(exc, DomainError):
        set_rollback()
        body = envelope(exc.status_code, code=exc.code, message=exc.message, details=exc.details)
        return Response(body, status=exc.status_code)
    if isinstance(exc, RedisError | OperationalError):
        logger.warning("dependency unavailable: %s", type(exc).__name__)
        set_rollback()
        body = envelope(503, message="A service the platform depends on is unavailable; try again shortly.")
        return Response(body, status=503, headers={"Retry-After": "5"})
    if isinstance(exc, IntegrityError):
        set_rollback()
        return Response(envelope(409, message="The change conflicts with existing data."), status=409)
    if isinstance(exc, RequestDataTooBig):
        set_rollback()
        return Response(envelope(413, message="The request body is too large."), status=413)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: Django's handler500 renders the envelope and logs it

    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    message, details = _message_and_details(exc)
    code = default_code(exc.status_code)
    if exc.status_code == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
    set_rollback()
    return Response(
        envelope(exc.status_code, code=code, message=message, details=details), status=exc.status_code, headers=headers
    )
