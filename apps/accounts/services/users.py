"""Writes on users. Users are never deleted, only deactivated."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from apps.accounts.models import Role, User
from apps.events.services import event_append
from storyportal.api.exceptions import Conflict

# Users have integer ids; their event stream is keyed by a stable UUID derived from it.
USER_AGGREGATE_NAMESPACE = uuid.UUID("6f1d7a52-4c1e-4d55-9b7e-2f5c8f0a9e11")
UPDATABLE_FIELDS = ("email", "role", "is_active", "first_name", "last_name")


def user_aggregate_id(user_id: int) -> uuid.UUID:
    return uuid.uuid5(USER_AGGREGATE_NAMESPACE, str(user_id))


def _public(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "role": user.role,
        "is_active": user.is_active,
    }


def _record(user: User, event_type: str, **extra: Any) -> None:
    event_append(
        aggregate_type="User",
        aggregate_id=user_aggregate_id(user.pk),
        event_type=event_type,
        payload={**_public(user), **extra},
    )


@transaction.atomic
def user_create(*, username: str, password: str, email: str = "", role: str = Role.VIEWER) -> User:
    """A new active user with ``role``; admins also get the Django admin (``is_staff``)."""
    user = User(username=username, email=email, role=role)
    apply_role(user, role)
    user.set_password(password)
    user.save()
    _record(user, "UserCreated")
    return user


@transaction.atomic
def user_update(*, user: User, acting_user: User, password: str | None = None, **changes: Any) -> User:
    """Change a user's profile, role, activity or password. An admin cannot deactivate or
    demote themselves, so the platform never locks its last admin out by accident."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    if user.pk == acting_user.pk and (changes.get("is_active") is False or changes.get("role", user.role) != user.role):
        raise Conflict("You cannot deactivate yourself or change your own role.")
    changed = sorted(field for field, value in changes.items() if getattr(user, field) != value)
    for field in changed:
        setattr(user, field, changes[field])
    if "role" in changed:
        apply_role(user, changes["role"])
    if password:
        user.set_password(password)
        changed.append("password")
    if not changed:
        return user  # nothing to save, nothing to record
    user.save()
    deactivated = "is_active" in changed and not user.is_active
    _record(user, "UserDeactivated" if deactivated else "UserUpdated", changed=changed)
    return user


def apply_role(user: User, role: str) -> None:
    """The role decides everything: admins get the Django admin in full (staff and superuser),
    other roles neither, so a demoted superuser really loses its powers."""
    user.role = role
    user.is_staff = user.is_superuser = role == Role.ADMIN


def user_deactivate(*, user: User, acting_user: User) -> User:
    """Deactivate: the user's tokens, sessions and keys stop working on the next request."""
    return user_update(user=user, acting_user=acting_user, is_active=False)
