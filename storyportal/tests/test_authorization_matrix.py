"""Every API endpoint against every kind of caller (contract: Authentication and authorization).

The test walks the URLconf, so a new endpoint that is not in ``POLICIES`` fails it: nobody can
add a route without deciding who may call it. Allowed callers must not get 401/403 (a 400 or
404 for the placeholder input is fine); refused callers get exactly 401 or 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework_simplejwt.tokens import AccessToken

from apps.accounts.scopes import ADMIN, READ, WRITE
from tests.support.api import bearer, key_header, send

pytestmark = pytest.mark.django_db

PUBLIC, ANY, ADMIN_ONLY, BY_METHOD = "public", "any authenticated", "admin:platform", "read/write by method"
# Any person may manage their own keys; a key may only read them unless it holds admin:platform.
KEYS = "keys: any person; API keys need admin:platform to write"
READ_ADMIN_WRITES = "reads: read:services; writes: admin:platform"
# URL name -> who may call it. BY_METHOD: safe methods need read:services, others write:services.
POLICIES = {
    "api-health": PUBLIC,
    "layers": PUBLIC,
    "layer-health": PUBLIC,
    "schema": PUBLIC,
    "swagger-ui": PUBLIC,
    "redoc": PUBLIC,
    "token-obtain": PUBLIC,
    "token-refresh": PUBLIC,
    "token-verify": PUBLIC,
    "logout": PUBLIC,
    "root": ANY,
    "user-me": ANY,
    "api-key-list": KEYS,
    "api-key-detail": KEYS,
    "session-list": ANY,
    "session-detail": ANY,
    "user-list": ADMIN_ONLY,
    "user-detail": ADMIN_ONLY,
    "event-list": BY_METHOD,
    "event-detail": BY_METHOD,
    "agent-list": BY_METHOD,
    "agent-detail": BY_METHOD,
    "agent-activate": BY_METHOD,
    "agent-pause": BY_METHOD,
    "agent-retire": BY_METHOD,
    "agent-logs": BY_METHOD,
    "service-list": BY_METHOD,
    "service-detail": BY_METHOD,
    "service-search": BY_METHOD,
    # POST, but reading methods only need read:services (writing ones are refused inside).
    "service-invoke": "read for every method",
    "tool-list": BY_METHOD,
    "tool-detail": BY_METHOD,
    "tool-execute": BY_METHOD,
    "tool-execution-list": BY_METHOD,
    "tool-execution-detail": BY_METHOD,
    "workflow-list": BY_METHOD,
    "workflow-detail": BY_METHOD,
    "workflow-versions": BY_METHOD,
    "workflow-version": BY_METHOD,
    "workflow-diff": BY_METHOD,
    "workflow-restore": BY_METHOD,
    "workflow-execute": BY_METHOD,
    "goal-list": BY_METHOD,
    "goal-detail": BY_METHOD,
    "goal-achieve": BY_METHOD,
    "goal-abandon": BY_METHOD,
    "goal-reopen": BY_METHOD,
    "goal-history": BY_METHOD,
    "goal-analytics": BY_METHOD,
    "goal-key-result-list": BY_METHOD,
    "goal-key-result-detail": BY_METHOD,
    "workflow-run-list": BY_METHOD,
    "workflow-run-detail": BY_METHOD,
    "workflow-run-cancel": BY_METHOD,
    "workflow-run-approve": BY_METHOD,
    "workflow-run-reject": BY_METHOD,
    "webhook-endpoint-list": ADMIN_ONLY,
    "webhook-endpoint-detail": ADMIN_ONLY,
    "webhook-endpoint-test": ADMIN_ONLY,
    "webhook-delivery-list": ADMIN_ONLY,
    "webhook-delivery-detail": ADMIN_ONLY,
    "webhook-delivery-redeliver": ADMIN_ONLY,
    "workflow-schedule-list": BY_METHOD,
    "workflow-schedule-detail": BY_METHOD,
    "workflow-webhook-list": BY_METHOD,
    "workflow-webhook-detail": BY_METHOD,
    "llm-models": "read for every method",
    "llm-embed": "read for every method",
    "llm-generate": BY_METHOD,
    "llm-chat": BY_METHOD,
    "llm-request-list": BY_METHOD,
    "llm-request-detail": BY_METHOD,
    "llm-request-stats": BY_METHOD,
    "planner-draft-list": BY_METHOD,
    "planner-draft-detail": BY_METHOD,
    "planner-draft-accept": BY_METHOD,
    "planner-draft-reject": BY_METHOD,
    "evaluation-list": BY_METHOD,
    "evaluation-detail": BY_METHOD,
    "feedback-list": BY_METHOD,
    "feedback-detail": BY_METHOD,
    "prompt-template-list": BY_METHOD,
    "prompt-template-detail": BY_METHOD,
    "prompt-template-versions": BY_METHOD,
    # POST, but rendering only reads: running (which calls a model) needs write:services.
    "prompt-template-render": "read for every method",
    "prompt-template-run": BY_METHOD,
    "learning-export": BY_METHOD,
    # The secret URL is the credential (and a signature, for signed triggers).
    "hook-receive": PUBLIC,
    "monitoring-summary": BY_METHOD,
    "alert-list": BY_METHOD,
    "alert-detail": BY_METHOD,
    "alert-acknowledge": BY_METHOD,
    "alert-rule-list": READ_ADMIN_WRITES,
    "alert-rule-detail": READ_ADMIN_WRITES,
}
SAMPLE_KWARGS = {
    "layer": "l01", "probe": "ready", "pk": "0", "goal_id": "0", "name": "NoSuchService", "number": "1",
    "token": "whk_nope",
}  # fmt: skip


@dataclass(frozen=True)
class Endpoint:
    route: str
    name: str
    qualified_name: str
    methods: tuple[str, ...]
    params: tuple[str, ...]

    def path(self) -> str:
        return reverse(self.qualified_name, kwargs={p: SAMPLE_KWARGS[p] for p in self.params})


def _methods(callback: Any) -> tuple[str, ...]:
    if getattr(callback, "actions", None):  # a DRF viewset route
        return tuple(m.upper() for m in callback.actions)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        return tuple(m.upper() for m in view_class.http_method_names if m != "options" and hasattr(view_class, m))
    return ("GET",)  # function views of health and metrics only answer safe methods


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Endpoint]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern).replace("^", "").replace("$", "")
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, route, ns)
        elif isinstance(pattern, URLPattern) and route.startswith("api/"):
            params = tuple(pattern.pattern.regex.groupindex) + tuple(getattr(pattern.pattern, "converters", {}))
            parent_params = tuple(k for k in SAMPLE_KWARGS if f"<{k}>" in prefix or f"(?P<{k}>" in prefix)
            yield Endpoint(
                route=route,
                name=pattern.name or "",
                qualified_name=f"{namespace}{pattern.name}",
                methods=_methods(pattern.callback),
                params=tuple(dict.fromkeys(parent_params + params)),
            )


ENDPOINTS = list(_walk(get_resolver().url_patterns))


@dataclass(frozen=True)
class Actor:
    name: str
    scopes: frozenset[str] | None  # None: anonymous

    @property
    def is_key(self) -> bool:
        return self.name.endswith("key")


ACTORS = [
    Actor("anonymous", None),
    Actor("viewer", frozenset({READ})),
    Actor("operator", frozenset({READ, WRITE})),
    Actor("admin", frozenset({READ, WRITE, ADMIN})),
    Actor("read key", frozenset({READ})),
    Actor("write-only key", frozenset({WRITE})),
    Actor("admin-only key", frozenset({ADMIN})),
    Actor("full admin key", frozenset({READ, WRITE, ADMIN})),
    Actor("viewer token", frozenset({READ})),
    Actor("admin token", frozenset({READ, WRITE, ADMIN})),
]


def expected(policy: str, method: str, actor: Actor) -> int | None:
    """401 or 403 when the actor must be refused, None when it must get through."""
    if policy == PUBLIC:
        return None
    if actor.scopes is None:
        return 401
    if policy == KEYS:
        writes_with_key = actor.is_key and method not in {"GET", "HEAD"}
        return 403 if writes_with_key and ADMIN not in actor.scopes else None
    if policy == "read for every method":
        return None if READ in actor.scopes else 403
    if policy == READ_ADMIN_WRITES:
        return None if (READ if method in {"GET", "HEAD"} else ADMIN) in actor.scopes else 403
    needed = {ANY: None, ADMIN_ONLY: ADMIN}.get(policy, READ if method in {"GET", "HEAD"} else WRITE)
    return None if needed is None or needed in actor.scopes else 403


def test_every_api_endpoint_has_a_policy() -> None:
    missing = sorted({f"{e.name} ({e.route})" for e in ENDPOINTS if e.name not in POLICIES})
    assert not missing, f"API endpoints without an entry in POLICIES: {missing}"
    assert len(ENDPOINTS) > 40  # v1, the layer routes and the aliases were all found


def test_layer_routes_are_in_the_matrix() -> None:
    routes = {e.route for e in ENDPOINTS}
    assert {"api/v1/users/", "api/l01/users/", "api/l09/api-keys/", "api/l01/events/"} <= routes


@pytest.fixture
def clients(viewer_user, operator_user, admin_user, make_key) -> dict[str, tuple[Client, dict[str, str]]]:
    def logged_in(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return {
        "anonymous": (Client(), {}),
        "viewer": (logged_in(viewer_user), {}),
        "operator": (logged_in(operator_user), {}),
        "admin": (logged_in(admin_user), {}),
        "read key": (Client(), key_header(make_key(operator_user, READ))),
        "write-only key": (Client(), key_header(make_key(operator_user, WRITE))),
        "admin-only key": (Client(), key_header(make_key(admin_user, ADMIN))),
        "full admin key": (Client(), key_header(make_key(admin_user, READ, WRITE, ADMIN))),
        "viewer token": (Client(), bearer(str(AccessToken.for_user(viewer_user)))),
        "admin token": (Client(), bearer(str(AccessToken.for_user(admin_user)))),
    }


def test_matrix(clients, settings, ollama_server) -> None:
    settings.OLLAMA_URL = ollama_server.url  # the model gateway's endpoints answer, not 503
    rates = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/minute")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    failures = []
    checked = 0
    for endpoint in ENDPOINTS:
        path = endpoint.path()
        for method in endpoint.methods:
            for actor in ACTORS:
                client, headers = clients[actor.name]
                response = send(client, method, path, {} if method in {"POST", "PUT", "PATCH"} else None, **headers)
                want = expected(POLICIES[endpoint.name], method, actor)
                got = response.status_code
                checked += 1
                if (want is None and got in {401, 403}) or (want is not None and got != want) or got >= 500:
                    failures.append(f"{method} {path} as {actor.name}: got {got}, want {want or 'not 401/403'}")
    assert not failures, "\n".join(failures)
    assert checked > 500


def test_settings_protect_new_endpoints_by_default() -> None:
    rf = settings.REST_FRAMEWORK
    assert rf["DEFAULT_PERMISSION_CLASSES"] == ["storyportal.api.permissions.ScopePermission"]
    assert rf["DEFAULT_THROTTLE_CLASSES"] == ["storyportal.api.throttling.GatewayThrottle"]
