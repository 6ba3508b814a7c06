"""Gateway middleware: request ids, the body size limit and the error envelope for non-DRF
responses. Logging and metrics live in :mod:`storyportal.api.observability`."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.response import Response

from storyportal.api import actor, request_id
from storyportal.api.errors import envelope, error_response

Handler = Callable[[HttpRequest], HttpResponse]


class RequestIDMiddleware:
    """Accept or mint ``X-Request-ID`` and echo it on every response."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id.accept_or_generate(request.headers.get("X-Request-ID"))
        request.request_id = rid  # type: ignore[attr-defined]
        request_id.set_current(rid)
        actor.set_current(None)
        try:
            response = self.get_response(request)
        finally:
            request_id.set_current(None)
            actor.set_current(None)
        response["X-Request-ID"] = rid
        return response


def declared_length(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


class BodySizeLimitMiddleware:
    """413 for a declared body over ``MAX_REQUEST_BODY_BYTES`` before anything reads it.

    Under WSGI the body is still unread here. Under ASGI, :class:`storyportal.api.asgi.
    BodySizeLimit` refuses it before Django spools it. A chunked body without a length is
    read here up to the limit (413 beyond it) and given a length, so nothing drops it.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = declared_length(request.META.get("CONTENT_LENGTH"))
        if length is not None and length > settings.MAX_REQUEST_BODY_BYTES:
            return too_large()
        chunked = length is None and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not _buffer_chunked_body(request):
            return too_large()
        return self.get_response(request)


def _buffer_chunked_body(request: HttpRequest) -> bool:
    """Read a chunked body (no Content-Length) up to the limit and give it a length.

    Django and DRF read nothing without a Content-Length, so such a body would otherwise be
    silently taken as empty. Returns False when it is over the limit.
    """
    limit = settings.MAX_REQUEST_BODY_BYTES
    environ = getattr(request, "environ", {})
    source = environ.get("wsgi.input") or request._stream
    chunks, size = [], 0
    while size <= limit:
        chunk = source.read(min(64 * 1024, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        return False
    body = b"".join(chunks)
    request._stream = io.BytesIO(body)
    request.META["CONTENT_LENGTH"] = str(len(body))
    return True


def too_large() -> HttpResponse:
    limit = settings.MAX_REQUEST_BODY_BYTES
    response = error_response(413, message=f"The request body is larger than {limit // (1024 * 1024)} MiB.")
    response["Connection"] = "close"
    return response


def is_api_path(path: str) -> bool:
    """Paths whose clients are programs: errors there are always the JSON envelope."""
    return path.startswith(("/api/", "/health/")) or path in {"/api", "/health", "/metrics"}


class ApiErrorEnvelopeMiddleware:
    """Under /api/, turn any error that is not already JSON (CSRF, 405 of plain views, ...)
    into the envelope, so clients see one shape whatever produced the error."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not is_api_path(request.path):
            return response
        # DRF responses went through our exception handler already (the browsable API renders
        # that envelope as HTML on purpose); JSON errors are already in shape.
        if isinstance(response, Response) or response.get("Content-Type", "").startswith("application/json"):
            return response
        rewritten = HttpResponse(
            json.dumps(envelope(response.status_code)),
            status=response.status_code,
            content_type="application/json",
        )
        for header in ("Allow", "WWW-Authenticate", "Retry-After"):
            if header in response:
                rewritten[header] = response[header]
        return rewritten


class ContentSecurityPolicyMiddleware:
    """A strict Content-Security-Policy on control-center pages (our templates have no inline
    script or style). The admin, the browsable API and the API docs ship inline scripts of
    their own and keep the other security headers only."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exempt = request.path.startswith(("/admin/", "/api/", "/api-auth/", "/static/"))
        if not exempt and response.get("Content-Type", "").startswith("text/html"):
            response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
