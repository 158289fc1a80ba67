"""The middlewares that report to the frontier what only they see.

* :class:`FrontierMiddleware` (spider middleware, closest to the engine) reports each tracked
  response's callback: its start, every item it yields, its end or its error; and tracks every
  request it yields before the scheduler sees it.
* :class:`OffsiteMiddleware` (downloader middleware) is Scrapy's offsite filter, telling the
  frontier what it refuses: Scrapy refuses an offsite request in the ``request_scheduled``
  signal, with no errback and no ``request_dropped``, so a redirect to another site would leave
  its URL queued for ever. Replaces ``scrapy.downloadermiddlewares.offsite.OffsiteMiddleware``.

Both find the frontier through the crawler (:func:`~crawler.frontier.extension.frontier_of`).

Settings read: ``FRONTIER_ENABLED``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware as _ScrapyOffsiteMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request

from crawler.frontier.extension import Frontier, frontier_of
from crawler.signals import META_FRONTIER_STARTED, META_URL

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

__all__ = ["FrontierMiddleware", "OffsiteMiddleware"]


class FrontierMiddleware:
    """Spider middleware (closest to the engine): reports each response's output to the frontier.

    Every item a callback yields must leave the pipelines before its URL is done; every request
    it yields is queued in the frontier here, before the scheduler sees it. When the output ends
    (or the callback raises), the response's fetch ends.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._found: Frontier | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("FRONTIER_ENABLED"):
            raise NotConfigured("FRONTIER_ENABLED is False")
        return cls(crawler)

    def _frontier(self) -> Frontier | None:
        if self._found is None:  # extensions are built before the engine: found at the first call
            self._found = frontier_of(self.crawler)
        return self._found

    def process_spider_input(self, response: Response) -> None:
        frontier = self._frontier()
        if frontier is not None and frontier.response_started(response) is not None:
            response.meta[META_FRONTIER_STARTED] = True

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        frontier = self._frontier()
        url = response.meta.get(META_URL) if frontier is not None else None
        if frontier is None or url is None or not response.meta.get(META_FRONTIER_STARTED):
            async for out in result:
                if frontier is not None and isinstance(out, Request):
                    frontier.track(out)
                yield out
            return
        try:
            async for out in result:
                if isinstance(out, Request):
                    frontier.track(out)
                elif out is not None:
                    frontier.response_output(url)
                yield out
        except Exception as exc:
            # Scrapy logs and counts the error; the frontier keeps it as the URL's outcome.
            frontier.callback_failed(url, f"callback: {type(exc).__name__}: {exc}")
            raise
        finally:
            response.meta.pop(META_FRONTIER_STARTED, None)
            frontier.response_finished(url, response)


class OffsiteMiddleware(_ScrapyOffsiteMiddleware):
    """Scrapy's offsite filter (downloader middleware), telling the frontier what it drops."""

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        try:
            super().request_scheduled(request, spider)
        except IgnoreRequest as exc:
            frontier = frontier_of(self.crawler)
            if frontier is not None:
                frontier.request_ignored(request, f"offsite: {exc}")
            raise
