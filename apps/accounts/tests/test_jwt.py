"""RS256 JWTs (contract: Authentication; spec 2.1) and the tokens an attacker would try."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from django.conf import settings
from django.test import Client

from apps.accounts.services import user_deactivate
from tests.support.api import assert_envelope, bearer, send

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def _tokens(client: Client, username: str) -> dict[str, str]:
    response = send(client, "post", "/api/v1/auth/token/", {"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(header: dict[str, str], claims: dict[str, object], key: bytes | None) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest() if key else b""
    return f"{signing_input}.{_b64(signature)}"


def test_access_token_is_rs256_with_issuer_and_one_hour_life(client: Client, viewer_user) -> None:
    tokens = _tokens(client, "vera")
    header = jwt.get_unverified_header(tokens["access"])
    claims = jwt.decode(tokens["access"], settings.JWT_PUBLIC_KEY, algorithms=["RS256"], issuer="story-portal-platform")
    assert header["alg"] == "RS256"
    assert claims["exp"] - claims["iat"] == 3600
    assert int(claims["user_id"]) == viewer_user.pk
    refresh = jwt.decode(
        tokens["refresh"], settings.JWT_PUBLIC_KEY, algorithms=["RS256"], issuer="story-portal-platform"
    )
    assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600


def test_bearer_token_authenticates(client: Client, viewer_user) -> None:
    access = _tokens(client, "vera")["access"]
    response = client.get("/api/v1/users/me/", **bearer(access))
    assert response.status_code == 200
    assert response.json()["username"] == "vera"
    assert response.json()["scopes"] == ["read:services"]


def test_wrong_password_is_401(client: Client, viewer_user) -> None:
    response = send(client, "post", "/api/v1/auth/token/", {"username": "vera", "password": "nope"})
    assert_envelope(response, 401, "not_authenticated")


def test_missing_fields_are_400_naming_them(client: Client) -> None:
    body = assert_envelope(send(client, "post", "/api/v1/auth/token/", {}), 400, "invalid_request")
    assert set(body["details"]) == {"username", "password"}


def test_refresh_rotates_and_the_old_refresh_token_is_dead(client: Client, viewer_user) -> None:
    first = _tokens(client, "vera")
    rotated = send(client, "post", "/api/v1/auth/token/refresh/", {"refresh": first["refresh"]})
    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    assert rotated.json()["refresh"] != first["refresh"]
    again = send(client, "post", "/api/v1/auth/token/refresh/", {"refresh": first["refresh"]})
    assert_envelope(again, 401)


def test_logout_blacklists_the_refresh_token(client: Client, viewer_user) -> None:
    tokens = _tokens(client, "vera")
    assert send(client, "post", "/api/v1/auth/logout/", {"refresh": tokens["refresh"]}).status_code == 200
    assert_envelope(send(client, "post", "/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}), 401)


def test_verify_accepts_good_and_refuses_bad_tokens(client: Client, viewer_user) -> None:
    access = _tokens(client, "vera")["access"]
    assert send(client, "post", "/api/v1/auth/token/verify/", {"token": access}).status_code == 200
    assert_envelope(send(client, "post", "/api/v1/auth/token/verify/", {"token": access[:-4] + "AAAA"}), 401)


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "", "Bearer"])
def test_garbage_tokens_are_401(client: Client, token: str) -> None:
    assert_envelope(client.get("/api/v1/events/", HTTP_AUTHORIZATION=f"Bearer {token}"), 401)


def test_expired_token_is_401(client: Client, viewer_user) -> None:
    now = int(time.time())
    claims = {
        "token_type": "access", "user_id": str(viewer_user.pk), "iat": now - 7200, "exp": now - 3600,
        "jti": "x", "iss": "story-portal-platform",
    }  # fmt: skip
    expired = jwt.encode(claims, settings.JWT_PRIVATE_KEY, algorithm="RS256")
    assert_envelope(client.get("/api/v1/events/", **bearer(expired)), 401)


def test_alg_none_token_is_401(client: Client, admin_user) -> None:
    claims = {"token_type": "access", "user_id": str(admin_user.pk), "exp": int(time.time()) + 600, "jti": "x"}
    forged = _forge({"alg": "none", "typ": "JWT"}, {**claims, "iss": "story-portal-platform"}, None)
    assert_envelope(client.get("/api/v1/users/", **bearer(forged)), 401)


def test_hs256_signed_with_the_public_key_is_401(client: Client, admin_user) -> None:
    claims = {
        "token_type": "access", "user_id": str(admin_user.pk), "exp": int(time.time()) + 600, "jti": "x",
        "iss": "story-portal-platform",
    }  # fmt: skip
    forged = _forge({"alg": "HS256", "typ": "JWT"}, claims, settings.JWT_PUBLIC_KEY.encode())
    assert_envelope(client.get("/api/v1/users/", **bearer(forged)), 401)


def test_token_signed_by_another_key_is_401(client: Client, admin_user) -> None:
    from storyportal.settings.dev import _rsa_pair

    other_private, _ = _rsa_pair()
    claims = {
        "token_type": "access", "user_id": str(admin_user.pk), "exp": int(time.time()) + 600, "jti": "x",
        "iss": "story-portal-platform",
    }  # fmt: skip
    assert_envelope(client.get("/api/v1/users/", **bearer(jwt.encode(claims, other_private, algorithm="RS256"))), 401)


def test_deactivated_users_token_stops_working_at_once(client: Client, viewer_user, admin_user) -> None:
    access = _tokens(client, "vera")["access"]
    assert client.get("/api/v1/events/", **bearer(access)).status_code == 200  # now cached
    user_deactivate(user=viewer_user, acting_user=admin_user)
    assert_envelope(client.get("/api/v1/events/", **bearer(access)), 401)
    assert_envelope(send(client, "post", "/api/v1/auth/token/", {"username": "vera", "password": PASSWORD}), 401)


def test_role_change_applies_to_existing_tokens(client: Client, viewer_user, admin_user) -> None:
    from apps.accounts.services import user_update

    access = _tokens(client, "vera")["access"]
    assert_envelope(client.get("/api/v1/users/", **bearer(access)), 403, "permission_denied")
    user_update(user=viewer_user, acting_user=admin_user, role="admin")
    assert client.get("/api/v1/users/", **bearer(access)).status_code == 200


def test_issued_refresh_tokens_are_stored_as_digests_only(client: Client, viewer_user) -> None:
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    first = _tokens(client, "vera")
    rotated = send(client, "post", "/api/v1/auth/token/refresh/", {"refresh": first["refresh"]}).json()
    stored = list(OutstandingToken.objects.values_list("token", flat=True))
    assert len(stored) == 2
    assert all(t.startswith("sha256:") for t in stored)
    assert first["refresh"] not in stored
    assert rotated["refresh"] not in stored
    assert_envelope(send(client, "post", "/api/v1/auth/token/refresh/", {"refresh": first["refresh"]}), 401)
