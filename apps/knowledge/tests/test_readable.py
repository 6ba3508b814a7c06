"""Reading HTML: title, text without scripts or styles, absolute links."""

from __future__ import annotations

from apps.knowledge.readable import html_page, text_page

HTML = """<!doctype html><html><head><title> The  Page </title>
<meta name="description" content="What it is about.">
<style>body { color: red }</style><script>var secret = "do not show";</script></head>
<body><nav><a href="/">Home</a> <a href="docs/guide.html#part">Guide</a> <a href="mailto:x@example.com">Mail</a>
<a href="javascript:void(0)">JS</a></nav>
<h1>Welcome</h1><p>First &amp; foremost,   a
paragraph.</p><p>Second <b>bold</b> one.<br>After break.</p>
<noscript>Enable JavaScript</noscript><ul><li>one</li><li>two</li></ul>
<a href="https://example.com/x">Out</a> <a href="https://example.com/x#y">Again</a> <a href="#top">Top</a>
</body></html>"""


def test_html_is_read_as_an_agent_needs_it() -> None:
    page = html_page(HTML, url="http://site.test/a/page.html", max_links=10)
    assert page.title == "The Page"
    assert page.description == "What it is about."
    assert page.text.splitlines() == [
        "Home Guide Mail JS", "Welcome", "First & foremost, a paragraph.", "Second bold one.", "After break.", "one",
        "two", "Out Again Top",
    ]  # fmt: skip
    assert "secret" not in page.text
    assert "color" not in page.text
    assert page.links == [
        {"url": "http://site.test/", "text": "Home"},
        {"url": "http://site.test/a/docs/guide.html", "text": "Guide"},
        {"url": "https://example.com/x", "text": "Out"},
    ]


def test_links_are_capped_and_base_href_is_honoured() -> None:
    html = '<base href="https://cdn.test/root/"><a href="a">A</a><a href="b">B</a><a href="c">C</a>'
    page = html_page(html, url="http://site.test/", max_links=2)
    assert [link["url"] for link in page.links] == ["https://cdn.test/root/a", "https://cdn.test/root/b"]
    assert html_page(html, url="http://site.test/", max_links=0).links == []


def test_sloppy_html_still_reads_and_the_first_heading_is_the_title() -> None:
    page = html_page("<div><h1>Only <i>heading</i><p>Unclosed <p>tags", url="http://site.test/", max_links=5)
    assert page.title == "Only heading"
    assert page.text.splitlines() == ["Only heading", "Unclosed", "tags"]


def test_plain_text_keeps_its_lines() -> None:
    assert text_page("a   b\n\n\nc\t d\n").text == "a b\nc d"
