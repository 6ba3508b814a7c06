"""The custom user model and the admin that `make run` ensures."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from apps.accounts.models import Role, User
from apps.accounts.services import admin_ensure

pytestmark = pytest.mark.django_db


def test_new_users_are_viewers() -> None:
    user = User.objects.create_user(username="new", password="x")
    assert user.role == Role.VIEWER
    assert not user.is_platform_admin


def test_user_table_is_named_users() -> None:
    assert User._meta.db_table == "users"


def test_generated_admin_is_created_once() -> None:
    first = admin_ensure(username=None, password=None)
    assert first.created
    assert first.generated_password
    assert first.user.check_password(first.generated_password)
    assert first.user.role == Role.ADMIN
    assert first.user.is_superuser
    second = admin_ensure(username=None, password=None)
    assert not second.created
    assert second.generated_password is None
    assert User.objects.filter(is_superuser=True).count() == 1


def test_admin_from_settings_gets_that_password_and_role() -> None:
    User.objects.create_user(username="boss", password="old", role=Role.VIEWER)
    result = admin_ensure(username="boss", password="n3w-Secret!")
    user = User.objects.get(username="boss")
    assert not result.created
    assert user.check_password("n3w-Secret!")
    assert user.role == Role.ADMIN
    assert user.is_superuser
    assert user.is_staff


def test_ensure_admin_prints_generated_credentials_once(monkeypatch) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    assert "password:" in out.getvalue()
    again = StringIO()
    call_command("ensure_admin", stdout=again)
    assert "password:" not in again.getvalue()


def test_ensure_admin_uses_environment(monkeypatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root-op")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "s3cret-pass!")
    call_command("ensure_admin", stdout=StringIO())
    assert User.objects.get(username="root-op").check_password("s3cret-pass!")
