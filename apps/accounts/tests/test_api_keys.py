"""API keys (contract: api-keys/; spec 2.1): format, storage, scopes, revocation, expiry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_revoke, user_deactivate, user_update
from storyportal import kv, redis_keys
from storyportal.api.credentials import key_hash
from tests.support.api import assert_envelope, key_header, send

pytestmark = pytest.mark.django_db
KEY_FORMAT = re.compile(r"^sp_live_[A-Za-z0-9]{32}$")


def test_create_shows_the_key_once_and_stores_only_a_salted_hash(client: Client, operator_user) -> None:
    client.force_login(operator_user)
    response = send(client, "post", "/api/v1/api-keys/", {"name": "ci", "scopes": ["read:services"]})
    assert response.status_code == 201
    body = response.json()
    assert KEY_FORMAT.match(body["key"])
    assert body["prefix"] == body["key"][:14]
    assert body["scopes"] == ["read:services"]
    assert body["owner"] == "otto"
    row = ApiKey.objects.get(pk=body["id"])
    assert row.key_hash == key_hash(body["key"]) != body["key"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_keys")
        assert body["key"] not in repr(cursor.fetchall())
    listed = client.get("/api/v1/api-keys/")
    assert body["key"] not in listed.content.decode()
    assert "key" not in listed.json()["results"][0]
    assert "key" not in client.get(f"/api/v1/api-keys/{body['id']}/").json()


def test_keys_are_random(make_key, operator_user) -> None:
    keys = {make_key(operator_user, "read:services") for _ in range(20)}
    assert len(keys) == 20


def test_key_authenticates_with_its_scopes(client: Client, make_key, operator_user) -> None:
    raw = make_key(operator_user, "read:services")
    assert client.get("/api/v1/events/", **key_header(raw)).status_code == 200
    denied = send(client, "post", "/api/v1/sessions/", {"data": {}}, **key_header(raw))
    assert denied.status_code == 201  # sessions need only authentication
    assert_envelope(client.get("/api/v1/users/", **key_header(raw)), 403, "permission_denied")


def test_revoked_key_gets_401_on_the_next_request(client: Client, make_key, operator_user) -> None:
    raw = make_key(operator_user, "read:services")
    assert client.get("/api/v1/events/", **key_header(raw)).status_code == 200  # cached now
    client.force_login(operator_user)
    key_id = ApiKey.objects.get(key_hash=key_hash(raw)).pk
    assert client.delete(f"/api/v1/api-keys/{key_id}/").status_code == 204
    anonymous = Client()
    body = assert_envelope(anonymous.get("/api/v1/events/", **key_header(raw)), 401, "not_authenticated")
    assert "revoked" in body["message"]
    assert ApiKey.objects.get(pk=key_id).revoked_at is not None  # kept, marked revoked


def test_revocation_reaches_the_cache_after_commit(make_key, operator_user, django_capture_on_commit_callbacks) -> None:
    raw = make_key(operator_user, "read:services")
    client = Client()
    client.get("/api/v1/events/", **key_header(raw))
    with django_capture_on_commit_callbacks(execute=True):
        api_key_revoke(api_key=ApiKey.objects.get(key_hash=key_hash(raw)))
    cached = kv.get_json(f"apikey:{key_hash(raw)}")
    assert cached["revoked"] is True
    assert 0 < kv.client().ttl(f"apikey:{key_hash(raw)}") <= 300


def test_expired_key_gets_401(client: Client, make_key, operator_user) -> None:
    raw = make_key(operator_user, "read:services", expires_at=timezone.now() + timedelta(hours=1))
    assert client.get("/api/v1/events/", **key_header(raw)).status_code == 200
    ApiKey.objects.filter(key_hash=key_hash(raw)).update(expires_at=timezone.now() - timedelta(seconds=1))
    kv.delete(f"apikey:{key_hash(raw)}")  # what an expiry looks like once the cache entry is refreshed
    body = assert_envelope(client.get("/api/v1/events/", **key_header(raw)), 401)
    assert "expired" in body["message"]


def test_expiry_is_checked_on_every_request_even_when_cached(client: Client, make_key, operator_user) -> None:
    raw = make_key(operator_user, "read:services", expires_at=timezone.now() + timedelta(seconds=1))
    assert client.get("/api/v1/events/", **key_header(raw)).status_code == 200
    cached = kv.get_json(f"apikey:{key_hash(raw)}")
    cached["expires_at"] = (timezone.now() - timedelta(seconds=1)).isoformat()
    kv.client().set(f"apikey:{key_hash(raw)}", __import__("json").dumps(cached))
    assert_envelope(client.get("/api/v1/events/", **key_header(raw)), 401)


@pytest.mark.parametrize(
    "raw",
    ["sp_live_short", "sp_test_" + "a" * 32, "sp_live_" + "a" * 31 + "!", "sp_live_" + "A" * 32, "", "x" * 5000],
)
def test_malformed_or_unknown_keys_get_401(client: Client, raw: str) -> None:
    assert_envelope(client.get("/api/v1/events/", **key_header(raw)), 401, "not_authenticated")


def test_key_cannot_hold_a_scope_its_owner_lacks(client: Client, viewer_user) -> None:
    client.force_login(viewer_user)
    response = send(client, "post", "/api/v1/api-keys/", {"name": "x", "scopes": ["read:services", "write:services"]})
    body = assert_envelope(response, 403, "scope_not_held")
    assert body["details"] == {"scopes": ["write:services"]}
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "scopes": ["root:everything"]}, "scopes"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "x", "scopes": "read:services"}, "scopes"),
        ({"scopes": ["read:services"]}, "name"),
        ({"name": "x" * 101, "scopes": ["read:services"]}, "name"),
        ({"name": "x", "scopes": ["read:services"], "expires_at": "yesterday"}, "expires_at"),
        ({"name": "x", "scopes": ["read:services"], "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
    ],
)
def test_bad_key_requests_are_400_naming_the_field(client: Client, operator_user, payload, field) -> None:
    client.force_login(operator_user)
    body = assert_envelope(send(client, "post", "/api/v1/api-keys/", payload), 400, "invalid_request")
    assert field in body["details"]


def test_demoted_owner_takes_the_keys_scopes_down_too(client: Client, make_key, admin_user, operator_user) -> None:
    raw = make_key(admin_user, "read:services", "admin:platform")
    assert client.get("/api/v1/users/", **key_header(raw)).status_code == 200
    user_update(user=admin_user, acting_user=operator_user, role="operator")
    assert_envelope(client.get("/api/v1/users/", **key_header(raw)), 403, "permission_denied")


def test_deactivated_owners_keys_get_401(client: Client, make_key, operator_user, admin_user) -> None:
    raw = make_key(operator_user, "read:services")
    assert client.get("/api/v1/events/", **key_header(raw)).status_code == 200
    user_deactivate(user=operator_user, acting_user=admin_user)
    assert_envelope(client.get("/api/v1/events/", **key_header(raw)), 401)


def test_a_key_cannot_mint_a_stronger_key(client: Client, make_key, admin_user) -> None:
    raw = make_key(admin_user, "read:services", "admin:platform")
    response = send(client, "post", "/api/v1/api-keys/", {"name": "k", "scopes": ["write:services"]}, **key_header(raw))
    assert_envelope(response, 403, "scope_not_held")


def test_last_used_at_is_stamped_at_most_once_a_minute(client: Client, make_key, operator_user) -> None:
    raw = make_key(operator_user, "read:services")
    assert ApiKey.objects.get().last_used_at is None
    client.get("/api/v1/events/", **key_header(raw))
    first = ApiKey.objects.get().last_used_at
    assert first is not None
    client.get("/api/v1/events/", **key_header(raw))
    assert ApiKey.objects.get().last_used_at == first


def test_users_see_their_own_keys_and_admins_see_all(
    client: Client, make_key, operator_user, viewer_user, admin_user
) -> None:
    make_key(operator_user, "read:services", name="otto's")
    make_key(viewer_user, "read:services", name="vera's")
    client.force_login(viewer_user)
    assert [k["name"] for k in client.get("/api/v1/api-keys/").json()["results"]] == ["vera's"]
    client.force_login(admin_user)
    assert {k["name"] for k in client.get("/api/v1/api-keys/").json()["results"]} == {"otto's", "vera's"}


def test_revoking_someone_elses_key_is_404_and_admins_may(
    client: Client, make_key, operator_user, viewer_user, admin_user
) -> None:
    make_key(operator_user, "read:services")
    key_id = ApiKey.objects.get().pk
    client.force_login(viewer_user)
    assert_envelope(client.delete(f"/api/v1/api-keys/{key_id}/"), 404, "not_found")
    assert ApiKey.objects.get().revoked_at is None
    client.force_login(admin_user)
    assert client.delete(f"/api/v1/api-keys/{key_id}/").status_code == 204
    assert ApiKey.objects.get().revoked_at is not None


def test_unknown_or_malformed_key_id_is_404(client: Client, operator_user) -> None:
    client.force_login(operator_user)
    assert_envelope(client.get("/api/v1/api-keys/00000000-0000-0000-0000-000000000000/"), 404)
    assert_envelope(client.get("/api/v1/api-keys/not-a-uuid/"), 404)


def test_key_events_are_recorded(client: Client, make_key, operator_user) -> None:
    from apps.events.models import Event

    make_key(operator_user, "read:services")
    api_key_revoke(api_key=ApiKey.objects.get())
    events = list(Event.objects.filter(aggregate_type="ApiKey").order_by("sequence_number"))
    assert [e.event_type for e in events] == ["ApiKeyCreated", "ApiKeyRevoked"]
    assert [e.sequence_number for e in events] == [1, 2]
    assert "key" not in events[0].payload
    assert "key_hash" not in events[0].payload


def test_keys_cannot_manage_keys_unless_admin(client: Client, make_key, operator_user, admin_user) -> None:
    raw = make_key(operator_user, "read:services", "write:services")
    other = make_key(operator_user, "read:services", name="other")
    other_id = ApiKey.objects.get(key_hash=key_hash(other)).pk
    assert client.get("/api/v1/api-keys/", **key_header(raw)).status_code == 200
    create = send(client, "post", "/api/v1/api-keys/", {"name": "k", "scopes": ["read:services"]}, **key_header(raw))
    assert_envelope(create, 403, "permission_denied")
    assert_envelope(client.delete(f"/api/v1/api-keys/{other_id}/", **key_header(raw)), 403)
    admin_key = make_key(admin_user, "admin:platform", "read:services")
    made = send(
        client, "post", "/api/v1/api-keys/", {"name": "k", "scopes": ["read:services"]}, **key_header(admin_key)
    )
    assert made.status_code == 201


def test_user_filter_does_not_reveal_which_users_exist(client: Client, make_key, viewer_user, admin_user) -> None:
    make_key(viewer_user, "read:services")
    client.force_login(viewer_user)
    assert client.get(f"/api/v1/api-keys/?user={admin_user.pk}").json()["count"] == 0
    assert client.get("/api/v1/api-keys/?user=999999").json()["count"] == 0
    assert client.get(f"/api/v1/api-keys/?user={viewer_user.pk}").json()["count"] == 1
    assert_envelope(client.get("/api/v1/api-keys/?user=abc"), 400)
    assert client.get("/api/v1/api-keys/?revoked=false").json()["count"] == 1


@pytest.mark.django_db(transaction=True)
def test_committed_revocation_wins_over_a_stale_reader(make_key, operator_user) -> None:
    """Real commits: the revoke's post-commit SET lands, and a reader that loaded the key
    before the commit cannot put the unrevoked copy back (it only ever uses SET NX)."""
    from apps.accounts import selectors

    raw = make_key(operator_user, "read:services")
    client = Client()
    assert client.get("/api/v1/events/", **key_header(raw)).status_code == 200
    stale = selectors.api_key_record(key_hash(raw))
    assert stale is not None
    client.force_login(operator_user)
    assert client.delete(f"/api/v1/api-keys/{stale.id}/").status_code == 204
    cache_key = f"apikey:{key_hash(raw)}"
    assert kv.get_json(cache_key)["revoked"] is True
    kv.set_json(redis_keys.API_KEY, cache_key, stale.to_json(), only_new=True)
    assert kv.get_json(cache_key)["revoked"] is True
    assert Client().get("/api/v1/events/", **key_header(raw)).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_committed_deactivation_refreshes_the_user_cache(make_key, operator_user, admin_user) -> None:
    raw = make_key(operator_user, "read:services")
    assert Client().get("/api/v1/events/", **key_header(raw)).status_code == 200
    user_deactivate(user=operator_user, acting_user=admin_user)
    assert kv.get_json(f"user:{operator_user.pk}")["is_active"] is False
    assert Client().get("/api/v1/events/", **key_header(raw)).status_code == 401
