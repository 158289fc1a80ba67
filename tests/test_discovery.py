"""Unit tests of crawler/discovery.py: checks on sitemap bodies, reading feeds and sitemaps, and
filling a page's missing title and date from what they list (change times:
tests/test_incremental.py)."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime

from crawler.discovery import (
    Discovered,
    declares_entities,
    fill_from_discovered,
    gzip_truncated,
    read_feed,
    read_sitemap,
)
from crawler.extract import PageInput, extract_page
from crawler.extract.types import PageResult


def test_a_gzip_stream_cut_short_is_told_from_a_whole_one() -> None:
    whole = gzip.compress(b"<urlset>" + b"<url><loc>http://x/a</loc></url>" * 5000 + b"</urlset>")
    assert not gzip_truncated(whole)
    assert gzip_truncated(whole[: len(whole) // 2])
    assert gzip_truncated(whole[:-4])  # the trailer's size field missing
    assert gzip_truncated(b"\x1f\x8b\x08\x00garbage")
    # Large output is decompressed a megabyte at a time, and still read to its end.
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    big = b"".join(packer.compress(b" " * (1 << 20)) for _ in range(20)) + packer.flush()
    assert not gzip_truncated(big)


def test_entity_declarations_are_found_in_the_prolog() -> None:
    assert declares_entities(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aa">]><urlset/>')
    assert declares_entities(b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r/>')
    assert not declares_entities(b'<?xml version="1.0"?><urlset><url><loc>http://x/</loc></url>')


_TEXT = "Volunteers repaired the old lighthouse on Sunday after the storm had damaged its roof."
_PAGE = (
    "<html><body><article>"
    + "".join(f"<p>Part {i}: {_TEXT}</p>" for i in range(1, 9))
    + "</article></body></html>"
)
_URL = "http://127.0.0.1/news/lighthouse-roof-repaired.html"


def _extract(html: str = _PAGE) -> PageResult:
    return extract_page(
        PageInput(url=_URL, html=html, fetched_at=datetime(2026, 12, 1, tzinfo=UTC))
    )


def test_a_listed_title_makes_a_page_without_a_headline_an_article() -> None:
    result = _extract()
    assert result.untitled is not None
    hint = Discovered(
        "sitemap", title="Lighthouse roof repaired", published="2026-11-30T18:00:00-05:00"
    )
    filled, names = fill_from_discovered(result, hint)
    assert names == ("title", "published_at")
    assert (filled.page_type, filled.reason, filled.untitled) == ("article", None, None)
    assert filled.article is not None
    assert filled.article.title == "Lighthouse roof repaired"
    assert filled.article.published_at == "2026-11-30T18:00:00-05:00"
    assert "no_headline" not in filled.article.flags
    assert {"title_from_sitemap", "published_from_sitemap"} <= set(filled.article.flags)
    assert filled.article.text == result.untitled.text
    assert result.article is None  # the extractor's result is left as it was


def test_without_a_listed_title_the_page_stays_without_an_article() -> None:
    result = _extract()
    for hint in (None, Discovered("feed"), Discovered("feed", published="2026-11-30T18:00:00Z")):
        same, names = fill_from_discovered(result, hint)
        assert same is result and names == ()
        assert (same.page_type, same.article) == ("other", None)
        assert same.reason == "article-like text but no headline found"


def test_a_page_with_its_own_headline_keeps_it_and_gets_only_the_missing_date() -> None:
    result = _extract(_PAGE.replace("<article>", "<article><h1>Roof fixed</h1>"))
    assert result.article is not None and result.article.published_at is None
    hint = Discovered("feed", title="Another title", published="2026-12-01T01:15:00+02:00")
    filled, names = fill_from_discovered(result, hint)
    assert names == ("published_at",)
    assert filled.article is not None
    assert filled.article.title == "Roof fixed"
    assert filled.article.flags[-1] == "published_from_feed"
    assert "title_from_feed" not in filled.article.flags
    # Nothing to fill: the same result.
    dated = filled
    assert fill_from_discovered(dated, hint) == (dated, ())


def test_feed_and_sitemap_bodies_are_read_first_listing_first() -> None:
    feed = read_feed(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>One</title><link>/a.html</link></item>"
        b"<item><title>Again</title><link>/a.html</link></item>"
        b"<item><title>Two</title><link>http://127.0.0.1/b.html</link></item></channel></rss>",
        "http://127.0.0.1/feed.xml",
    )
    assert {url: hint.title for url, hint in feed.hints.items()} == {
        "http://127.0.0.1/a.html": "One",
        "http://127.0.0.1/b.html": "Two",
    }
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    news = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
    body = (
        f'<?xml version="1.0"?><urlset {ns} {news}><url><loc>http://127.0.0.1/a.html</loc>'
        "<news:news><news:title>Sitemap title</news:title></news:news></url></urlset>"
    ).encode()
    sitemap = read_sitemap(gzip.compress(body))
    assert sitemap.usable and sitemap.problems == []
    assert sitemap.hints()["http://127.0.0.1/a.html"].title == "Sitemap title"
    assert read_sitemap(gzip.compress(body)[:40]).problems[0][0] in {"gzip", "truncated_gzip"}
    broken = read_sitemap(b"<html><body>no</body></html>")
    assert not broken.usable and broken.problems[0][0] == "not_a_sitemap"
    assert broken.hints() == {}
