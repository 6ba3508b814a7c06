"""Fetching a web page for an agent to read. The request is a run of the built-in
``http_request`` tool, so it keeps that tool's rules (allow-listed hosts, redirects returned
and not followed, size and time limits) and is recorded in ``tool_executions`` like any run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from apps.knowledge.errors import FetchFailed, NotReadable
from apps.knowledge.readable import Page, html_page, text_page
from apps.tools.models import ExecutionStatus, ToolExecution
from apps.tools.services import tool_execute

ACCEPT = "text/html, application/xhtml+xml, text/plain;q=0.9, */*;q=0.5"
HTML = frozenset({"text/html", "application/xhtml+xml"})
TEXT_SUFFIXES = ("+json", "+xml")
TEXT = frozenset({"application/json", "application/xml", "application/javascript", ""})


@dataclass(frozen=True)
class Fetched:
    execution: ToolExecution
    status: int
    content_type: str
    page: Page
    truncated: bool
    redirect_to: str | None


def _media_type(output: dict[str, Any]) -> str:
    return str(output["headers"].get("content-type", "")).split(";")[0].strip().lower()


def _readable(media_type: str) -> bool:
    return (
        media_type in HTML
        or media_type in TEXT
        or media_type.startswith("text/")
        or (media_type.endswith(TEXT_SUFFIXES))
    )


def page_fetch(*, url: str, caller: str, user: Any, max_chars: int, max_links: int) -> Fetched:
    """GET ``url`` through the HTTP tool and read it: 400 for a host off the allow-list (the
    tool's refusal), 502 when the host does not answer, 415 for content that is not text."""
    execution = tool_execute(name="http_request", inputs={"url": url, "headers": {"Accept": ACCEPT}},
                             caller=caller, user=user)  # fmt: skip
    if execution.status != ExecutionStatus.SUCCEEDED:
        raise FetchFailed(f"Could not fetch {url}: {execution.error}")
    output: dict[str, Any] = execution.output or {}
    media_type, status = _media_type(output), int(output["status"])
    location = output["headers"].get("location")
    if 300 <= status < 400 and location:
        return Fetched(execution, status, media_type, Page(), bool(output["truncated"]), urljoin(url, location))
    if not _readable(media_type):
        raise NotReadable(f"{url} is {media_type}; only HTML and text pages can be read.")
    page = html_page(output["body"], url=url, max_links=max_links) if media_type in HTML else text_page(output["body"])
    cut = len(page.text) > max_chars
    if cut:
        page.text = page.text[:max_chars].rstrip()
    return Fetched(execution, status, media_type, page, cut or bool(output["truncated"]), None)
