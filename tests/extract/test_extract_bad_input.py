"""Bad input never raises and takes bounded time (crawler/extract/page.py)."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

import pytest

from crawler.extract import PageInput, decode_html, extract_page

FETCHED = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
URL = "https://example.com/news/1.html"
_PARAGRAPH = "<p>" + "Word " * 60 + ", with commas, and more text.</p>"
ARTICLE = (
    "<html lang='en'><head><title>A headline here | Example</title></head><body>"
    "<nav><a href='/'>Home</a></nav><article><h1>A headline here</h1>"
    + "".join(_PARAGRAPH.replace("Word", f"Word{n}") for n in range(5))
    + "</article><footer>© Example</footer></body></html>"
)


def _extract(html: str) -> object:
    return extract_page(PageInput(url=URL, html=html, fetched_at=FETCHED))


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n\t ",
        "\x00\x00\x00",
        "<html><body>\x00<p>nul\x00 bytes</p></body></html>",
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>",
        "<<<>>>&&&;;",
        "<html><head><script>var a = '<p>';</script>",
        "<html><body><div><div><p>unclosed",
        "<svg><svg><svg>" * 100,
    ],
)
def test_odd_documents(html: str) -> None:
    result = _extract(html)
    assert result.page_type == "other"  # type: ignore[attr-defined]
    assert result.article is None  # type: ignore[attr-defined]
    assert result.reason  # type: ignore[attr-defined]


@pytest.mark.timeout(10)
@pytest.mark.parametrize("seed", range(12))
def test_binary_garbage(seed: int) -> None:
    body = random.Random(seed).randbytes(200_000)
    result = _extract(decode_html(body, "text/html"))
    assert result.page_type == "other"  # type: ignore[attr-defined]


@pytest.mark.timeout(10)
def test_deep_nesting() -> None:
    html = "<html><body>" + "<div>" * 10_000 + _PARAGRAPH + "</div>" * 10_000 + "</body></html>"
    start = time.perf_counter()
    _extract(html)
    assert time.perf_counter() - start < 5


@pytest.mark.timeout(30)
def test_ten_megabyte_page() -> None:
    html = ARTICLE.replace("</article>", _PARAGRAPH * 30_000 + "</article>")
    assert len(html) > 10_000_000
    start = time.perf_counter()
    result = _extract(html)
    assert time.perf_counter() - start < 20
    assert result.page_type in {"article", "other"}  # type: ignore[attr-defined]
    if result.article is not None:  # type: ignore[attr-defined]
        assert "html_truncated" in result.article.flags  # type: ignore[attr-defined]


@pytest.mark.timeout(10)
def test_truncated_page_still_extracts() -> None:
    truncated = ARTICLE[: ARTICLE.index("</article>") - 100]
    result = _extract(truncated)
    assert result.page_type == "article"  # type: ignore[attr-defined]
    assert result.article.title == "A headline here"  # type: ignore[attr-defined]


@pytest.mark.timeout(10)
def test_unknown_timezone_is_flagged() -> None:
    result = _extract(ARTICLE)
    assert result.article is not None  # type: ignore[attr-defined]
    assert "timezone_assumed_utc" in result.article.flags  # type: ignore[attr-defined]
    assert result.article.extraction["method"] == "auto"  # type: ignore[attr-defined]


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "html",
    [
        "<html><body>" + "<p>word, " * 200_000 + "</body></html>",
        "<html><body>" + "<div><a href='/x'>link</a></div>" * 60_000 + "</body></html>",
        "<html><body>" + "<div>" * 5_000 + "<p>short</p>" + "</div>" * 5_000 + "</body></html>",
    ],
    ids=["many-tiny-paragraphs", "many-links", "nested"],
)
def test_article_like_url_with_little_text_is_bounded(html: str) -> None:
    # An article-shaped URL and almost no text: the case that triggers the second pass.
    url = "https://example.com/2025/12/04/a-long-article-slug-here"
    start = time.perf_counter()
    result = extract_page(PageInput(url=url, html=html, fetched_at=FETCHED))
    assert result.article is None
    assert time.perf_counter() - start < 8
