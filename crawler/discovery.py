"""What feeds and news sitemaps say about the URLs they list: title, publication date, change time.

The spider reads feeds with feedparser and sitemaps with Scrapy's :class:`~scrapy.utils.sitemap.
Sitemap`; this module turns an entry into a :class:`Discovered` that travels with the article's
request (meta key :data:`META_DISCOVERED`), so that the article item gets the title and date the
page itself lacks, and the incremental state knows when the page last changed.

:class:`NewsSitemap` is Scrapy's parser (no entity resolution, comments and processing
instructions dropped, bounded by ``DOWNLOAD_MAXSIZE`` upstream) that also keeps the nested
``<news:news>`` title and publication date, which Scrapy's flat reading of ``<url>`` children
drops.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from scrapy.utils.sitemap import Sitemap

if TYPE_CHECKING:
    from lxml import etree

__all__ = [
    "META_DISCOVERED",
    "SITEMAP_TYPES",
    "Discovered",
    "NewsSitemap",
    "declares_entities",
    "feed_entry",
    "gzip_truncated",
    "sitemap_entry",
]

#: The root elements of a sitemap (sitemaps.org).
SITEMAP_TYPES = ("urlset", "sitemapindex")
#: How much of a sitemap's start may hold its document type declaration (entities come first).
_PROLOGUE_BYTES = 64 * 1024
_GZIP_CHUNK = 64 * 1024

#: Request meta key: the :class:`Discovered` of the feed entry or sitemap URL that led here.
META_DISCOVERED = "newsarc_discovered"


@dataclass(frozen=True)
class Discovered:
    """What a feed entry or sitemap entry said about a URL."""

    source: str
    """``feed`` or ``sitemap``."""
    title: str | None = None
    published: str | None = None
    """ISO 8601 with the offset the source gave."""
    changed: datetime | None = None
    """When the source says the page last changed (aware, UTC)."""


def _iso(value: str | None) -> datetime | None:
    """An RFC 822 (RSS) or ISO 8601 (Atom, sitemaps) date, aware; None when unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if parsed is None:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _clean(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    return " ".join(text.split()) or None


def feed_entry(entry: Any) -> Discovered:
    """A feedparser entry's title, publication date and update time."""
    # dict.get: feedparser's own get maps a missing "updated" to "published", with a warning.
    updated = _iso(dict.get(entry, "updated")) if isinstance(entry, dict) else None
    published = _iso(dict.get(entry, "published")) if isinstance(entry, dict) else None
    published = published or updated
    changed = updated or published
    return Discovered(
        "feed",
        title=_clean(dict.get(entry, "title")) if isinstance(entry, dict) else None,
        published=published.isoformat() if published else None,
        changed=changed.astimezone(UTC) if changed else None,
    )


def sitemap_entry(entry: dict[str, Any]) -> Discovered:
    """A :class:`NewsSitemap` entry's news title, publication date and ``lastmod``."""
    published = _iso(entry.get("news_publication_date"))
    changed = _iso(entry.get("lastmod")) or published
    return Discovered(
        "sitemap",
        title=_clean(entry.get("news_title")),
        published=published.isoformat() if published else None,
        changed=changed.astimezone(UTC) if changed else None,
    )


class NewsSitemap(Sitemap):
    """Scrapy's sitemap parser, keeping ``<news:news>``'s title and publication date too."""

    __slots__ = ()

    def _process_sitemap_element(self, elem: etree._Element) -> dict[str, Any] | None:
        news: dict[str, str] = {}
        for child in elem:
            if self._get_tag_name(child) != "news":
                continue
            for sub in child.iter():
                name = self._get_tag_name(sub)
                if name in ("title", "publication_date") and sub.text and sub.text.strip():
                    news[f"news_{name}"] = sub.text.strip()
        entry = super()._process_sitemap_element(elem)
        if entry is not None:
            entry.update(news)
        return entry


def declares_entities(body: bytes) -> bool:
    """Whether an XML document declares entities in its prologue (billion laughs, external
    entities). Scrapy's sitemap parser never expands them; a sitemap has no use for any."""
    head = body[:_PROLOGUE_BYTES].lower()
    return b"<!doctype" in head and b"<!entity" in head


def gzip_truncated(data: bytes, max_size: int = 0) -> bool:
    """Whether the gzip stream ``data`` ends before its last member does (a cut download).

    Scrapy's ``gunzip`` returns whatever it could read and raises only when that is nothing.
    This reads the stream again in bounded chunks, keeping none of the output, and stops at
    ``max_size`` bytes out (0: no limit), which ``gunzip`` has checked already.
    """
    out = 0
    rest = data
    while rest:
        inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        chunk = rest
        try:
            while not inflate.eof:
                part = inflate.decompress(chunk, _GZIP_CHUNK)
                out += len(part)
                if max_size and out > max_size:
                    return False
                chunk = inflate.unconsumed_tail
                if not part and not chunk:
                    break  # all input read, no more output: the stream stops short
        except zlib.error:
            return True
        if not inflate.eof:
            return True
        rest = inflate.unused_data.lstrip(b"\x00")  # padding after the last member is allowed
    return False
