"""L01 UserDirectory, L09 TokenInspector, L11 FeedPublisher and L12 InvocationLog."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.accounts import selectors as account_selectors
from apps.accounts.scopes import ADMIN
from apps.services.catalog.schemas import LIMIT, obj
from apps.services.models import ServiceInvocation
from apps.services.registry import Caller, method, service
from storyportal.realtime.channels import FEED_CHANNELS
from storyportal.realtime.publish import message, publish

USER = obj(
    {
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "role": {"type": "string"},
        "is_active": {"type": "boolean"},
    },
    "id",
    "username",
)


def _user(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "username": user.username, "role": user.role, "is_active": user.is_active}


@service(name="UserDirectory", layer="L01", description="Find platform users and their roles (admin:platform).")
class UserDirectory:
    @method(
        description="Users, optionally by role.",
        params=obj({"role": {"enum": ["viewer", "operator", "admin"]}, "limit": LIMIT}),
        result=obj({"count": {"type": "integer"}, "users": {"type": "array", "items": USER}}, "count", "users"),
        requires=ADMIN,
    )
    def find(self, caller: Caller, role: str | None = None, limit: int = 20) -> dict[str, Any]:
        users = account_selectors.user_list().order_by("username")
        if role:
            users = users.filter(role=role)
        return {"count": users.count(), "users": [_user(u) for u in users[:limit]]}


@service(
    name="TokenInspector",
    layer="L09",
    description="Check a JWT: valid or not, its kind, subject and expiry.",
    dependencies=(),
)
class TokenInspector:
    @method(
        description="Inspect an access or refresh token without using it.",
        params=obj({"token": {"type": "string", "minLength": 1, "maxLength": 4096}}, "token"),
        result=obj(
            {"valid": {"type": "boolean"}, "kind": {"type": "string"}, "user_id": {}, "expires_at": {}, "reason": {}},
            "valid",
        ),
    )
    def inspect(self, caller: Caller, token: str) -> dict[str, Any]:
        reason = "not a token"
        for kind, token_class in (("access", AccessToken), ("refresh", RefreshToken)):
            try:
                parsed = token_class(token)  # type: ignore[arg-type]
            except TokenError as exc:
                reason = str(exc)
                continue
            mine = str(parsed.get("user_id")) == str(caller.user.pk) or ADMIN in caller.scopes
            return {
                "valid": True, "kind": kind, "user_id": parsed.get("user_id") if mine else None,
                "expires_at": parsed.get("exp"), "reason": None,
            }  # fmt: skip
        return {"valid": False, "kind": None, "user_id": None, "expires_at": None, "reason": reason}


@service(
    name="FeedPublisher",
    layer="L11",
    description="Announce a custom message to feed subscribers (WebSocket and Redis pub/sub).",
    dependencies=("redis",),
)
class FeedPublisher:
    @method(
        description="Publish a message on a feed channel (not the admin-only notifications:user).",
        params=obj(
            {
                "channel": {"enum": [c for c in FEED_CHANNELS if c not in {"notifications:user", "system:health"}]},
                "type": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_.]{0,63}$"},
                "payload": {"type": "object"},
            },
            "channel",
            "type",
        ),
        result=obj({"published": {"type": "object"}}, "published"),
        writes=True,
    )
    def announce(
        self, caller: Caller, channel: str, type: str, payload: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        extra = {"publisher": f"user:{caller.user.get_username()}"}
        # Sent once the call's transaction commits: a call rolled back (504) announces nothing.
        transaction.on_commit(lambda: publish(channel, type, payload or {}, extra=extra))
        return {"published": message(channel, type, payload or {}, extra)}


@service(name="InvocationLog", layer="L12", description="The record of service calls: who called what, how it went.")
class InvocationLog:
    @method(
        description="Recent calls (yours; everyone's with admin:platform), optionally of one service.",
        params=obj({"service_name": {"type": "string", "maxLength": 100}, "limit": LIMIT}),
        result=obj({"invocations": {"type": "array"}}, "invocations"),
    )
    def recent(self, caller: Caller, service_name: str | None = None, limit: int = 20) -> dict[str, Any]:
        calls = ServiceInvocation.objects.all()
        if ADMIN not in caller.scopes:
            calls = calls.filter(user_id=caller.user.pk)
        if service_name:
            calls = calls.filter(service_name=service_name)
        return {
            "invocations": [
                {
                    "id": str(c.id),
                    "service_name": c.service_name,
                    "method": c.method,
                    "caller": c.caller,
                    "status": c.status,
                    "duration_ms": c.duration_ms,
                    "created_at": c.created_at.isoformat(),
                }
                for c in calls[:limit]
            ]
        }
