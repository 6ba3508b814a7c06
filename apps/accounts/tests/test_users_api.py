"""``users/`` (admin only) and ``users/me/`` (contract, Resources)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.events.models import Event
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_admin_creates_a_user_with_a_role(admin_client: Client) -> None:
    response = send(
        admin_client,
        "post",
        "/api/v1/users/",
        {"username": "nina", "password": "a long passphrase 9", "role": "operator"},
    )
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("username", "role", "is_active")} == {
        "username": "nina",
        "role": "operator",
        "is_active": True,
    }
    assert body["scopes"] == ["read:services", "write:services"]
    assert "password" not in body
    assert User.objects.get(username="nina").check_password("a long passphrase 9")
    assert Event.objects.filter(aggregate_type="User", event_type="UserCreated").count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "nina", "password": "123"}, "password"),
        ({"username": "nina", "password": "password"}, "password"),
        ({"username": "nina"}, "password"),
        ({"password": "a long passphrase 9"}, "username"),
        ({"username": "bad name!", "password": "a long passphrase 9"}, "username"),
        ({"username": "ada", "password": "a long passphrase 9"}, "username"),
        ({"username": "nina", "password": "a long passphrase 9", "role": "god"}, "role"),
        ({"username": "nina", "password": "a long passphrase 9", "email": "not-an-email"}, "email"),
    ],
)
def test_bad_user_input_is_400_naming_the_field(admin_client: Client, payload, field) -> None:
    body = assert_envelope(send(admin_client, "post", "/api/v1/users/", payload), 400, "invalid_request")
    assert field in body["details"]


def test_list_filters_and_orders(admin_client: Client, viewer_user, operator_user) -> None:
    names = [u["username"] for u in admin_client.get("/api/v1/users/?ordering=-username").json()["results"]]
    assert names == ["vera", "otto", "ada"]
    viewers = admin_client.get("/api/v1/users/?role=viewer").json()
    assert viewers["count"] == 1
    assert viewers["results"][0]["username"] == "vera"
    assert_envelope(admin_client.get("/api/v1/users/?ordering=password"), 400)
    assert_envelope(admin_client.get("/api/v1/users/?role=god"), 400)


def test_patch_changes_role_and_deactivates(admin_client: Client, viewer_user) -> None:
    response = send(
        admin_client, "patch", f"/api/v1/users/{viewer_user.pk}/", {"role": "operator", "email": "v@example.com"}
    )
    assert response.status_code == 200
    assert response.json()["role"] == "operator"
    off = send(admin_client, "patch", f"/api/v1/users/{viewer_user.pk}/", {"is_active": False})
    assert off.json()["is_active"] is False
    assert not User.objects.get(pk=viewer_user.pk).is_active


def test_delete_deactivates_and_keeps_the_row(admin_client: Client, viewer_user) -> None:
    assert admin_client.delete(f"/api/v1/users/{viewer_user.pk}/").status_code == 204
    user = User.objects.get(pk=viewer_user.pk)
    assert user.is_active is False
    assert Event.objects.filter(event_type="UserDeactivated").count() == 1


def test_admin_cannot_deactivate_or_demote_themselves(admin_client: Client, admin_user) -> None:
    assert_envelope(admin_client.delete(f"/api/v1/users/{admin_user.pk}/"), 409, "conflict")
    assert_envelope(send(admin_client, "patch", f"/api/v1/users/{admin_user.pk}/", {"role": "viewer"}), 409)
    assert User.objects.get(pk=admin_user.pk).is_active


def test_unknown_user_is_404(admin_client: Client) -> None:
    assert_envelope(admin_client.get("/api/v1/users/999999/"), 404)
    assert_envelope(admin_client.get("/api/v1/users/abc/"), 404)


def test_users_is_admin_only(viewer_client: Client, operator_user) -> None:
    assert_envelope(viewer_client.get("/api/v1/users/"), 403, "permission_denied")
    assert_envelope(
        send(viewer_client, "post", "/api/v1/users/", {"username": "x", "password": "a long passphrase 9"}), 403
    )
    assert_envelope(Client().get("/api/v1/users/"), 401, "not_authenticated")


def test_me_is_for_everyone_authenticated(viewer_client: Client) -> None:
    body = viewer_client.get("/api/v1/users/me/").json()
    assert body["username"] == "vera"
    assert body["role"] == "viewer"
    assert_envelope(Client().get("/api/v1/users/me/"), 401)


def test_password_change_through_patch(admin_client: Client, viewer_user) -> None:
    send(admin_client, "patch", f"/api/v1/users/{viewer_user.pk}/", {"password": "another passphrase 7"})
    assert User.objects.get(pk=viewer_user.pk).check_password("another passphrase 7")
    event = Event.objects.filter(event_type="UserUpdated").get()
    assert event.payload["changed"] == ["password"]
    assert "another passphrase 7" not in str(event.payload)


def test_demoting_a_superuser_removes_its_powers(admin_client: Client, admin_user) -> None:
    from apps.accounts.services import user_create

    boss = user_create(username="boss", password="a long passphrase 9", role="admin")
    assert boss.is_superuser
    assert boss.is_staff
    body = send(admin_client, "patch", f"/api/v1/users/{boss.pk}/", {"role": "viewer"}).json()
    assert body["scopes"] == ["read:services"]
    boss.refresh_from_db()
    assert not boss.is_superuser
    assert not boss.is_staff


def test_updates_that_change_nothing_record_nothing(admin_client: Client, viewer_user) -> None:
    before = Event.objects.count()
    assert send(admin_client, "patch", f"/api/v1/users/{viewer_user.pk}/", {"username": "ignored"}).status_code == 200
    assert send(admin_client, "put", f"/api/v1/users/{viewer_user.pk}/", {"role": "viewer"}).status_code == 200
    assert Event.objects.count() == before
    send(admin_client, "patch", f"/api/v1/users/{viewer_user.pk}/", {"role": "operator", "email": ""})
    assert Event.objects.filter(event_type="UserUpdated").get().payload["changed"] == ["role"]
