"""``sessions/`` (contract; spec 3.3): Redis ``session:{id}`` with a 1 h TTL renewed on use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import ApiSession
from storyportal import kv
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db


def _create(client: Client, data: dict, capture) -> dict:
    with capture(execute=True):
        response = send(client, "post", "/api/v1/sessions/", {"data": data})
    assert response.status_code == 201, response.content
    return response.json()


def test_create_stores_in_redis_with_one_hour_ttl_and_a_row(viewer_client, django_capture_on_commit_callbacks) -> None:
    body = _create(viewer_client, {"cart": [1, 2]}, django_capture_on_commit_callbacks)
    assert body["user"] == "vera"
    assert body["data"] == {"cart": [1, 2]}
    key = f"session:{body['id']}"
    assert kv.get_json(key)["data"] == {"cart": [1, 2]}
    assert 3590 <= kv.client().ttl(key) <= 3600
    row = ApiSession.objects.get(pk=body["id"])
    assert abs((row.expires_at - timezone.now()).total_seconds() - 3600) < 10


def test_reading_renews_the_ttl(viewer_client, django_capture_on_commit_callbacks) -> None:
    body = _create(viewer_client, {}, django_capture_on_commit_callbacks)
    kv.client().expire(f"session:{body['id']}", 100)
    with django_capture_on_commit_callbacks(execute=True):
        assert viewer_client.get(f"/api/v1/sessions/{body['id']}/").status_code == 200
    assert kv.client().ttl(f"session:{body['id']}") > 3500


def test_put_replaces_and_patch_merges(viewer_client, django_capture_on_commit_callbacks) -> None:
    body = _create(viewer_client, {"a": 1, "b": 2}, django_capture_on_commit_callbacks)
    url = f"/api/v1/sessions/{body['id']}/"
    with django_capture_on_commit_callbacks(execute=True):
        assert send(viewer_client, "patch", url, {"data": {"b": 3, "c": 4}}).json()["data"] == {"a": 1, "b": 3, "c": 4}
    assert kv.get_json(f"session:{body['id']}")["data"] == {"a": 1, "b": 3, "c": 4}
    assert send(viewer_client, "put", url, {"data": {"z": 0}}).json()["data"] == {"z": 0}
    assert ApiSession.objects.get(pk=body["id"]).data == {"z": 0}


def test_redis_copy_lost_falls_back_to_the_row(viewer_client, django_capture_on_commit_callbacks) -> None:
    body = _create(viewer_client, {"keep": True}, django_capture_on_commit_callbacks)
    kv.delete(f"session:{body['id']}")
    with django_capture_on_commit_callbacks(execute=True):
        assert viewer_client.get(f"/api/v1/sessions/{body['id']}/").json()["data"] == {"keep": True}
    assert kv.get_json(f"session:{body['id']}")["data"] == {"keep": True}


def test_delete_removes_row_and_redis_key(viewer_client, django_capture_on_commit_callbacks) -> None:
    body = _create(viewer_client, {}, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert viewer_client.delete(f"/api/v1/sessions/{body['id']}/").status_code == 204
    assert kv.get_json(f"session:{body['id']}") is None
    assert not ApiSession.objects.exists()
    assert_envelope(viewer_client.get(f"/api/v1/sessions/{body['id']}/"), 404)


def test_expired_session_is_404(viewer_client, viewer_user) -> None:
    session = ApiSession.objects.create(user=viewer_user, data={}, expires_at=timezone.now() - timedelta(seconds=1))
    assert_envelope(viewer_client.get(f"/api/v1/sessions/{session.pk}/"), 404, "session_expired")


def test_others_sessions_are_invisible_except_to_admins(viewer_user, operator_user, admin_user) -> None:
    session = ApiSession.objects.create(user=operator_user, data={}, expires_at=timezone.now() + timedelta(hours=1))
    viewer = Client()
    viewer.force_login(viewer_user)
    assert_envelope(viewer.get(f"/api/v1/sessions/{session.pk}/"), 404)
    assert viewer.get("/api/v1/sessions/").json()["count"] == 0
    admin = Client()
    admin.force_login(admin_user)
    assert admin.get(f"/api/v1/sessions/{session.pk}/").status_code == 200


@pytest.mark.parametrize("payload", [{"data": "text"}, {"data": [1]}, {"data": None}])
def test_data_must_be_an_object(viewer_client, payload) -> None:
    body = assert_envelope(send(viewer_client, "post", "/api/v1/sessions/", payload), 400)
    assert "data" in body["details"]


def test_sessions_need_authentication() -> None:
    assert_envelope(Client().get("/api/v1/sessions/"), 401)


def test_purge_drops_only_long_expired_rows(viewer_user) -> None:
    from apps.accounts.tasks import sessions_purge

    now = timezone.now()
    old = ApiSession.objects.create(user=viewer_user, data={}, expires_at=now - timedelta(days=2))
    recent = ApiSession.objects.create(user=viewer_user, data={}, expires_at=now - timedelta(hours=1))
    live = ApiSession.objects.create(user=viewer_user, data={}, expires_at=now + timedelta(hours=1))
    assert sessions_purge() == 1
    assert set(ApiSession.objects.values_list("pk", flat=True)) == {recent.pk, live.pk}
    assert not ApiSession.objects.filter(pk=old.pk).exists()
