"""Writes on users."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction

from apps.accounts.models import Role, User


@dataclass(frozen=True)
class AdminEnsured:
    user: User
    created: bool
    generated_password: str | None


@transaction.atomic
def admin_ensure(*, username: str | None, password: str | None, email: str = "") -> AdminEnsured:
    """Make sure an admin exists (contract, Running).

    With a username and password: that user exists, is an active superuser with the admin role
    and has exactly that password. Without: if no admin exists yet, create ``admin`` with a
    random password and return it so the caller can print it once.
    """
    if username and password:
        user, created = User.objects.select_for_update().get_or_create(username=username, defaults={"email": email})
        user.set_password(password)
        _make_admin(user)
        return AdminEnsured(user=user, created=created, generated_password=None)

    existing = User.objects.filter(is_superuser=True).order_by("pk").first()
    if existing is not None:
        return AdminEnsured(user=existing, created=False, generated_password=None)
    generated = secrets.token_urlsafe(12)
    name = username or "admin"
    user = User.objects.filter(username=name).first() or User(username=name, email=email)
    user.set_password(generated)
    _make_admin(user)
    return AdminEnsured(user=user, created=True, generated_password=generated)


def _make_admin(user: User) -> None:
    user.is_active = user.is_staff = user.is_superuser = True
    user.role = Role.ADMIN
    user.save()
