"""Django admin for keys, sessions, users and events."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import ApiKey, User
from tests.support.api import key_header

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    ["/admin/accounts/apikey/", "/admin/accounts/apisession/", "/admin/accounts/user/", "/admin/events/event/"],
)
def test_changelists_render(staff_client: Client, make_key, admin_user, path: str) -> None:
    make_key(admin_user, "read:services")
    assert staff_client.get(path).status_code == 200


def test_revoke_action_revokes(staff_client: Client, make_key, operator_user) -> None:
    raw = make_key(operator_user, "read:services")
    key = ApiKey.objects.get()
    response = staff_client.post(
        "/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [str(key.pk)]}, follow=True
    )
    assert b"Revoked 1 key" in response.content
    assert Client().get("/api/v1/events/", **key_header(raw)).status_code == 401


def test_users_are_deactivated_not_deleted(staff_client: Client, viewer_user) -> None:
    assert staff_client.get(f"/admin/accounts/user/{viewer_user.pk}/delete/").status_code == 403
    staff_client.post("/admin/accounts/user/", {"action": "deactivate", "_selected_action": [str(viewer_user.pk)]})
    assert User.objects.get(pk=viewer_user.pk).is_active is False


def test_events_are_read_only_in_admin(staff_client: Client, make_key, admin_user) -> None:
    from apps.events.models import Event

    make_key(admin_user, "read:services")
    event = Event.objects.get(aggregate_type="ApiKey")
    assert staff_client.get("/admin/events/event/add/").status_code == 403
    assert staff_client.post(f"/admin/events/event/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


def test_admin_form_role_decides_superuser_status(staff_client: Client, admin_user) -> None:
    from apps.accounts.services import user_create

    boss = user_create(username="boss", password="a long passphrase 9", role="admin")
    page = staff_client.get(f"/admin/accounts/user/{boss.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        k: v for k, v in form.initial.items() if v is not None and k not in {"password", "groups", "user_permissions"}
    }
    data.update({"role": "viewer", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "is_active": "on"})
    staff_client.post(f"/admin/accounts/user/{boss.pk}/change/", data)
    boss.refresh_from_db()
    assert boss.role == "viewer"
    assert not boss.is_superuser
    assert not boss.is_staff
