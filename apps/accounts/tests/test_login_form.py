"""The HTML login form is rate limited against password guessing (django-ratelimit)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_eleventh_attempt_in_a_minute_is_refused_without_checking(client: Client, viewer_user) -> None:
    for _ in range(10):
        response = client.post("/accounts/login/", {"username": "vera", "password": "wrong"})
        assert response.status_code == 200  # the form again, with an error
    blocked = client.post("/accounts/login/", {"username": "vera", "password": "correct horse battery"})
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == "60"
    assert b"Too many login attempts" in blocked.content
    assert "_auth_user_id" not in client.session


def test_guessing_one_username_from_many_addresses_is_limited(client: Client, viewer_user) -> None:
    for i in range(10):
        client.post("/accounts/login/", {"username": "vera", "password": "wrong"}, REMOTE_ADDR=f"10.0.0.{i}")
    blocked = client.post("/accounts/login/", {"username": "vera", "password": "wrong"}, REMOTE_ADDR="10.0.1.1")
    assert blocked.status_code == 429


def test_good_login_still_works(client: Client, viewer_user) -> None:
    response = client.post("/accounts/login/", {"username": "vera", "password": "correct horse battery"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(viewer_user.pk)
