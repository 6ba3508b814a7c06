"""The one place that decides who may call what (contract: Authentication and authorization).

``ScopePermission`` is the default permission class, so a new endpoint is protected without
extra code: reads need ``read:services``, writes ``write:services``. A view declares stricter
or looser needs with ``required_scope`` (every method), ``required_scopes`` (by HTTP method)
or ``action_scopes`` (by viewset action); ``None`` means any authenticated caller.
"""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from apps.accounts.scopes import ADMIN, READ, WRITE
from storyportal.api.principal import ApiKeyCredential, caller_scopes

_UNSET = object()


def required_scope(view: Any, method: str) -> str | None:
    action = getattr(view, "action", None)
    action_scopes: dict[str, str | None] = getattr(view, "action_scopes", {})
    if action in action_scopes:
        return action_scopes[action]
    by_method: dict[str, str | None] = getattr(view, "required_scopes", {})
    if method in by_method:
        return by_method[method]
    scope = getattr(view, "required_scope", _UNSET)
    if scope is not _UNSET:
        return scope  # type: ignore[return-value]
    return READ if method in permissions.SAFE_METHODS else WRITE


class ScopePermission(permissions.BasePermission):
    """Authenticated, and holding the scope the view and method require."""

    message = "You do not have the scope this endpoint requires."

    def has_permission(self, request: Request, view: Any) -> bool:
        allowed = self._allowed(request, view)
        if not allowed and hasattr(view, "check_throttles"):
            # DRF checks throttles after permissions. A refused request still counts against
            # its client's limit and reports it in the headers (429 once over the limit).
            view.check_throttles(request)
        return allowed

    def _allowed(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        needed = required_scope(view, request.method or "GET")
        if needed is None or needed in caller_scopes(request):
            return True
        self.message = f"This endpoint requires the {needed} scope."
        return False


def is_platform_admin(request: Request) -> bool:
    """Whether the caller holds ``admin:platform`` (admins see everyone's keys, sessions...)."""
    return ADMIN in caller_scopes(request)


class KeyCannotManageKeys(permissions.BasePermission):
    """Creating or revoking API keys needs a person (session or JWT) or an ``admin:platform``
    key: a leaked read key must not be able to mint itself a successor that outlives it."""

    message = "API keys cannot create or revoke keys unless they hold admin:platform; log in or use a token."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS or not isinstance(request.auth, ApiKeyCredential):
            return True
        return ADMIN in request.auth.scopes
