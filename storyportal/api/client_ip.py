"""The caller's address, as rate limits and logs see it.

With ``NUM_PROXIES = n`` (n trusted reverse proxies in front, e.g. 1 for nginx) the client is
the n-th address from the right of ``X-Forwarded-For``; with 0 the header is ignored, since
anyone can send it. A value that is not an IP address falls back to ``REMOTE_ADDR``.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_ip(request: Any) -> str:
    remote = request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104  (unknown address; never bound)
    proxies = int(settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0)  # type: ignore[call-overload]
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    candidate = hops[-min(proxies, len(hops))]
    return candidate if _valid(candidate) else remote
