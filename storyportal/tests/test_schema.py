"""Database schema (spec 3.1), Redis key patterns (spec 3.3) and the OpenAPI document."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from storyportal import kv, redis_keys
from tests.support.api import key_header

pytestmark = pytest.mark.django_db

# spec 3.1 "Required Indexes" for the tables this layer owns: each column leads some index.
REQUIRED_INDEXES = {
    "users": ["created_at"],
    "api_keys": ["key_hash", "user_id"],
    "sessions": ["user_id", "created_at"],
    "events": ["aggregate_id", "timestamp"],
}


def _leading_columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.attname FROM pg_index i
            JOIN pg_class t ON t.oid = i.indrelid
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
            WHERE t.relname = %s
            """,
            [table],
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.parametrize(("table", "columns"), REQUIRED_INDEXES.items())
def test_required_indexes_exist(table: str, columns: list[str]) -> None:
    assert set(columns) <= _leading_columns(table)


@pytest.mark.parametrize("table", ["users", "api_keys", "sessions"])
def test_tables_have_timestamps(table: str) -> None:
    columns = {c.name for c in connection.introspection.get_table_description(connection.cursor(), table)}
    assert {"created_at", "updated_at"} <= columns


def test_redis_keys_use_the_spec_patterns_and_ttls(client: Client, make_key, viewer_user) -> None:
    raw = make_key(viewer_user, "read:services")
    client.get("/api/v1/events/", **key_header(raw))
    redis = kv.client()
    assert 0 < redis.ttl(f"user:{viewer_user.pk}") <= 300
    assert any(redis.scan_iter("apikey:*"))
    (limit_key,) = list(redis.scan_iter("ratelimit:key:*:user:*"))
    assert 0 < redis.ttl(limit_key) <= 60
    assert redis_keys.SESSION.ttl == 3600
    assert redis_keys.USER.ttl == 300
    assert redis_keys.SERVICE.ttl == 60
    assert redis_keys.SESSION.key(session_id="abc") == "session:abc"
    assert redis_keys.LOCK.key(resource_name="x") == "lock:x"
    assert redis_keys.QUEUE.key(queue_name="q") == "queue:q"


def test_openapi_schema_is_valid_without_warnings() -> None:
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=io.StringIO())
    assert "/api/v1/events/" in out.getvalue()
