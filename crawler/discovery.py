"""What feeds and news sitemaps say about the URLs they list: title, publication date, change time.

The spider reads feeds with feedparser (:func:`read_feed`) and sitemaps with Scrapy's
:class:`~scrapy.utils.sitemap.Sitemap` (:func:`read_sitemap`); this module turns an entry into a
:class:`Discovered` that travels with the article's request (meta key :data:`META_DISCOVERED`),
so that the article item gets the title and date the page itself lacks
(:func:`fill_from_discovered`, also used by ``newsarc extract`` with the feeds and sitemaps a WARC
holds), and the incremental state knows when the page last changed.

:class:`NewsSitemap` is Scrapy's parser (no entity resolution, comments and processing
instructions dropped, bounded by ``DOWNLOAD_MAXSIZE`` upstream) that also keeps the nested
``<news:news>`` title and publication date, which Scrapy's flat reading of ``<url>`` children
drops.
"""

from __future__ import annotations

import dataclasses
import struct
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import feedparser
from lxml import etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from crawler.extract.fallback import FLAG_DAY_ONLY
from crawler.extract.page import FLAG_NO_HEADLINE

if TYPE_CHECKING:
    from crawler.extract.types import PageResult

__all__ = [
    "META_DISCOVERED",
    "SITEMAP_TYPES",
    "Discovered",
    "FeedRead",
    "NewsSitemap",
    "SitemapRead",
    "declares_entities",
    "feed_entry",
    "fill_from_discovered",
    "gzip_truncated",
    "read_feed",
    "read_sitemap",
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


@dataclass
class FeedRead:
    """What a feed body lists: each entry's link (absolute) with what the entry says of it."""

    hints: dict[str, Discovered] = field(default_factory=dict)
    problem: Any = None
    """feedparser's ``bozo_exception`` when the feed is not well-formed (read leniently)."""


def read_feed(body: bytes, url: str) -> FeedRead:
    """The entries of an RSS or Atom feed fetched from ``url``, in feed order (first wins)."""
    parsed = feedparser.parse(body)
    hints: dict[str, Discovered] = {}
    for entry in parsed.entries:
        if entry.get("link"):
            hints.setdefault(urljoin(url, entry.get("link", "")), feed_entry(entry))
    return FeedRead(hints, getattr(parsed, "bozo_exception", None))


@dataclass
class SitemapRead:
    """What a sitemap body holds, and what was wrong with it."""

    type: str | None = None
    """The root element (``urlset``, ``sitemapindex``, anything else); None when unreadable."""
    entries: list[dict[str, Any]] = field(default_factory=list)
    """Entries with a ``loc``, in document order."""
    problems: list[tuple[str, str]] = field(default_factory=list)
    """``(reason, text)``: ``gzip``, ``truncated_gzip``, ``entities``, ``unparseable``,
    ``not_a_sitemap``; the text completes "Sitemap URL …"."""

    @property
    def usable(self) -> bool:
        return self.type in SITEMAP_TYPES

    def hints(self) -> dict[str, Discovered]:
        """A ``urlset``'s URLs with what each entry says (first entry of a URL wins)."""
        if self.type != "urlset":
            return {}
        out: dict[str, Discovered] = {}
        for entry in self.entries:
            out.setdefault(entry["loc"], sitemap_entry(entry))
        return out


def read_sitemap(body: bytes, max_size: int = 0) -> SitemapRead:
    """A sitemap or sitemap index, plain or gzipped (decompressed up to ``max_size`` bytes,
    0: no limit). Never raises on a bad body: see :attr:`SitemapRead.problems`."""
    read = SitemapRead()
    if body[:2] == b"\x1f\x8b":
        try:
            plain = gunzip(body, max_size=max_size)
        # EOFError, struct.error, zlib.error: a stream cut short before any output (Scrapy's
        # gunzip re-raises them then); OSError: not gzip; ValueError: over the size limit.
        except (OSError, EOFError, struct.error, zlib.error, ValueError) as exc:
            read.problems.append(("gzip", f"could not be decompressed: {exc}"))
            return read
        if gzip_truncated(body, max_size):
            # Scrapy's gunzip returns what it could read: those URLs are still followed.
            read.problems.append(("truncated_gzip", "is a truncated gzip file; read what it holds"))
        body = plain
    if declares_entities(body):
        read.problems.append(("entities", "declares XML entities; they are not expanded"))
    try:
        sitemap = NewsSitemap(body)
        read.entries = [entry for entry in sitemap if entry.get("loc")]
    except (etree.LxmlError, ValueError) as exc:
        read.problems.append(("unparseable", f"could not be parsed: {exc}"))
        return read
    read.type = sitemap.type
    if not read.usable:
        read.problems.append(
            ("not_a_sitemap", f"is not a sitemap (its root element is <{sitemap.type}>)")
        )
    return read


def fill_from_discovered(
    result: PageResult, hint: Discovered | None
) -> tuple[PageResult, tuple[str, ...]]:
    """The page's result with the title and date a feed or sitemap gave where the page had none
    (or only a guessed date); and the names of the fields filled.

    A page with an article's text but no headline (``result.untitled``) becomes an article
    when ``hint`` has a title, flagged ``title_from_<source>`` instead of ``no_headline``;
    without one the result is returned as it is (no article, the extractor's reason). The crawl
    and ``newsarc extract`` both call this, so re-extraction gives the crawl's items.
    """
    if not isinstance(hint, Discovered):
        return result, ()
    article = result.article
    changes: dict[str, Any] = {}
    if article is None:
        untitled = result.untitled
        if untitled is None or not hint.title:
            return result, ()
        article = untitled
    flags = list(article.flags)
    if not article.title and hint.title:
        changes["title"] = hint.title
        if FLAG_NO_HEADLINE in flags:
            flags.remove(FLAG_NO_HEADLINE)
        flags.append(f"title_from_{hint.source}")
    # A date the page only let htmldate guess (a day, no time) yields to the one the feed or
    # sitemap declares.
    guessed = FLAG_DAY_ONLY in flags
    if (not article.published_at or guessed) and hint.published:
        changes["published_at"] = hint.published
        if guessed:
            flags.remove(FLAG_DAY_ONLY)
        flags.append(f"published_from_{hint.source}")
    if not changes:
        return result, ()
    item = dataclasses.replace(article, **changes, flags=flags)
    filled = dataclasses.replace(
        result, page_type="article", article=item, reason=None, untitled=None
    )
    return filled, tuple(changes)
