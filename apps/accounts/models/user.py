"""The platform's user: Django's user with a role that maps to API scopes."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

from apps.accounts.scopes import scopes_for_role

__all__ = ["Role", "User"]


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    OPERATOR = "operator", "Operator"
    ADMIN = "admin", "Admin"


class User(AbstractUser):
    """A person who operates the platform. ``role`` decides what they may do."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "users"
        indexes = [models.Index(fields=["created_at"], name="users_created_at_idx")]
        # "Bob" and "bob" are one person: usernames are unique whatever their case.
        constraints = [models.UniqueConstraint(Lower("username"), name="users_username_ci_uniq")]

    @property
    def is_platform_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def scopes(self) -> frozenset[str]:
        """The API scopes this user's role grants (none while inactive)."""
        return scopes_for_role(self.role, is_superuser=self.is_superuser, is_active=self.is_active)
