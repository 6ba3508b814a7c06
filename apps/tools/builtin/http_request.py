"""``http_request``: one HTTP request to an allow-listed host (``TOOLS_HTTP_ALLOWED_HOSTS``).

Redirects are returned, not followed (a redirect could lead off the allow-list); the body is
read up to ``TOOLS_HTTP_MAX_BYTES``; the whole exchange is bounded by the timeout. The
environment's proxies and ``.netrc`` are ignored, so no credentials are added to requests.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

import httpx
from django.conf import settings

from apps.tools.errors import ToolError, ToolInputInvalid
from apps.tools.hosts import host_allowed
from apps.tools.registry import ToolContext, tool

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
RESPONSE_HEADERS = ("content-type", "content-length", "location", "etag", "last-modified", "retry-after")
# Set by the client from the URL and body; a caller's value could point the request elsewhere.
FORBIDDEN_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer"}
SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "x-api-key"}
SECRET_WORDS = ("token", "secret", "password", "signature")
REDACTED = "[redacted]"
# What a header name or value must not contain (a line break would smuggle in another header).
# Written as "no character outside the set": Python's "$" would let a final newline through.
NOT_IN_HEADER_NAME = "[^A-Za-z0-9!#$%&'*+.^_`|~-]"
NOT_IN_HEADER_VALUE = "[^\\t\\x20-\\x7e]"


def _redact(inputs: dict[str, Any]) -> dict[str, Any]:
    """The inputs as the execution log keeps them: credential headers are not stored."""
    headers = inputs.get("headers")
    if not isinstance(headers, dict):
        return inputs
    kept = {name: REDACTED if _is_secret(name) else value for name, value in headers.items()}
    return {**inputs, "headers": kept}


def _is_secret(header: str) -> bool:
    name = header.lower()
    return name in SECRET_HEADERS or any(word in name for word in SECRET_WORDS)


@tool(
    name="http_request",
    description=(
        "Send one HTTP request to an allow-listed host. Redirects are returned, not followed; "
        "the body is cut at the size limit (truncated: true); JSON responses are parsed."
    ),
    params={
        "type": "object",
        "properties": {
            "method": {"enum": METHODS, "default": "GET"},
            "url": {"type": "string", "minLength": 1, "maxLength": 2048, "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"},
            "headers": {
                "type": "object",
                "propertyNames": {"minLength": 1, "maxLength": 256, "not": {"pattern": NOT_IN_HEADER_NAME}},
                "additionalProperties": {"type": "string", "maxLength": 8192, "not": {"pattern": NOT_IN_HEADER_VALUE}},
            },
            "json": {"description": "A JSON body (not with body)."},
            "body": {"type": "string", "description": "A text body (not with json)."},
            "timeout_seconds": {"type": "number", "exclusiveMinimum": 0},
        },
        "required": ["url"],
        "additionalProperties": False,
    },
    result={
        "type": "object",
        "properties": {
            "status": {"type": "integer"},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "body": {"type": "string"},
            "truncated": {"type": "boolean"},
            "json": {},
        },
        "required": ["status", "headers", "body", "truncated"],
    },
    timeout=float(settings.TOOLS_HTTP_TIMEOUT_SECONDS),
    redact=_redact,
)
def http_request(ctx: ToolContext, *, url: str, method: str = "GET", **options: Any) -> dict[str, Any]:
    target = _target(url)
    timeout = _timeout(options.get("timeout_seconds"))
    request = _request(ctx, method, target, options)
    try:
        with httpx.Client(follow_redirects=False, trust_env=False, timeout=timeout) as client:
            response = client.send(request, stream=True)
            try:
                return _read(response, time.monotonic() + timeout)
            finally:
                response.close()
    except httpx.TimeoutException as exc:
        raise ToolError(f"{method} {target.host} timed out after {timeout:g} s.") from exc
    except httpx.HTTPError as exc:
        raise ToolError(f"{method} {target.host} failed: {exc or type(exc).__name__}") from exc


def _target(url: str) -> httpx.URL:
    try:
        target = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise _invalid("url", f"Not a valid URL: {exc}") from exc
    if target.scheme not in {"http", "https"}:
        raise _invalid("url", "Only http and https URLs are allowed.")
    if target.userinfo:
        raise _invalid("url", "Credentials in the URL are not allowed; send them in a header.")
    if not host_allowed(target.host, settings.TOOLS_HTTP_ALLOWED_HOSTS):
        raise _invalid("url", f"The host {target.host or '(none)'} is not in TOOLS_HTTP_ALLOWED_HOSTS.")
    return target


def _timeout(requested: float | None) -> float:
    limit = float(settings.TOOLS_HTTP_TIMEOUT_SECONDS)
    if requested is not None and requested > limit:
        raise _invalid("timeout_seconds", f"At most {limit:g} s (TOOLS_HTTP_TIMEOUT_SECONDS).")
    return float(requested) if requested is not None else limit


def _request(ctx: ToolContext, method: str, target: httpx.URL, options: dict[str, Any]) -> httpx.Request:
    headers: dict[str, str] = dict(options.get("headers") or {})
    refused = sorted(name for name in headers if name.lower() in FORBIDDEN_HEADERS)
    if refused:
        raise _invalid("headers", f"These headers are set by the tool: {', '.join(refused)}.")
    if "json" in options and "body" in options:
        raise _invalid("body", "Send json or body, not both.")
    if method == "HEAD" and ("json" in options or "body" in options):
        raise _invalid("body", "A HEAD request has no body.")
    headers.setdefault("Accept-Encoding", "identity")  # the size limit then bounds what is sent
    if ctx.idempotency_key:
        headers["Idempotency-Key"] = ctx.idempotency_key
    content = options.get("body")
    if "json" in options:
        content = json.dumps(options["json"])
        headers.setdefault("Content-Type", "application/json")
    return httpx.Request(method, target, headers=headers, content=content)


def _read(response: httpx.Response, deadline: float) -> dict[str, Any]:
    limit = int(settings.TOOLS_HTTP_MAX_BYTES)
    body = bytearray()
    truncated = False
    for chunk in response.iter_bytes():
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the response did not arrive in time", request=response.request)
        body += chunk
        if len(body) > limit:
            del body[limit:]
            truncated = True
            break
    text = body.decode(response.encoding or "utf-8", errors="replace")
    result: dict[str, Any] = {
        "status": response.status_code,
        "headers": {name: response.headers[name] for name in RESPONSE_HEADERS if name in response.headers},
        "body": text,
        "truncated": truncated,
    }
    if not truncated and _is_json(response):
        with contextlib.suppress(ValueError):  # a body that claims to be JSON and is not: text only
            result["json"] = json.loads(text)
    return result


def _is_json(response: httpx.Response) -> bool:
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _invalid(field: str, message: str) -> ToolInputInvalid:
    return ToolInputInvalid(message, details={field: [message]})
