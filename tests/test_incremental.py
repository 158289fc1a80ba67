"""Tests of crawler/incremental.py (state between runs), crawler/discovery.py (feed and sitemap
metadata) and the Retry-After parsing of crawler/middlewares/polite.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.discovery import NewsSitemap, feed_entry, sitemap_entry
from crawler.incremental import IncrementalState, content_digest
from crawler.middlewares.polite import retry_after_seconds

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _state(path: Path) -> IncrementalState:
    return IncrementalState(path, "c1", MemoryStatsCollector(get_crawler()))


def test_articles_are_held_back_until_a_source_says_they_changed(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    state = _state(db)
    assert state.wants("http://x/a") and state.wants("http://x/")
    digest = content_digest("T", "body", b"")
    assert (
        state.page_fetched(
            "http://x/a",
            page_type="article",
            digest=digest,
            etag='"1"',
            last_modified=None,
            fetched_at=T0,
        )
        == "new"
    )
    state.page_fetched(
        "http://x/",
        page_type="listing",
        digest="b:1",
        etag=None,
        last_modified=None,
        fetched_at=T0,
    )
    assert _state(db).known == {}  # nothing is committed before its pages are durable
    assert state.commit(["http://x/a"]) == 1 and state.commit(["http://x/"]) == 1
    later = _state(db)
    assert not later.wants("http://x/a")  # an article captured before
    assert later.held("http://x/a")
    assert later.wants("http://x/")  # a listing page: every run
    assert not later.wants("http://x/a", T0 - timedelta(hours=1))  # changed before our capture
    assert later.wants("http://x/a", T0 + timedelta(hours=1))  # changed since
    assert later.conditional_headers("http://x/a") == {"If-None-Match": '"1"'}
    # Same validators, other content: the digest decides.
    assert (
        later.page_fetched(
            "http://x/a",
            page_type="article",
            digest=content_digest("T", "edited", b""),
            etag='"1"',
            last_modified=None,
            fetched_at=T0 + timedelta(hours=2),
        )
        == "changed"
    )
    assert (
        later.page_fetched(
            "http://x/a",
            page_type="article",
            digest=digest,
            etag='"1"',
            last_modified=None,
            fetched_at=T0 + timedelta(hours=2),
        )
        == "unchanged"
    )


def test_feed_and_news_sitemap_metadata() -> None:
    feed = feedparser.parse(
        b'<?xml version="1.0"?><rss version="2.0"><channel><item><title> A  title </title>'
        b"<link>http://x/a</link><pubDate>Tue, 01 Dec 2026 10:00:00 +0300</pubDate></item>"
        b"</channel></rss>"
    )
    hint = feed_entry(feed.entries[0])
    assert hint.title == "A title" and hint.published == "2026-12-01T10:00:00+03:00"
    assert hint.changed == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    sitemap = NewsSitemap(
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>http://x/b</loc>'
        b"<lastmod>2026-12-02</lastmod><news:news><news:publication><news:name>X</news:name>"
        b"</news:publication><news:publication_date>2026-12-01T09:00:00+01:00"
        b"</news:publication_date><news:title>B title</news:title></news:news></url></urlset>"
    )
    (entry,) = list(sitemap)
    hint = sitemap_entry(entry)
    assert entry["loc"] == "http://x/b" and hint.title == "B title"
    assert hint.published == "2026-12-01T09:00:00+01:00"
    assert hint.changed == datetime(2026, 12, 2, tzinfo=UTC)


def test_retry_after() -> None:
    assert retry_after_seconds("7", 0) == 7
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC).timestamp()
    assert retry_after_seconds("Tue, 01 Dec 2026 12:00:30 GMT", now) == 30
    assert retry_after_seconds("soon", now) is None and retry_after_seconds(None, now) is None


def test_feed_and_sitemap_bodies_are_kept_with_their_validators(tmp_path: Path) -> None:
    import os

    from crawler.incremental import SOURCE_BODY_MAX

    db = tmp_path / "s.sqlite"
    state = _state(db)
    feed, plain, huge = "http://x/rss.xml", "http://x/plain.xml", "http://x/huge.xml"
    body = b"<rss><channel><item><link>http://x/a</link></item></channel></rss>"
    state.source_fetched(
        feed, kind="feed", etag='"f1"', last_modified=None, body=body, fetched_at=T0
    )
    # No validators: nothing to ask conditionally with; too large: not kept.
    state.source_fetched(
        plain, kind="feed", etag=None, last_modified=None, body=body, fetched_at=T0
    )
    noise = os.urandom(SOURCE_BODY_MAX + 1024)  # incompressible
    state.source_fetched(
        huge, kind="sitemap", etag='"h"', last_modified=None, body=noise, fetched_at=T0
    )
    assert state.source_headers(feed) == {}  # not committed yet
    assert state.commit([feed, plain, huge]) == 1

    later = _state(db)  # the next run
    assert later.source_headers(feed) == {"If-None-Match": '"f1"'}
    assert later.source_headers(plain) == {} and later.source_headers(huge) == {}
    assert later.source_body(feed) == body
    assert later.source_body(plain) is None
    assert later.stats.get_value("incremental/sources_not_modified") == 1
    assert later.stats.get_value("incremental/sources_lost") == 1
    # The feed drops its validators: the kept copy is forgotten.
    later.source_fetched(feed, kind="feed", etag=None, last_modified=None, body=b"", fetched_at=T0)
    later.commit([feed])
    assert _state(db).source_headers(feed) == {} and _state(db).source_body(feed) is None
