"""WebFetcher (L03) through the hub, against a real server on an allowed host."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.test import Client

from apps.tools.models import ToolExecution
from tests.support.api import assert_envelope

pytestmark = pytest.mark.django_db

PAGE = """<html><head><title>Release notes</title><meta name="description" content="What changed.">
<script>track("visit")</script><style>.x{}</style></head>
<body><h1>Version 2</h1><p>Faster   search.</p><p>See <a href="/docs">the docs</a> or <a href="/docs">again</a>.</p>
</body></html>"""


def _result(response: Any) -> Any:
    assert response.status_code == 200, response.content
    return response.json()["result"]


def _fetch(invoke: Any, client: Client, url: str, **extra: Any) -> Any:
    return invoke(client, "WebFetcher", "fetch", {"url": url, **extra})


def test_a_page_is_read_and_the_run_recorded(site, invoke, operator_client: Client) -> None:
    url = site.page("/notes", PAGE)
    page = _result(_fetch(invoke, operator_client, url))
    assert (page["status"], page["content_type"], page["title"]) == (200, "text/html", "Release notes")
    assert page["description"] == "What changed."
    assert page["text"] == "Version 2\nFaster search.\nSee the docs or again."
    assert page["links"] == [{"url": site.url("/docs"), "text": "the docs"}]
    assert (page["truncated"], page["redirect_to"]) == (False, None)
    execution = ToolExecution.objects.get(pk=page["execution_id"])
    assert (execution.tool, execution.status, execution.caller) == ("http_request", "succeeded", "user:otto")
    assert execution.inputs["url"] == url


def test_text_is_capped_and_plain_text_is_read(site, invoke, operator_client: Client) -> None:
    url = site.page("/long", "<p>" + "word " * 400 + "</p>")
    page = _result(_fetch(invoke, operator_client, url, max_chars=100))
    assert (len(page["text"]), page["truncated"]) == (99, True)  # cut at 100, trailing space dropped
    text = _result(_fetch(invoke, operator_client, site.page("/t", "a  b\n\nc", "text/plain")))
    assert (text["text"], text["title"], text["links"]) == ("a b\nc", "", [])


def test_redirects_are_reported_not_followed(site, invoke, operator_client: Client) -> None:
    url = site.page("/old", "", "text/html", status=301, Location="/new")
    page = _result(_fetch(invoke, operator_client, url))
    assert (page["status"], page["redirect_to"], page["text"]) == (301, site.url("/new"), "")
    assert site.seen == ["/old"]


def test_an_error_page_is_still_read(site, invoke, operator_client: Client) -> None:
    page = _result(_fetch(invoke, operator_client, site.url("/missing")))
    assert (page["status"], page["text"]) == (404, "no such page")


def test_what_cannot_be_read_is_refused(site, invoke, operator_client: Client, settings) -> None:
    image = site.page("/logo.png", b"\x89PNG\r\n", "image/png")
    assert_envelope(_fetch(invoke, operator_client, image), 415, "unsupported_media_type")
    settings.TOOLS_HTTP_ALLOWED_HOSTS = ["example.com"]
    off_list = assert_envelope(_fetch(invoke, operator_client, site.url("/notes")), 400)
    assert "TOOLS_HTTP_ALLOWED_HOSTS" in off_list["message"]
    assert site.seen == ["/logo.png"]


def test_a_host_that_does_not_answer_is_502(invoke, operator_client: Client, settings) -> None:
    settings.TOOLS_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    failed = assert_envelope(_fetch(invoke, operator_client, f"http://127.0.0.1:{port}/"), 502, "bad_gateway")
    assert "Could not fetch" in failed["message"]


def test_fetch_needs_write_and_a_web_url(invoke, viewer_client: Client, operator_client: Client) -> None:
    assert_envelope(_fetch(invoke, viewer_client, "http://127.0.0.1/"), 403)
    assert_envelope(_fetch(invoke, operator_client, "ftp://127.0.0.1/"), 400)
    assert_envelope(_fetch(invoke, operator_client, "http://127.0.0.1/", max_chars=10), 400)
    assert_envelope(invoke(operator_client, "WebFetcher", "fetch", {}), 400)
    assert not ToolExecution.objects.exists()
