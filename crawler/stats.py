"""The crawl's stats collector: Scrapy's ``MemoryStatsCollector`` without a cost per attribute.

Scrapy 2.19's ``StatsCollector`` defines ``__getattribute__`` so that its methods warn when
given the deprecated ``spider`` argument: every attribute read on the collector builds a name
and looks it up, and any other attribute than those methods (its own ``self._stats`` inside
``inc_value``) raises and catches an ``AttributeError`` first. An ``inc_value`` then costs about
30 times its work (8.1 µs against 0.24 µs, busy machine), and a crawl counts some 40 stats per
page. :class:`StatsCollector` wraps the same methods with the same warning once, when it is
built (Scrapy's own ``_warn_spider_arg``), and reads attributes the ordinary way: the same
stats, keys, values and warnings, for any component that counts through ``crawler.stats``.

Settings: ``STATS_CLASS`` names it (``settings/base.py``); Scrapy's ``STATS_DUMP`` as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.decorators import _warn_spider_arg

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["WARNED_METHODS", "StatsCollector"]

#: The methods Scrapy's ``StatsCollector.__getattribute__`` wraps to warn about ``spider``.
WARNED_METHODS = (
    "get_value",
    "get_stats",
    "set_value",
    "set_stats",
    "inc_value",
    "max_value",
    "min_value",
    "clear_stats",
    "open_spider",
    "close_spider",
)


class StatsCollector(MemoryStatsCollector):
    """Scrapy's in-memory stats collector, its methods wrapped once instead of at every read."""

    __getattribute__ = object.__getattribute__

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        for name in WARNED_METHODS:
            # An instance attribute: found before the class's method by ordinary look-up.
            setattr(self, name, _warn_spider_arg(getattr(self, name)))
