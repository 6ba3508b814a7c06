"""The HTTP tool against a real server on 127.0.0.1."""

from __future__ import annotations

import socket

import pytest

from apps.tools.errors import ToolInputInvalid
from apps.tools.hosts import host_allowed

pytestmark = pytest.mark.django_db


def test_json_response_is_parsed_and_headers_are_a_safe_subset(remote, run_tool) -> None:
    execution = run_tool("http_request", url=remote.url("/json"))
    assert execution.status == "succeeded", execution.error
    output = execution.output
    assert output["status"] == 200
    assert output["json"] == {"ok": True, "items": [1, 2]}
    assert output["truncated"] is False
    assert output["headers"] == {
        "content-type": "application/json; charset=utf-8",
        "content-length": "29",
        "etag": '"v1"',
    }


def test_text_response_has_no_json_and_private_headers_are_dropped(remote, run_tool) -> None:
    output = run_tool("http_request", url=remote.url("/text")).output
    assert output["body"] == "héllo"
    assert "json" not in output
    assert set(output["headers"]) == {"content-type", "content-length"}


def test_post_json_with_idempotency_key_header(remote, run_tool) -> None:
    execution = run_tool(
        "http_request", idempotency_key="step-1:attempt-1", method="POST", url=remote.url("/echo"), json={"a": [1]}
    )
    seen = remote.requests[-1]
    assert seen.method == "POST"
    assert seen.headers["Idempotency-Key"] == "step-1:attempt-1"
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.body == b'{"a": [1]}'
    assert execution.output["status"] == 201
    assert execution.output["json"]["method"] == "POST"


def test_text_body_and_custom_headers_are_sent(remote, run_tool) -> None:
    run_tool("http_request", method="PUT", url=remote.url("/echo"), body="plain", headers={"X-Trace": "t1"})
    seen = remote.requests[-1]
    assert (seen.method, seen.body, seen.headers["X-Trace"]) == ("PUT", b"plain", "t1")
    assert "Idempotency-Key" not in seen.headers


def test_credential_headers_are_sent_but_not_logged(remote, run_tool) -> None:
    execution = run_tool(
        "http_request",
        url=remote.url("/echo"),
        headers={"Authorization": "Bearer s3cret", "X-Auth-Token": "t", "A": "b"},
    )
    assert remote.requests[-1].headers["Authorization"] == "Bearer s3cret"
    assert execution.inputs["headers"] == {"Authorization": "[redacted]", "X-Auth-Token": "[redacted]", "A": "b"}
    execution.refresh_from_db()
    assert "s3cret" not in str(execution.inputs)


def test_redirects_are_returned_not_followed(remote, run_tool) -> None:
    output = run_tool("http_request", url=remote.url("/redirect")).output
    assert output["status"] == 302
    assert output["headers"]["location"] == remote.url("/json")
    assert [r.path for r in remote.requests] == ["/redirect"]


def test_head_has_no_body(remote, run_tool) -> None:
    output = run_tool("http_request", method="HEAD", url=remote.url("/json")).output
    assert (output["status"], output["body"]) == (200, "")


def test_body_is_cut_at_the_size_limit(remote, run_tool, settings) -> None:
    settings.TOOLS_HTTP_MAX_BYTES = 1000
    output = run_tool("http_request", url=remote.url("/big")).output
    assert output["truncated"] is True
    assert len(output["body"]) == 1000
    assert "json" not in output  # a cut JSON body is not parsed


def test_host_not_on_the_allow_list_is_refused(remote, run_tool, settings) -> None:
    settings.TOOLS_HTTP_ALLOWED_HOSTS = ["example.com"]
    with pytest.raises(ToolInputInvalid) as refused:
        run_tool("http_request", url=remote.url("/json"))
    assert "127.0.0.1 is not in TOOLS_HTTP_ALLOWED_HOSTS" in refused.value.details["url"][0]
    assert remote.requests == []


def test_empty_allow_list_refuses_everything(remote, run_tool, settings) -> None:
    settings.TOOLS_HTTP_ALLOWED_HOSTS = []
    with pytest.raises(ToolInputInvalid):
        run_tool("http_request", url=remote.url("/json"))


def test_domain_rule_reaches_the_domain_itself(remote, run_tool, settings) -> None:
    settings.TOOLS_HTTP_ALLOWED_HOSTS = [".localhost"]
    execution = run_tool("http_request", url=f"http://localhost:{remote.port}/json")
    assert execution.output["json"]["ok"] is True
    with pytest.raises(ToolInputInvalid):
        run_tool("http_request", url=f"http://evillocalhost:{remote.port}/json")


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("example.com", True),
        ("api.example.com", True),
        ("a.b.example.com", True),
        ("EXAMPLE.com.", True),
        ("badexample.com", False),
        ("example.com.evil.org", False),
        ("example.org", False),
    ],
)
def test_domain_rule_matches_subdomains_only(host: str, allowed: bool) -> None:
    assert host_allowed(host, [".example.com", "exact.test"]) is allowed
    assert host_allowed("exact.test", [".example.com", "exact.test"])
    assert not host_allowed("sub.exact.test", [".example.com", "exact.test"])


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"url": "http://user:pw@127.0.0.1/json"}, "url"),
        ({"url": "ftp://127.0.0.1/"}, "url"),
        ({"url": "http://127.0.0.1/", "json": {}, "body": "x"}, "body"),
        ({"url": "http://127.0.0.1/", "method": "TRACE"}, "method"),
        ({"url": "http://127.0.0.1/", "headers": {"X-A": "b\r\nX-Injected: 1"}}, "headers.X-A"),
        ({"url": "http://127.0.0.1/", "headers": {"Host": "internal"}}, "headers"),
        ({"url": "http://127.0.0.1/", "timeout_seconds": 11}, "timeout_seconds"),
        ({"url": "http://127.0.0.1/", "unknown": 1}, "inputs"),
    ],
)
def test_bad_inputs_are_refused_before_any_request(remote, run_tool, inputs: dict, field: str) -> None:
    with pytest.raises(ToolInputInvalid) as refused:
        run_tool("http_request", **inputs)
    assert field in refused.value.details
    assert remote.requests == []


def test_timeout_is_a_failed_execution(remote, run_tool) -> None:
    execution = run_tool("http_request", url=remote.url("/slow"), timeout_seconds=0.3)
    assert execution.status == "failed"
    assert execution.error == "GET 127.0.0.1 timed out after 0.3 s."
    assert execution.output is None


def test_a_body_that_trickles_in_past_the_timeout_fails(remote, run_tool) -> None:
    execution = run_tool("http_request", url=remote.url("/drip"), timeout_seconds=1)
    assert execution.status == "failed"
    assert "timed out" in execution.error


def test_connection_refused_is_a_failed_execution(run_tool, settings) -> None:
    settings.TOOLS_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    execution = run_tool("http_request", url=f"http://127.0.0.1:{port}/")
    assert execution.status == "failed"
    assert execution.error.startswith("GET 127.0.0.1 failed:")
