"""Retry rendered pages whose browser died while they were in flight.

When chromium crashes or is killed, every page it was rendering fails with
:class:`~crawler.exceptions.BrowserCrashed`; scrapy-playwright starts a new browser for the
next page (``PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER``). This downloader middleware puts those
requests back in the scheduler, at most ``RENDER_RETRY_TIMES`` times each (Scrapy's
``get_retry_request``, so ``retry/count`` and ``retry/reason_count/browser_crashed`` count
them). Timeouts are not retried: a page that ran out of its budget would most likely do so
again.

Settings read: ``RENDER_RETRY_TIMES``. Stats written: ``render/retried``, ``retry/*``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import get_retry_request

from crawler.exceptions import BrowserCrashed

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

__all__ = ["RenderRetryMiddleware"]


class RenderRetryMiddleware:
    """Reschedule a rendered request once (by default) after a browser crash."""

    def __init__(self, crawler: Crawler, retry_times: int) -> None:
        if retry_times < 0:
            raise ValueError(f"RENDER_RETRY_TIMES must be 0 or more, got {retry_times}")
        self.crawler = crawler
        self.retry_times = retry_times

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, crawler.settings.getint("RENDER_RETRY_TIMES", 1))

    def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | None:
        if not isinstance(exception, BrowserCrashed):
            return None
        assert self.crawler.spider is not None
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason="browser_crashed",
            max_retry_times=self.retry_times,
        )
        if retry is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value("render/retried")
        return retry
