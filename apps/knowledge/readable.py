"""The readable content of an HTML page: its title, description, text and links.

Scripts, styles and other non-text elements are dropped; block elements end a line; spaces
are collapsed. Built on the standard library's forgiving ``html.parser``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

SKIPPED = frozenset({"script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "select"})
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt", "figcaption", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
    "summary", "table", "td", "th", "tr", "ul",
})  # fmt: skip
_SPACES = re.compile(r"\s+")


@dataclass
class Page:
    title: str = ""
    description: str = ""
    text: str = ""
    links: list[dict[str, str]] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.skipping: list[str] = []  # open elements whose content is not text
        self.parts: list[str] = []
        self.title: list[str] = []
        self.in_title = False
        self.first_h1: list[str] | None = None
        self.in_h1 = False
        self.description = ""
        self.link: tuple[str, list[str]] | None = None
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "title":
            self.in_title = True
        elif tag == "base" and values.get("href"):
            self.base_url = urljoin(self.base_url, values["href"])
        elif tag == "meta" and values.get("name", "").lower() == "description":
            self.description = values.get("content", "")
        if tag in SKIPPED:
            self.skipping.append(tag)
        if self.skipping:
            return
        if tag in BLOCKS:
            self.parts.append("\n")
            self.in_h1 = False  # an unclosed heading ends where the next block starts
        if tag == "h1" and self.first_h1 is None:
            self.in_h1, self.first_h1 = True, []
        if tag == "a" and values.get("href"):
            self.link = (values["href"], [])

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag in BLOCKS:
            self.parts.append("\n")
        if tag == "h1":
            self.in_h1 = False
        if tag == "a" and self.link is not None:
            self.links.append((self.link[0], " ".join(self.link[1])))
            self.link = None

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
            return
        if self.skipping:
            return
        data = _SPACES.sub(" ", data)  # only block elements end lines
        self.parts.append(data)
        if self.in_h1 and self.first_h1 is not None:
            self.first_h1.append(data)
        if self.link is not None:
            self.link[1].append(data)


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _lines(parts: list[str]) -> str:
    lines = (_collapse(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _links(reader: _Reader, page_url: str, limit: int) -> list[dict[str, str]]:
    """Absolute http(s) links, each once, without fragments and without the page itself."""
    seen = {urldefrag(page_url).url}
    found: list[dict[str, str]] = []
    for href, text in reader.links:
        if len(found) >= limit:
            break
        url = urldefrag(urljoin(reader.base_url, href.strip())).url
        if urlsplit(url).scheme not in {"http", "https"} or url in seen:
            continue
        seen.add(url)
        found.append({"url": url, "text": _collapse(text)})
    return found


def html_page(html: str, *, url: str, max_links: int) -> Page:
    reader = _Reader(url)
    reader.feed(html)
    reader.close()
    title = _collapse("".join(reader.title)) or _collapse("".join(reader.first_h1 or []))
    return Page(title, _collapse(reader.description), _lines(reader.parts), _links(reader, url, max_links))


def text_page(text: str) -> Page:
    """Plain text (or JSON, XML...): the lines with their spaces collapsed."""
    return Page(text=_lines([text]))
