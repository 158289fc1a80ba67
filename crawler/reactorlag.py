"""Reactor lag: how late the crawl's event loop runs a timer that is due (RELIABILITY.md L3).

Everything a crawl does in its own process (the downloader, callbacks, the frontier's
checkpoints, WARC writes, hand-offs to the extraction workers) runs on one Twisted reactor
thread; work that holds it up delays every other request (timeouts fire late, connections
wait). :class:`ReactorLagExtension` keeps a heartbeat: a timer due every
``REACTOR_LAG_INTERVAL`` seconds, each beat recording how much later than due it ran
(``time.monotonic``), in a histogram of whole milliseconds (bounded memory on any crawl length).
When the spider closes it sets the figures as stats and logs them in one line.

Settings: ``REACTOR_LAG_ENABLED`` (off by default), ``REACTOR_LAG_INTERVAL`` (seconds).
Stats: ``reactor/heartbeats``, ``reactor/lag_p50_ms``, ``reactor/lag_p99_ms``,
``reactor/lag_max_ms``.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["LagHistogram", "ReactorLagExtension"]

logger = logging.getLogger(__name__)


class LagHistogram:
    """Lags counted per millisecond (rounded); percentiles read from the counts."""

    def __init__(self) -> None:
        self._counts: Counter[int] = Counter()
        self.count = 0

    def add(self, seconds: float) -> None:
        self._counts[max(0, round(seconds * 1000))] += 1
        self.count += 1

    def percentile(self, fraction: float) -> int:
        """The lag (ms) that ``fraction`` of the beats did not exceed (0 with no beats)."""
        if not self.count:
            return 0
        rank = max(1, round(fraction * self.count))
        seen = 0
        for millis in sorted(self._counts):
            seen += self._counts[millis]
            if seen >= rank:
                return millis
        return max(self._counts)

    @property
    def max(self) -> int:
        return max(self._counts, default=0)


class ReactorLagExtension:
    """A heartbeat timer on the crawl's reactor; its lateness goes into stats at close."""

    def __init__(self, stats: StatsCollector | None, interval: float) -> None:
        self.stats = stats
        self.interval = interval
        self.lags = LagHistogram()
        self._call: Any = None  # the pending heartbeat (an IDelayedCall)
        self._due = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("REACTOR_LAG_ENABLED"):
            raise NotConfigured("REACTOR_LAG_ENABLED is off")
        interval = crawler.settings.getfloat("REACTOR_LAG_INTERVAL")
        if interval <= 0:
            raise ValueError(f"REACTOR_LAG_INTERVAL must be a positive number, got {interval}")
        extension = cls(crawler.stats, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        self._schedule()

    def _schedule(self) -> None:
        from twisted.internet import reactor  # noqa: PLC0415 - the installed one, at run time

        clock: Any = reactor  # Twisted's interface typing of callLater confuses mypy
        self._due = time.monotonic() + self.interval
        self._call = clock.callLater(self.interval, self._beat)

    def _beat(self) -> None:
        self.lags.add(time.monotonic() - self._due)
        self._schedule()

    def spider_closed(self, **_: Any) -> None:
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None
        figures = {
            "reactor/heartbeats": self.lags.count,
            "reactor/lag_p50_ms": self.lags.percentile(0.5),
            "reactor/lag_p99_ms": self.lags.percentile(0.99),
            "reactor/lag_max_ms": self.lags.max,
        }
        if self.stats is not None:
            for key, value in figures.items():
                self.stats.set_value(key, value)
        logger.info(
            "Reactor lag over %d heartbeats every %.3g s: p50 %d ms, p99 %d ms, max %d ms",
            self.lags.count,
            self.interval,
            figures["reactor/lag_p50_ms"],
            figures["reactor/lag_p99_ms"],
            figures["reactor/lag_max_ms"],
        )
