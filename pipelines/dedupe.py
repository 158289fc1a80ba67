"""Drop duplicate items within a crawl.

Articles are keyed by their canonical URL (w3lib's ``canonicalize_url`` of ``canonical_url``,
else ``url``) and, separately, by a SHA-256 of their whitespace-normalised, case-folded text,
so the same article reached under two URLs is kept once. Headlines are keyed by
``(source_url, block, position, url)``: the same teaser seen on two pages is kept for both.

Only fingerprints of 16-byte digests are kept in memory, in :class:`~crawler.seen.SeenSet`s (12 to
24 bytes a key, not the ~100 of a set of digests: a page's ten headlines cost ~1 KB of memory
for the whole crawl before).

Settings read: none.

Stats written: ``items/duplicate/url``, ``items/duplicate/content``,
``items/duplicate/headline``; drops are counted by Scrapy per class (``DuplicateUrl``,
``DuplicateContent``, ``DuplicateItem``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import is_dataclass
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from w3lib.url import canonicalize_url

from crawler.seen import SeenSet

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["DedupePipeline", "DuplicateContent", "DuplicateItem", "DuplicateUrl"]


class DuplicateItem(DropItem):
    """An item already seen in this crawl."""


class DuplicateUrl(DuplicateItem):
    """An article whose canonical URL was already seen."""


class DuplicateContent(DuplicateItem):
    """An article whose text was already seen under another URL."""


def _digest(*parts: object) -> bytes:
    # The repr of a tuple of the values an item holds (strings, numbers, None) is unambiguous
    # (literal_eval reads it back), at a third of the cost of json.dumps, which builds an
    # encoder per call.
    data = repr(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).digest()[:16]


class DedupePipeline:
    """Keeps the first of each article (by URL and by text) and of each headline entry."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self._urls = SeenSet()
        self._texts = SeenSet()
        self._headlines = SeenSet()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        # Our dataclass items are read through their __dict__ (a third of ItemAdapter's cost).
        adapter: Mapping[str, Any] = vars(item) if is_dataclass(item) else ItemAdapter(item)
        kind = adapter.get("type")
        if kind == "headline":
            key = _digest(
                adapter.get("source_url"),
                adapter.get("block"),
                adapter.get("position"),
                adapter.get("url"),
            )
            if key in self._headlines:
                self.stats.inc_value("items/duplicate/headline")
                raise DuplicateItem(
                    f"headline {adapter.get('url')!r} at {adapter.get('block')!r} "
                    f"#{adapter.get('position')} on {adapter.get('source_url')!r} already seen"
                )
            self._headlines.add(key)
            return item
        if kind == "article":
            url = str(adapter.get("canonical_url") or adapter.get("url") or "")
            canonical = canonicalize_url(url) if url else ""
            text = " ".join(str(adapter.get("text") or "").split()).casefold()
            url_key = _digest("url", canonical)
            text_key = _digest("text", text)
            if canonical and url_key in self._urls:
                self.stats.inc_value("items/duplicate/url")
                raise DuplicateUrl(f"article {canonical!r} already seen")
            if text and text_key in self._texts:
                self.stats.inc_value("items/duplicate/content")
                raise DuplicateContent(
                    f"article {adapter.get('url')!r} has the same text as an earlier one"
                )
            if canonical:
                self._urls.add(url_key)
            if text:
                self._texts.add(text_key)
        return item
