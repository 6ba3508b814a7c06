"""The API keys page of the control center: create (key shown once), list, revoke."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import ApiKey, User

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "/settings/api-keys"
RAW_KEY = re.compile(r"sp_live_[A-Za-z0-9]{32}")


def _revoke_url(api_key: ApiKey) -> str:
    return f"{PAGE}/{api_key.id}/revoke"


def _checkbox(html: str, scope: str) -> str:
    match = re.search(rf'<input type="checkbox" name="scopes" value="{scope}"[^>]*>', html)
    assert match, f"no checkbox for {scope}"
    return match.group(0)


def _create(client: Client, **data: object) -> str:
    """Create a key through the page and return the raw key it displays."""
    response = client.post(PAGE, {"name": "ci", "scopes": ["read:services"], **data})
    assert response.status_code == 200, response.content.decode()
    found = RAW_KEY.findall(response.content.decode())
    assert len(found) == 1
    return found[0]


def _events(raw: str):
    return Client().get("/api/v1/events/", HTTP_X_API_KEY=raw)


@pytest.fixture
def operator_client(operator_user: User) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_redirected_to_login(client: Client, method: str) -> None:
    response = getattr(client, method)(PAGE)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={PAGE}"
    assert not ApiKey.objects.exists()


def test_anonymous_cannot_revoke(client: Client, viewer_user: User) -> None:
    api_key, _ = services.api_key_create(owner=viewer_user, name="k", scopes=["read:services"])
    response = client.post(_revoke_url(api_key))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    api_key.refresh_from_db()
    assert api_key.is_usable


def test_page_sends_security_headers_and_is_never_cached(viewer_client: Client) -> None:
    response = viewer_client.get(PAGE)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_navigation_links_the_page(viewer_client: Client) -> None:
    html = viewer_client.get(PAGE).content.decode()
    assert f'<a href="{PAGE}" aria-current="page">API keys</a>' in html
    assert "js/api_keys.js" in html
    assert 'data-testid="no-keys"' in html


def test_viewer_may_only_tick_the_read_scope(viewer_client: Client) -> None:
    html = viewer_client.get(PAGE).content.decode()
    assert "disabled" not in _checkbox(html, "read:services")
    assert "checked" in _checkbox(html, "read:services")
    assert "disabled" in _checkbox(html, "write:services")
    assert "disabled" in _checkbox(html, "admin:platform")
    assert html.count("Your role (Viewer) does not grant this scope") == 2


def test_operator_may_tick_read_and_write(operator_client: Client) -> None:
    html = operator_client.get(PAGE).content.decode()
    assert "disabled" not in _checkbox(html, "read:services")
    assert "disabled" not in _checkbox(html, "write:services")
    assert "disabled" in _checkbox(html, "admin:platform")


def test_created_key_is_shown_exactly_once(viewer_client: Client, viewer_user: User) -> None:
    response = viewer_client.post(PAGE, {"name": "ci", "scopes": ["read:services"]})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    first = response.content.decode()
    raw = RAW_KEY.findall(first)
    assert len(raw) == 1
    assert "only time the key is shown" in first
    assert 'id="copy-key" data-copy-target="new-key" hidden>Copy</button>' in first  # JS shows it
    assert "API key “ci” created." in first
    # the key lives in that response only: not in the session store, not in the database
    from django.contrib.sessions.models import Session

    stored = [s.get_decoded() for s in Session.objects.all()]
    assert raw[0] not in repr(stored)

    again = viewer_client.get(PAGE).content.decode()
    assert raw[0] not in again
    assert 'data-testid="new-key"' not in again
    assert "created." not in again  # the message is gone too

    api_key = ApiKey.objects.get()
    assert api_key.user == viewer_user
    assert api_key.scopes == ["read:services"]
    assert api_key.expires_at is None
    assert raw[0].startswith(api_key.prefix)
    assert f"{api_key.prefix}…" in again


def test_database_keeps_only_a_hash(viewer_client: Client) -> None:
    raw = _create(viewer_client)
    api_key = ApiKey.objects.get()
    assert api_key.key_hash != raw
    for column, value in ApiKey.objects.values().get().items():
        assert raw not in str(value), column


def test_created_key_authenticates(viewer_client: Client) -> None:
    raw = _create(viewer_client)
    assert _events(raw).status_code == 200
    assert ApiKey.objects.get().last_used_at is not None


def test_expiry_in_the_future_is_kept(operator_client: Client) -> None:
    when = (timezone.now() + timedelta(days=30)).replace(second=0, microsecond=0)
    _create(operator_client, scopes=["read:services", "write:services"], expires_at=when.strftime("%Y-%m-%dT%H:%M"))
    api_key = ApiKey.objects.get()
    assert api_key.expires_at == when
    assert api_key.scopes == ["read:services", "write:services"]


def test_scope_the_user_lacks_is_refused(viewer_client: Client) -> None:
    response = viewer_client.post(PAGE, {"name": "sneaky", "scopes": ["read:services", "write:services"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="scope-error"' in html
    assert "You cannot grant scopes you do not hold: write:services." in html
    assert RAW_KEY.search(html) is None
    assert not ApiKey.objects.exists()


def test_unknown_scope_is_refused(operator_client: Client) -> None:
    response = operator_client.post(PAGE, {"name": "x", "scopes": ["root:everything"]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_name_and_a_scope_are_required(viewer_client: Client) -> None:
    response = viewer_client.post(PAGE, {"name": "", "expires_at": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in html
    assert "Choose at least one scope." in html
    assert not ApiKey.objects.exists()


def test_name_longer_than_100_is_refused(viewer_client: Client) -> None:
    response = viewer_client.post(PAGE, {"name": "n" * 101, "scopes": ["read:services"]})
    assert "at most 100 characters" in response.content.decode()
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("days_ago", [1, 9000])
def test_expiry_in_the_past_is_refused(viewer_client: Client, days_ago: int) -> None:
    value = (timezone.now() - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M")
    response = viewer_client.post(PAGE, {"name": "old", "scopes": ["read:services"], "expires_at": value})
    assert response.status_code == 200
    assert "Must be in the future." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_garbled_expiry_is_refused(viewer_client: Client) -> None:
    response = viewer_client.post(PAGE, {"name": "x", "scopes": ["read:services"], "expires_at": "soon"})
    assert "Enter a valid date/time." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_empty_post_shows_the_errors(viewer_client: Client) -> None:
    html = viewer_client.post(PAGE).content.decode()
    assert "Choose at least one scope." in html
    assert not ApiKey.objects.exists()


def test_revoked_key_gets_401(viewer_client: Client) -> None:
    raw = _create(viewer_client)
    assert _events(raw).status_code == 200
    api_key = ApiKey.objects.get()

    response = viewer_client.post(_revoke_url(api_key), follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    html = response.content.decode()
    assert "API key “ci” revoked." in html
    row = re.search(rf'<tr data-key-id="{api_key.id}">.*?</tr>', html, re.S)
    assert row
    assert "status-revoked" in row.group(0)
    assert "revoke-form" not in row.group(0)  # a revoked key stays listed, without a button

    api_key.refresh_from_db()
    assert api_key.is_revoked
    denied = _events(raw)
    assert denied.status_code == 401
    assert denied["Content-Type"].startswith("application/json")
    assert "error" in denied.json()


def test_revoking_twice_says_so(viewer_client: Client, viewer_user: User) -> None:
    api_key, _ = services.api_key_create(owner=viewer_user, name="k", scopes=["read:services"])
    viewer_client.post(_revoke_url(api_key))
    revoked_at = ApiKey.objects.get().revoked_at
    html = viewer_client.post(_revoke_url(api_key), follow=True).content.decode()
    assert "was already revoked" in html
    assert ApiKey.objects.get().revoked_at == revoked_at


def test_expired_key_is_listed_as_expired(viewer_client: Client, viewer_user: User) -> None:
    api_key, _ = services.api_key_create(owner=viewer_user, name="k", scopes=["read:services"])
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    html = viewer_client.get(PAGE).content.decode()
    assert "status-expired" in html
    assert "revoke-form" not in html


def test_revoke_only_accepts_post(viewer_client: Client, viewer_user: User) -> None:
    api_key, _ = services.api_key_create(owner=viewer_user, name="k", scopes=["read:services"])
    assert viewer_client.get(_revoke_url(api_key)).status_code == 405
    assert ApiKey.objects.get().is_usable


def test_non_admin_neither_sees_nor_revokes_others_keys(viewer_client: Client, operator_user: User) -> None:
    theirs, raw = services.api_key_create(owner=operator_user, name="otto-ci", scopes=["read:services"])
    assert "otto-ci" not in viewer_client.get(PAGE).content.decode()
    assert viewer_client.post(_revoke_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_usable
    assert _events(raw).status_code == 200


def test_unknown_key_id_is_404(viewer_client: Client) -> None:
    assert viewer_client.post(f"{PAGE}/00000000-0000-0000-0000-000000000000/revoke").status_code == 404


def test_admin_sees_and_revokes_everyones_keys(
    staff_client: Client, viewer_user: User, operator_user: User, django_assert_max_num_queries
) -> None:
    for owner in (viewer_user, operator_user, viewer_user):
        services.api_key_create(owner=owner, name=f"{owner.username}-key", scopes=["read:services"])
    with django_assert_max_num_queries(6):
        html = staff_client.get(PAGE).content.decode()
    assert "All keys" in html
    assert "<th>Owner</th>" in html
    assert html.count("<td>vera-key</td>") == 2
    assert html.count("<td>otto-key</td>") == 1
    assert "<td>otto</td>" in html
    assert "disabled" not in _checkbox(html, "admin:platform")

    theirs = ApiKey.objects.get(name="otto-key")
    assert staff_client.post(_revoke_url(theirs)).status_code == 302
    theirs.refresh_from_db()
    assert theirs.is_revoked


def test_non_admin_sees_no_owner_column(viewer_client: Client, viewer_user: User) -> None:
    services.api_key_create(owner=viewer_user, name="mine", scopes=["read:services"])
    html = viewer_client.get(PAGE).content.decode()
    assert "Your keys" in html
    assert "<th>Owner</th>" not in html


def test_posts_need_the_csrf_token(viewer_user: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer_user)
    api_key, _ = services.api_key_create(owner=viewer_user, name="k", scopes=["read:services"])

    assert client.post(PAGE, {"name": "x", "scopes": ["read:services"]}).status_code == 403
    assert client.post(_revoke_url(api_key)).status_code == 403
    assert ApiKey.objects.count() == 1
    assert ApiKey.objects.get().is_usable

    client.get(PAGE)  # sets the CSRF cookie, as the browser's first visit does
    token = client.cookies["csrftoken"].value
    response = client.post(PAGE, {"name": "x", "scopes": ["read:services"], "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert client.post(_revoke_url(api_key), {"csrfmiddlewaretoken": token}).status_code == 302
    assert ApiKey.objects.get(pk=api_key.pk).is_revoked
