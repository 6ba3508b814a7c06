"""``manage.py api_key``."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from apps.accounts.models import ApiKey
from tests.support.api import key_header

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("api_key", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_create_prints_a_working_key_once(operator_user) -> None:
    raw = _run("create", "--user", "otto", "--name", "ci", "--scope", "read:services").strip()
    assert Client().get("/api/v1/events/", **key_header(raw)).status_code == 200
    listing = _run("list")
    assert raw[:14] in listing
    assert raw not in listing
    assert "active" in listing


def test_create_refuses_scopes_the_owner_lacks(viewer_user) -> None:
    with pytest.raises(CommandError, match="write:services"):
        _run("create", "--user", "vera", "--name", "x", "--scope", "write:services")
    with pytest.raises(CommandError, match="No user"):
        _run("create", "--user", "ghost", "--name", "x", "--scope", "read:services")


def test_revoke_by_prefix(operator_user) -> None:
    raw = _run("create", "--user", "otto", "--name", "ci", "--scope", "read:services").strip()
    assert "Revoked ci" in _run("revoke", raw[:14])
    assert ApiKey.objects.get().revoked_at is not None
    assert Client().get("/api/v1/events/", **key_header(raw)).status_code == 401
    with pytest.raises(CommandError):
        _run("revoke", "sp_live_nothing")
