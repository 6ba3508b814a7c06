"""Rate limits (contract, Gateway behaviour): per client, exact under concurrency, with headers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client

from storyportal import kv
from storyportal.api.throttling import Rate, count
from tests.support.api import assert_envelope, key_header, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """Set throttle rates for one test (they are settings)."""

    def set_rates(**overrides: str) -> None:
        current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**current, **overrides}}

    return set_rates


def test_authenticated_responses_carry_limit_and_remaining(client: Client, make_key, operator_user) -> None:
    raw = make_key(operator_user, "read:services")
    first = client.get("/api/v1/events/", **key_header(raw))
    second = client.get("/api/v1/events/", **key_header(raw))
    assert first["X-Rate-Limit-Limit"] == "1000"
    assert first["X-Rate-Limit-Remaining"] == "999"
    assert second["X-Rate-Limit-Remaining"] == "998"
    assert 1 <= int(first["X-Rate-Limit-Reset"]) <= 60


def test_over_the_limit_is_429_with_retry_after_in_the_envelope(client: Client, make_key, operator_user, rates) -> None:
    rates(user="3/minute")
    raw = make_key(operator_user, "read:services")
    statuses = [client.get("/api/v1/events/", **key_header(raw)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = client.get("/api/v1/events/", **key_header(raw))
    assert_envelope(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["X-Rate-Limit-Remaining"] == "0"
    assert response["X-Rate-Limit-Limit"] == "3"


def test_limits_are_per_client(client: Client, make_key, operator_user, viewer_user, rates) -> None:
    rates(user="2/minute")
    otto, vera = make_key(operator_user, "read:services"), make_key(viewer_user, "read:services")
    for _ in range(2):
        client.get("/api/v1/events/", **key_header(otto))
    assert client.get("/api/v1/events/", **key_header(otto)).status_code == 429
    assert client.get("/api/v1/events/", **key_header(vera)).status_code == 200


def test_anonymous_callers_are_limited_per_address(client: Client, rates) -> None:
    rates(anon="2/minute", auth="100/minute")
    body = {"username": "nobody", "password": "x"}
    assert [send(client, "post", "/api/v1/auth/token/", body).status_code for _ in range(2)] == [401, 401]
    limited = send(client, "post", "/api/v1/auth/token/", body)
    assert_envelope(limited, 429)
    other_address = send(client, "post", "/api/v1/auth/token/", body, REMOTE_ADDR="10.1.2.3")
    assert other_address.status_code == 401
    assert other_address["X-Rate-Limit-Limit"] == "2"


def test_admins_are_never_limited(client: Client, admin_user, rates) -> None:
    rates(user="1/minute")
    client.force_login(admin_user)
    responses = [client.get("/api/v1/users/") for _ in range(5)]
    assert {r.status_code for r in responses} == {200}
    assert "X-Rate-Limit-Limit" not in responses[-1]


def test_endpoint_scope_rate_is_added_to_the_user_rate(make_key, operator_user, rates) -> None:
    rates(auth="2/minute")
    client = Client()
    body = {"token": "x"}
    assert [send(client, "post", "/api/v1/auth/token/refresh/", {"refresh": "x"}).status_code for _ in range(2)] == [
        401,
        401,
    ]
    assert send(client, "post", "/api/v1/auth/token/refresh/", {"refresh": "x"}).status_code == 429
    # token/verify has no endpoint scope: only the anonymous limit applies to it
    assert send(client, "post", "/api/v1/auth/token/verify/", body)["X-Rate-Limit-Limit"] == "100"


def test_health_is_never_throttled(client: Client, rates) -> None:
    rates(anon="1/minute")
    statuses = {client.get("/health/live").status_code for _ in range(5)}
    assert statuses == {200}
    assert "X-Rate-Limit-Limit" not in client.get("/api/health")


def test_counting_is_exact_under_concurrency() -> None:
    rate = Rate(limit=10_000, period=60)
    start = threading.Barrier(8)

    def hit(_: int) -> int:
        start.wait()
        return max(count("ip:203.0.113.9", {"burst": rate})[0].count for _ in range(50))

    with ThreadPoolExecutor(max_workers=8) as pool:
        highest = max(pool.map(hit, range(8)))
    assert highest == 400
    keys = list(kv.client().scan_iter("ratelimit:ip:203.0.113.9:burst:*"))
    assert len(keys) == 1
    assert int(kv.client().get(keys[0])) == 400
    assert 0 < kv.client().ttl(keys[0]) <= 60


def test_rate_parsing() -> None:
    assert Rate.parse("100/minute") == Rate(100, 60)
    assert Rate.parse("10/s") == Rate(10, 1)
    assert Rate.parse("1000/hour") == Rate(1000, 3600)


def test_repeated_bad_credentials_from_one_address_become_429(client: Client, rates, django_assert_num_queries) -> None:
    rates(anon="3/minute")
    bad_keys = [f"sp_live_{i:032d}" for i in range(5)]
    statuses = [client.get("/api/v1/events/", **key_header(k)).status_code for k in bad_keys[:3]]
    assert statuses == [401, 401, 401]
    with django_assert_num_queries(0):  # refused before the key is looked up
        limited = client.get("/api/v1/events/", **key_header(bad_keys[3]))
    assert_envelope(limited, 429, "throttled")
    assert int(limited["Retry-After"]) >= 1
    garbage_jwt = client.get("/api/v1/events/", HTTP_AUTHORIZATION="Bearer x.y.z")
    assert garbage_jwt.status_code == 429
    assert client.get("/api/v1/events/", **key_header(bad_keys[4]), REMOTE_ADDR="10.9.9.9").status_code == 401


def test_good_credentials_are_not_slowed_by_others_failures(client: Client, rates, make_key, viewer_user) -> None:
    rates(anon="2/minute")
    raw = make_key(viewer_user, "read:services")
    for i in range(3):
        client.get("/api/v1/events/", **key_header(f"sp_live_{i:032d}"))
    assert client.get("/api/v1/events/", **key_header(raw), REMOTE_ADDR="10.0.0.8").status_code == 200


def test_refused_requests_count_and_carry_the_headers(client: Client, rates, make_key, viewer_user) -> None:
    rates(anon="2/minute", user="2/minute")
    anonymous = client.get("/api/v1/events/")
    assert anonymous.status_code == 401
    assert anonymous["X-Rate-Limit-Limit"] == "2"
    assert anonymous["X-Rate-Limit-Remaining"] == "1"
    raw = make_key(viewer_user, "read:services")
    forbidden = client.get("/api/v1/users/", **key_header(raw))
    assert forbidden.status_code == 403
    assert forbidden["X-Rate-Limit-Remaining"] == "1"
    client.get("/api/v1/users/", **key_header(raw))
    assert_envelope(client.get("/api/v1/users/", **key_header(raw)), 429)


def test_forwarded_for_is_ignored_without_trusted_proxies(client: Client, rates) -> None:
    rates(anon="2/minute")
    for i in range(2):
        client.get("/api/v1/events/", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert client.get("/api/v1/events/", HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_behind_one_proxy_the_forwarded_client_is_counted(client: Client, rates, settings) -> None:
    rates(anon="1/minute")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert client.get("/api/v1/events/", HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.1").status_code == 401
    assert client.get("/api/v1/events/", HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.1").status_code == 429
    assert client.get("/api/v1/events/", HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 401
    # garbage where an address belongs falls back to the proxy's own address
    assert client.get("/api/v1/events/", HTTP_X_FORWARDED_FOR="not-an-ip").status_code == 401
