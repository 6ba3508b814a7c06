"""No secret leaves in a live log record, and the stream cannot feed or flood itself."""

from __future__ import annotations

import json
import logging

import pytest

from apps.monitoring.logstream import FeedLogHandler, TokenBucket, record_payload
from apps.monitoring.redaction import REDACTED, redact, scrub
from storyportal.logs import get_logger

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJ1c2VyX2lkIjo3fQ.c2lnbmF0dXJlLXBhcnQ"
KEY = "sp_live_" + "A1b2C3d4" * 4


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"Authorization: Bearer {JWT}", JWT),
        (f"token {JWT} refused", JWT),
        (f"X-API-Key {KEY} revoked", KEY),
        ("stripe sk_live_abcdefghijklmnop failed", "sk_live_abcdefghijklmnop"),
        ("openai sk-proj-abcdefghijklmnop failed", "abcdefghijklmnop"),
        ("signing with whsec_abcdefghijklmnopqrstu", "whsec_abcdefghijklmnopqrstu"),
        ("could not connect to postgres://story:s3cr3tpass@db:5432/portal", "s3cr3tpass"),
        ("redis://:hunter2hunter2@cache:6379/0 is down", "hunter2hunter2"),
        ("GET /x?password=opensesame&x=1", "opensesame"),
        ('{"api_key": "plainvalue123"}', "plainvalue123"),
        ("Basic dXNlcjpwYXNzd29yZA== sent", "dXNlcjpwYXNzd29yZA=="),
    ],
)
def test_secrets_in_text_are_scrubbed(text: str, secret: str) -> None:
    cleaned = scrub(text)
    assert secret not in cleaned
    assert REDACTED in cleaned


def test_harmless_text_is_left_alone() -> None:
    text = "run 3f2a finished in 120 ms with 42 prompt tokens; see https://example.com/docs"
    assert scrub(text) == text


def test_secret_named_fields_are_dropped_whatever_they_hold() -> None:
    cleaned = redact(
        {"password": "x", "Authorization": "y", "refresh": "z", "client_secret": "w", "session_id": "s",
         "nested": {"api-key": "k", "list": [{"token": "t"}]}, "prompt_tokens": 12, "user": "vera"}
    )  # fmt: skip
    assert cleaned == {
        "password": REDACTED, "Authorization": REDACTED, "refresh": REDACTED, "client_secret": REDACTED,
        "session_id": REDACTED, "nested": {"api-key": REDACTED, "list": [{"token": REDACTED}]},
        "prompt_tokens": 12, "user": "vera",
    }  # fmt: skip


def _record(logger_name: str, level: int = logging.WARNING) -> logging.LogRecord:
    captured: list[logging.LogRecord] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record)

    logger = logging.getLogger(logger_name)
    handler = Capture()
    logger.addHandler(handler)
    try:
        get_logger(logger_name).log(
            level, "login failed", password="hunter2", dsn="postgres://u:p4ss@h/db", user="vera"
        )
    finally:
        logger.removeHandler(handler)
    return captured[0]


def test_a_structlog_record_becomes_a_redacted_payload() -> None:
    payload = record_payload(_record("apps.accounts.test"))
    assert payload["level"] == "warning"
    assert payload["logger"] == "apps.accounts.test"
    assert payload["event"] == "login failed"
    assert payload["fields"]["user"] == "vera"
    text = json.dumps(payload)
    assert "hunter2" not in text
    assert "p4ss" not in text


def test_a_plain_record_with_an_exception_is_redacted() -> None:
    try:
        raise ConnectionError("redis://:topsecretpw@cache:6379 refused")
    except ConnectionError:
        record = logging.LogRecord("apps.x", logging.ERROR, __file__, 1, "failed: %s", ("token=abc123def",), None)
        import sys

        record.exc_info = sys.exc_info()
    payload = record_payload(record)
    assert "abc123def" not in payload["event"]
    assert "topsecretpw" not in payload["exception"]
    assert payload["exception"].startswith("ConnectionError:")


def test_records_of_the_publishing_path_are_never_published(monkeypatch) -> None:
    sent: list[dict] = []
    monkeypatch.setattr("storyportal.realtime.publish.publish_soon", lambda *args, **kw: sent.append(args[2]))
    handler = FeedLogHandler(rate=1000)
    for name in ("storyportal.realtime.publish", "channels_redis.core", "redis.connection"):
        handler.handle(logging.LogRecord(name, logging.WARNING, __file__, 1, "could not publish", (), None))
    assert sent == []
    handler.handle(logging.LogRecord("apps.workflows", logging.WARNING, __file__, 1, "step slow", (), None))
    assert [p["event"] for p in sent] == ["step slow"]


def test_a_log_storm_is_cut_to_the_rate_and_the_drops_are_counted(monkeypatch) -> None:
    sent: list[dict] = []
    monkeypatch.setattr("storyportal.realtime.publish.publish_soon", lambda *args, **kw: sent.append(args[2]))
    handler = FeedLogHandler(rate=2)  # a burst of 10, then 2 a second
    for index in range(200):
        handler.handle(logging.LogRecord("apps.x", logging.ERROR, __file__, 1, f"storm {index}", (), None))
    assert len(sent) == 10
    handler.bucket = TokenBucket(rate=2, burst=1)  # a second later, say
    handler.handle(logging.LogRecord("apps.x", logging.ERROR, __file__, 1, "after", (), None))
    assert sent[-1]["dropped_before"] == 190
