"""API scopes and the roles that grant them (contract: Authentication and authorization)."""

from __future__ import annotations

from collections.abc import Iterable

READ = "read:services"
WRITE = "write:services"
ADMIN = "admin:platform"

ALL_SCOPES: tuple[str, ...] = (READ, WRITE, ADMIN)

SCOPE_DESCRIPTIONS = {
    READ: "Read agents, services, workflows, goals, events and health.",
    WRITE: "Create, change and run agents, services, workflows and goals.",
    ADMIN: "Manage users and everyone's API keys; admin views.",
}

ROLE_SCOPES: dict[str, frozenset[str]] = {
    "viewer": frozenset({READ}),
    "operator": frozenset({READ, WRITE}),
    "admin": frozenset({READ, WRITE, ADMIN}),
}


def scopes_for_role(role: str, *, is_superuser: bool = False, is_active: bool = True) -> frozenset[str]:
    """What a user may do. A superuser counts as an admin; an inactive user may do nothing."""
    if not is_active:
        return frozenset()
    if is_superuser:
        return ROLE_SCOPES["admin"]
    return ROLE_SCOPES.get(role, frozenset())


def unknown_scopes(scopes: Iterable[str]) -> list[str]:
    return sorted(set(scopes) - set(ALL_SCOPES))


def ordered(scopes: Iterable[str]) -> list[str]:
    """Scopes in their canonical order (read, write, admin)."""
    wanted = set(scopes)
    return [scope for scope in ALL_SCOPES if scope in wanted]
