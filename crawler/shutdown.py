"""Closing the spider from a component: a callback, a signal handler, a failed write.

Scrapy's engine closes a spider with a coroutine; a component that decides to stop the crawl
(the WARC writer or the JSON Lines writer after a failed write, the frontier on a full disk,
the spider when its ledger cannot be opened) starts it and returns at once. Every one of them
goes through :func:`close_spider`, so a failure to close is logged the same way everywhere.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.utils.defer import deferred_from_coro

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

__all__ = ["close_spider"]

logger = logging.getLogger(__name__)


def close_spider(crawler: Crawler, reason: str) -> None:
    """Ask ``crawler``'s engine to close the spider with ``reason``; nothing if it is gone."""
    if crawler.engine is None:
        return

    def failed(failure: Failure) -> None:
        logger.error(
            "Could not close the spider (%s): %s",
            reason,
            failure.getErrorMessage(),
        )

    deferred_from_coro(crawler.engine.close_spider_async(reason=reason)).addErrback(failed)
