"""L09 ApiKeyManager, RateLimitInspector and RouteTable."""

from __future__ import annotations

from typing import Any

from apps.accounts import selectors as account_selectors
from apps.accounts import services as account_services
from apps.accounts.scopes import ADMIN
from apps.services.catalog.schemas import UUID, obj
from apps.services.registry import Caller, MethodError, method, service
from storyportal import kv, redis_keys
from storyportal.api.routes import layer_resources

KEY = obj(
    {
        "id": UUID,
        "name": {"type": "string"},
        "prefix": {"type": "string"},
        "scopes": {"type": "array"},
        "active": {"type": "boolean"},
    },
    "id",
    "prefix",
)


def _key(api_key: Any) -> dict[str, Any]:
    return {
        "id": str(api_key.id),
        "name": api_key.name,
        "prefix": api_key.prefix,
        "scopes": api_key.scopes,
        "active": api_key.is_usable,
    }


@service(
    name="ApiKeyManager", layer="L09", description="List and revoke API keys (yours; everyone's with admin:platform)."
)
class ApiKeyManager:
    @method(
        description="Your API keys, without their secrets.",
        result=obj({"keys": {"type": "array", "items": KEY}}, "keys"),
    )
    def list(self, caller: Caller) -> dict[str, Any]:
        keys = account_selectors.api_key_list(owner=caller.user, include_all=ADMIN in caller.scopes)
        return {"keys": [_key(k) for k in keys[:200]]}

    @method(
        description="Revoke a key: it gets 401 from its next request.",
        params=obj({"id": UUID}, "id"),
        result=KEY,
        writes=True,
    )
    def revoke(self, caller: Caller, id: str) -> dict[str, Any]:
        api_key = (
            account_selectors.api_key_list(owner=caller.user, include_all=ADMIN in caller.scopes).filter(pk=id).first()
        )
        if api_key is None:
            raise MethodError(404, f"You have no API key {id}.")
        return _key(account_services.api_key_revoke(api_key=api_key))


@service(
    name="RateLimitInspector",
    layer="L09",
    description="Your current rate-limit counters, from Redis.",
    dependencies=("redis",),
)
class RateLimitInspector:
    @method(
        description="Requests counted against you in the current windows, by scope.",
        result=obj({"client": {"type": "string"}, "counters": {"type": "object"}}, "client", "counters"),
    )
    def usage(self, caller: Caller) -> dict[str, Any]:
        client = caller.client or f"user:{caller.user.pk}"
        pattern = redis_keys.RATE_LIMIT.key(client=client, scope="*", window="*")
        counters = {}
        for key in kv.client().scan_iter(pattern, count=100):
            name = key.decode() if isinstance(key, bytes) else key
            scope = name.split(":")[-2]
            counters[scope] = int(kv.client().get(name) or 0)
        return {"client": client, "counters": counters}


@service(
    name="RouteTable", layer="L09", description="Which resources each /api/lNN/ layer route reaches.", dependencies=()
)
class RouteTable:
    @method(description="The layer route table.", result=obj({"layers": {"type": "object"}}, "layers"))
    def routes(self, caller: Caller) -> dict[str, Any]:
        return {"layers": {code.lower(): names for code, names in sorted(layer_resources().items())}}
