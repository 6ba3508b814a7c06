"""Control-center pages: login required, navigation, security headers."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = ["/", "/agents", "/services", "/workflows", "/goals", "/monitoring"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_redirected_to_login(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_security_headers(viewer_client: Client, path: str) -> None:
    response = viewer_client.get(path)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_navigation_links_every_page(viewer_client: Client) -> None:
    html = viewer_client.get("/").content.decode()
    for path in PAGES:
        assert f'href="{path}"' in html


def test_dashboard_shows_live_health(viewer_client: Client) -> None:
    html = viewer_client.get("/").content.decode()
    for name in ("postgres", "redis", "ollama", "workers"):
        assert f'data-dependency="{name}"' in html
    assert 'data-testid="overall-status"' in html
    assert "js/dashboard.js" in html
    assert 'data-layer="L12"' in html


def test_login_with_password_lands_on_dashboard(client: Client, viewer_user) -> None:
    response = client.post("/accounts/login/", {"username": "vera", "password": "correct horse battery"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_shows_the_form_again(client: Client, viewer_user) -> None:
    response = client.post("/accounts/login/", {"username": "vera", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_logout_ends_the_session(viewer_client: Client) -> None:
    assert viewer_client.post("/accounts/logout/").status_code == 302
    assert viewer_client.get("/").status_code == 302


def test_static_files_are_served(client: Client) -> None:
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert b"--brand" in b"".join(response.streaming_content)


def test_admin_lists_users_with_roles(staff_client: Client, viewer_user) -> None:
    response = staff_client.get("/admin/accounts/user/?role=viewer")
    assert response.status_code == 200
    assert "vera" in response.content.decode()


def test_admin_is_closed_to_non_staff(viewer_client: Client) -> None:
    assert viewer_client.get("/admin/").status_code == 302


def test_pages_send_a_strict_content_security_policy(staff_client) -> None:
    csp = staff_client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "Content-Security-Policy" not in staff_client.get("/admin/")
