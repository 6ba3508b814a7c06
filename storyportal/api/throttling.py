"""Rate limits of the gateway (contract, Gateway behaviour), counted atomically in Redis.

Each client (API key, user or IP) has a fixed-window counter per scope under
``ratelimit:{client}:{scope}:{window}``. One Lua script increments every counter a request
touches and sets its expiry, so concurrent requests never lose an increment and a request
costs one round trip. Admins (``admin:platform``) are never limited.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from redis.commands.core import Script
from rest_framework import exceptions, throttling
from rest_framework.request import Request

from apps.accounts.scopes import ADMIN
from storyportal import kv, redis_keys
from storyportal.api.client_ip import client_ip
from storyportal.api.principal import ApiKeyCredential, caller_scopes

_INCREMENT = Script(
    None,  # type: ignore[arg-type]  # bound to a client per call
    b"""
local counts = {}
for i, key in ipairs(KEYS) do
    local count = redis.call('INCR', key)
    if count == 1 then redis.call('EXPIRE', key, ARGV[i]) end
    counts[i] = count
end
return counts
""",
)
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"100/minute"`` -> Rate(100, 60); DRF's syntax."""
        count, _, period = text.partition("/")
        return cls(limit=int(count), period=_PERIODS[period.strip()[0]])


@dataclass(frozen=True)
class Usage:
    """One counter after this request: what the response headers report."""

    scope: str
    limit: int
    count: int
    reset_in: int

    @property
    def remaining(self) -> int:
        return max(self.limit - self.count, 0)

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit


def client_id(request: Request) -> str:
    """``key:<id>``, ``user:<id>`` or ``ip:<address>``: who a limit counts against."""
    if isinstance(request.auth, ApiKeyCredential):
        return f"key:{request.auth.id}"
    if request.user and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{client_ip(request)}"


def rate_for(scope: str) -> Rate | None:
    rates = cast(dict[str, str | None], settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    text = rates.get(scope)
    return Rate.parse(text) if text else None


def count(client: str, rates: dict[str, Rate]) -> list[Usage]:
    """Count one request against each rate; returns the counters after it."""
    now = time.time()
    keys, expiries = [], []
    for scope, rate in rates.items():
        window = int(now // rate.period)
        keys.append(redis_keys.RATE_LIMIT.key(client=client, scope=scope, window=window))
        expiries.append(rate.period)
    counts = _INCREMENT(keys=keys, args=expiries, client=kv.client())
    return [
        Usage(scope=scope, limit=rate.limit, count=int(n), reset_in=max(math.ceil(rate.period - now % rate.period), 1))
        for (scope, rate), n in zip(rates.items(), counts, strict=True)
    ]


class GatewayThrottle(throttling.BaseThrottle):
    """anon or user rate for everyone but admins, plus the view's ``throttle_scope`` rate
    (e.g. ``llm_generate``, ``search``) when it has one."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if ADMIN in caller_scopes(request):
            return True
        tier = "user" if request.user and request.user.is_authenticated else "anon"
        scopes = [tier, getattr(view, "throttle_scope", None)]
        rates = {scope: rate for scope in scopes if scope and (rate := rate_for(scope)) is not None}
        if not rates:
            return True
        usages = count(client_id(request), rates)
        # The headers report the tightest counter: the one with the fewest requests left.
        request._request.rate_limit = min(usages, key=lambda u: (u.remaining, -u.reset_in))  # type: ignore[attr-defined]
        exceeded = [usage for usage in usages if usage.exceeded]
        self._wait = max((usage.reset_in for usage in exceeded), default=None)
        return not exceeded

    def wait(self) -> float | None:
        return self._wait


class RateLimitHeadersMiddleware:
    """Adds ``X-Rate-Limit-Limit`` / ``-Remaining`` / ``-Reset`` to every response whose
    request was counted, including errors and 429s."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        usage: Usage | None = getattr(request, "rate_limit", None)
        if usage is not None:
            response["X-Rate-Limit-Limit"] = str(usage.limit)
            response["X-Rate-Limit-Remaining"] = str(usage.remaining)
            response["X-Rate-Limit-Reset"] = str(usage.reset_in)
        return response


# --- Failed authentication -------------------------------------------------------------------
# Bad credentials fail before any throttle runs (DRF authenticates first). Counting failures
# per address under the anonymous rate stops a client from guessing keys or tokens, and from
# making the database look up key after unknown key, faster than an anonymous caller may call.
AUTH_FAILURES = "auth_failures"


def failures_usage(address: str, *, record: bool) -> Usage | None:
    """The failed-authentication counter of a client address, after counting one more
    failure when ``record``; None when anonymous calls are not limited at all."""
    rate = rate_for("anon")
    if rate is None:
        return None
    client = f"ip:{address}"
    if record:
        (usage,) = count(client, {AUTH_FAILURES: rate})
        return usage
    now = time.time()
    window = int(now // rate.period)
    failures = kv.client().get(redis_keys.RATE_LIMIT.key(client=client, scope=AUTH_FAILURES, window=window))
    reset_in = max(math.ceil(rate.period - now % rate.period), 1)
    return Usage(scope=AUTH_FAILURES, limit=rate.limit, count=int(failures or 0), reset_in=reset_in)


def auth_failures_exceeded(request: Request) -> None:
    """Raise Throttled (429) when this address already failed too often this window."""
    usage = failures_usage(client_ip(request), record=False)
    if usage is not None and usage.count >= usage.limit:
        request._request.rate_limit = usage  # type: ignore[attr-defined]
        raise exceptions.Throttled(wait=usage.reset_in)


def count_auth_failure(request: Request) -> None:
    """Count a failed authentication; past the limit the failure becomes a 429."""
    usage = failures_usage(client_ip(request), record=True)
    if usage is None:
        return
    request._request.rate_limit = usage  # type: ignore[attr-defined]
    if usage.exceeded:
        raise exceptions.Throttled(wait=usage.reset_in)
