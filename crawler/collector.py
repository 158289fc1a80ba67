"""Python's cyclic garbage collector in the crawl process: its pauses counted, its thresholds set.

A collection stops the reactor thread for as long as it walks the objects of the generations it
collects; a full one walks every container object of the process. A crawl of 5,000 hosts keeps
a large heap (per-host downloader slots, queues, connection pools) and allocates fast (Deferreds,
asyncio tasks), so with Python's thresholds (700, 10, 10) full collections come often and each
one is long: py-spy (``--native``) put 28 % of that crawl process's samples in the collector
(docs/reliability.md, L3). :class:`GarbageCollectorExtension` times every collection
(``gc.callbacks``) and, where the settings say so, sets the thresholds when the crawler is built
and moves the objects that exist when the spider opens (modules, settings, components: alive
for the whole crawl) into the permanent generation (``gc.freeze``), so later collections do not
walk them again.

Settings: ``GC_THRESHOLDS`` (three integers for ``gc.set_threshold``; empty: Python's),
``GC_FREEZE_AT_OPEN``. Stats: ``gc/collections``, ``gc/collections_full``,
``gc/pause_total_ms``, ``gc/pause_max_ms``.
"""

from __future__ import annotations

import gc
import logging
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["GarbageCollectorExtension"]

logger = logging.getLogger(__name__)


class GarbageCollectorExtension:
    """Times the collector's pauses; applies ``GC_THRESHOLDS`` and ``GC_FREEZE_AT_OPEN``."""

    def __init__(
        self, stats: StatsCollector | None, thresholds: tuple[int, ...], freeze: bool
    ) -> None:
        if thresholds and (len(thresholds) != 3 or min(thresholds) < 1):
            raise ValueError(f"GC_THRESHOLDS must be three integers of 1 or more: {thresholds}")
        self.stats = stats
        self.thresholds = thresholds
        self.freeze = freeze
        self.collections = 0
        self.full = 0
        self.total = 0.0  # seconds
        self.longest = 0.0  # seconds
        self._started = 0.0
        self._previous: tuple[int, int, int] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        try:
            thresholds = tuple(int(value) for value in settings.getlist("GC_THRESHOLDS"))
        except ValueError as exc:
            raise ValueError(f"GC_THRESHOLDS must be three integers: {exc}") from exc
        extension = cls(crawler.stats, thresholds, settings.getbool("GC_FREEZE_AT_OPEN"))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        if self.thresholds:
            self._previous = gc.get_threshold()
            gc.set_threshold(*self.thresholds)
        if self.freeze:
            gc.collect()
            gc.freeze()
        gc.callbacks.append(self._timed)

    def _timed(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        pause = time.perf_counter() - self._started
        self.collections += 1
        self.full += info.get("generation") == 2
        self.total += pause
        self.longest = max(self.longest, pause)

    def spider_closed(self, **_: Any) -> None:
        if self._timed in gc.callbacks:
            gc.callbacks.remove(self._timed)
        if self._previous is not None:
            gc.set_threshold(*self._previous)
        if self.freeze:
            gc.unfreeze()
        figures = {
            "gc/collections": self.collections,
            "gc/collections_full": self.full,
            "gc/pause_total_ms": round(self.total * 1000),
            "gc/pause_max_ms": round(self.longest * 1000),
        }
        if self.stats is not None:
            for key, value in figures.items():
                self.stats.set_value(key, value)
        logger.info(
            "Garbage collection: %d collections (%d full), %d ms in all, the longest %d ms",
            self.collections,
            self.full,
            figures["gc/pause_total_ms"],
            figures["gc/pause_max_ms"],
        )
