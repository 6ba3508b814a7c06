"""Control-center pages of the service hub: the catalog with search as you type, a layer
filter and health badges; each service's documentation generated from its method schemas,
with a "try it" form per method. Anyone logged in may look and call reading methods;
writing methods need ``write:services`` (``invoke`` checks it)."""

from __future__ import annotations

import json
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.models import User
from apps.services import selectors
from apps.services.forms import ServiceFilterForm, TryForm
from apps.services.invocation import InvocationError, invoke
from apps.services.models import Service
from apps.services.registry import Caller
from storyportal.api import actor
from storyportal.api.principal import caller_label
from storyportal.console.access import can_write

# JSON Schema keywords shown as a param's constraints, with how to name them.
_CONSTRAINTS = (
    ("minimum", "min"),
    ("maximum", "max"),
    ("exclusiveMinimum", "> "),
    ("exclusiveMaximum", "< "),
    ("minLength", "minLength"),
    ("maxLength", "maxLength"),
    ("minItems", "minItems"),
    ("maxItems", "maxItems"),
    ("pattern", "pattern"),
    ("format", "format"),
    ("default", "default"),
)
_EXAMPLE_UUID = "00000000-0000-0000-0000-000000000000"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required let only a real user through


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)


@login_required
@require_GET
def service_list_page(request: HttpRequest) -> HttpResponse:
    """The catalog: all services by layer then name, or the search's hits best first."""
    filters = ServiceFilterForm(request.GET)
    q, layer = filters.values()
    hits: dict[str, Any] = {}
    semantic = None
    if q:
        found, semantic = selectors.service_search(q, layer=layer or None)
        hits = {hit.service.name: hit for hit in found}
        services = [hit.service for hit in found]
    else:
        services = list(selectors.service_list(layer=layer or None))
    statuses = selectors.dependency_statuses()
    rows = [
        {"service": service, "health": selectors.service_health(service, statuses), "hit": hits.get(service.name)}
        for service in services
    ]
    context = {"filters": filters, "rows": rows, "q": q, "layer": layer, "semantic": semantic}
    return render(request, "services/list.html", context)


def _service(name: str) -> Service:
    service = selectors.service_list().filter(name=name).first()
    if service is None:
        raise Http404(f"No service named {name}.")
    return service


def _type(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return "enum"
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " | ".join(map(str, kind))
    if kind == "array" and isinstance(schema.get("items"), dict):
        return f"array of {_type(schema['items'])}"
    return str(kind)


def _constraints(schema: dict[str, Any]) -> list[str]:
    found = []
    if "enum" in schema:
        found.append("one of " + ", ".join(json.dumps(value) for value in schema["enum"]))
    for key, label in _CONSTRAINTS:
        if key in schema:
            value = schema[key] if isinstance(schema[key], str) else json.dumps(schema[key])
            found.append(f"{label}{value}" if label.endswith(" ") else f"{label} {value}")
    items = schema.get("items")
    if isinstance(items, dict):
        found.extend(f"items: {text}" for text in _constraints(items))
    return found


def _params(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    properties = schema.get("properties") or {}
    return [
        {
            "name": name,
            "type": _type(prop),
            "required": name in required,
            "constraints": _constraints(prop),
            "description": prop.get("description", ""),
        }
        for name, prop in properties.items()
        if isinstance(prop, dict)
    ]


def _example_value(schema: dict[str, Any]) -> Any:
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "string":
        return _EXAMPLE_UUID if schema.get("format") == "uuid" else "example"[: schema.get("maxLength", 7)]
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return {}
    return None


def _example(schema: dict[str, Any]) -> str:
    """``{}``, or an object with a plausible value for each required param."""
    properties = schema.get("properties") or {}
    example = {name: _example_value(properties.get(name) or {}) for name in schema.get("required", [])}
    return _dump(example) if example else "{}"


def _methods(service: Service, can_write: bool) -> list[dict[str, Any]]:
    return [
        {
            "name": m["name"],
            "description": m.get("description", ""),
            "writes": bool(m.get("writes")),
            "timeout": m.get("timeout_seconds", 30),
            "params": _params(m.get("params_schema") or {}),
            "params_schema": _dump(m.get("params_schema") or {}),
            "result_schema": _dump(m.get("result_schema") or {}),
            "example": _example(m.get("params_schema") or {}),
            "allowed": can_write or not m.get("writes"),
        }
        for m in service.methods
    ]


def _render_service(
    request: HttpRequest, service: Service, attempt: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    writable = can_write(request)
    methods = _methods(service, writable)
    for entry in methods:
        entry["form"] = TryForm(initial={"params": entry["example"]}, auto_id=f"id_{entry['name']}_%s")
        if attempt and attempt["method"] == entry["name"]:
            entry["form"] = attempt["form"]
            entry["attempt"] = attempt
    context = {
        "service": service,
        "health": selectors.service_health(service, selectors.dependency_statuses()),
        "methods": methods,
        "can_write": writable,
    }
    return render(request, "services/detail.html", context, status=status)


@login_required
@require_GET
def service_page(request: HttpRequest, name: str) -> HttpResponse:
    """A service's documentation, generated from its methods' schemas."""
    return _render_service(request, _service(name))


@login_required
@require_POST
def service_try(request: HttpRequest, name: str, method: str) -> HttpResponse:
    """Invoke one method with the typed params and show its result or error on the page."""
    service = _service(name)
    if method not in service.method_names:
        raise Http404(f"{name} has no method {method}.")
    form = TryForm(request.POST, auto_id=f"id_{method}_%s")
    attempt: dict[str, Any] = {"method": method, "form": form}
    if not form.is_valid():
        return _render_service(request, service, attempt, status=400)
    user = _user(request)
    actor.set_current(caller_label(request))
    try:
        call = invoke(
            service_name=name,
            method_name=method,
            params=form.cleaned_data["params"],
            caller=Caller(user=user, scopes=frozenset(user.scopes), client=f"user:{user.pk}"),
        )
    except InvocationError as exc:
        attempt["error"] = {
            "status": exc.status,
            "code": exc.code,
            "message": exc.message,
            "details": _details(exc.details),
        }
        return _render_service(request, service, attempt, status=exc.status)
    attempt["result"] = {
        "invocation_id": call.invocation_id,
        "duration_ms": call.duration_ms,
        "json": _dump(call.result),
    }
    return _render_service(request, service, attempt)


def _details(details: Any) -> list[tuple[str, str]]:
    """Field errors as (field, message) pairs; anything else as one formatted entry."""
    if not details:
        return []
    if isinstance(details, dict):
        pairs = []
        for field, messages in details.items():
            for message in messages if isinstance(messages, list) else [messages]:
                pairs.append((str(field), message if isinstance(message, str) else _dump(message)))
        return pairs
    return [("", _dump(details))]
