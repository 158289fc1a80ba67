"""Run the pure extractor beside the crawl, in worker processes.

Scrapy does its own work (scheduling, downloading, middlewares, pipelines, WARC writing) on one
core; extraction is pure, CPU-bound and takes a third to a half of the CPU a page costs. Sending
it to a worker process lets a crawl use a second core, which a single Scrapy process otherwise
leaves idle. Because extraction is a pure function of :class:`~crawler.extract.types.PageInput`,
the result is the same wherever it runs.

Workers are started with ``spawn`` (forking a process that runs a Twisted reactor and threads is
unsafe). If the pool breaks (a worker killed), extraction continues inline and the event is
logged and counted; a page is never lost to the pool.

Settings: ``NEWSARC_EXTRACT_WORKERS`` (0 = extract inline in the crawl process).
Stats: ``extract/pool/workers``, ``extract/pool/broken``.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from crawler.extract import extract_page
from crawler.lifeline import worker_pool

if TYPE_CHECKING:
    from scrapy.statscollectors import StatsCollector

    from crawler.extract.types import PageInput, PageResult

__all__ = ["ExtractorPool"]

logger = logging.getLogger(__name__)


def _warm_up() -> None:
    """Import the extractor's heavy dependencies once per worker, before the first page."""
    from dateparser.date import DateDataParser  # noqa: PLC0415

    # The first parse loads dateparser's tables (~0.1 s); pay it before the first page.
    DateDataParser(languages=["en"]).get_date_data("5 minutes ago")


def _ready() -> None:
    """Nothing: submitted at start so the worker is spawned and warmed up while Scrapy starts."""


class ExtractorPool:
    """``await pool.extract(page)``: in a worker process when there are workers, else inline."""

    def __init__(self, workers: int, stats: StatsCollector | None = None) -> None:
        self.stats = stats
        self._executor: ProcessPoolExecutor | None = None
        if workers > 0:
            # Spawned, and gone with the crawl process even after kill -9 (crawler.lifeline).
            self._executor = worker_pool(workers, initializer=_warm_up)
            # Workers are spawned on the first submit; without this the first page would wait
            # for a worker's start-up (~0.5 s) instead of overlapping it with Scrapy's own.
            self._executor.submit(_ready)
        if stats is not None:
            stats.set_value("extract/pool/workers", workers)

    async def extract(self, page: PageInput) -> PageResult:
        executor = self._executor
        if executor is None:
            return extract_page(page)
        try:
            return await asyncio.wrap_future(executor.submit(extract_page, page))
        except BrokenProcessPool:
            if self._executor is executor:
                logger.error(
                    "The extraction worker died; extracting in the crawl process from now on"
                )
                if self.stats is not None:
                    self.stats.inc_value("extract/pool/broken")
                self._executor = None
                executor.shutdown(wait=False, cancel_futures=True)
            return extract_page(page)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
