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


def test_admin_login_shares_the_limit(client: Client, admin_user) -> None:
    for _ in range(10):
        client.post("/admin/login/", {"username": "ada", "password": "wrong"})
    blocked = client.post("/admin/login/", {"username": "ada", "password": "correct horse battery"})
    assert blocked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/login/").status_code == 200


def test_admin_login_still_logs_in(client: Client, admin_user) -> None:
    response = client.post("/admin/login/?next=/admin/", {"username": "ada", "password": "correct horse battery"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_behind_a_proxy_clients_have_their_own_login_budget(client: Client, viewer_user, settings) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for _ in range(10):
        client.post("/accounts/login/", {"username": f"x{_}", "password": "wrong"}, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert (
        client.post(
            "/accounts/login/", {"username": "y", "password": "w"}, HTTP_X_FORWARDED_FOR="203.0.113.5"
        ).status_code
        == 429
    )
    other = client.post(
        "/accounts/login/",
        {"username": "vera", "password": "correct horse battery"},
        HTTP_X_FORWARDED_FOR="203.0.113.6",
    )
    assert other.status_code == 302
