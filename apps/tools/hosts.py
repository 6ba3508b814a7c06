"""The HTTP tool's allow-list (``TOOLS_HTTP_ALLOWED_HOSTS``): exact host names, or
``.example.com`` for example.com and every subdomain of it. An empty list allows nothing."""

from __future__ import annotations

from collections.abc import Iterable


def _normal(host: str) -> str:
    return host.strip().lower().rstrip(".")


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    host = _normal(host)
    if not host:
        return False
    for rule in allowed:
        rule = rule.strip().lower()
        if rule.startswith("."):
            domain = _normal(rule[1:])
            if domain and (host == domain or host.endswith(f".{domain}")):
                return True
        elif rule and host == _normal(rule):
            return True
    return False
