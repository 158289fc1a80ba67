"""A per-host cap on the pages a crawl requests: URL traps stay bounded.

A calendar that links one more month for ever, session ids that make every link new, or
pagination without an end give a crawler an unbounded supply of fresh URLs on one host;
``DEPTH_LIMIT`` bounds how far links lead and this cap how many pages of one host are ever
requested (start URLs aside). Requests beyond it are dropped from the callback's output (as
``DepthMiddleware`` drops the too-deep ones, before the frontier ledger queues them), counted
and logged once per host. robots.txt, sitemap and feed requests are not pages and do not
count.

Settings: ``NEWSARC_MAX_PAGES_PER_HOST`` (0 = no cap).
Stats: ``limits/host_page_cap/dropped``, ``limits/host_page_cap/hosts``.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import NotConfigured

from crawler.signals import META_KIND

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

__all__ = ["HostPageCapMiddleware"]

logger = logging.getLogger(__name__)


class HostPageCapMiddleware:
    """Drop page requests to a host that already had ``cap`` of them."""

    def __init__(self, cap: int, stats: StatsCollector | None = None) -> None:
        self.cap = cap
        self.stats = stats
        self.pages: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        cap = crawler.settings.getint("NEWSARC_MAX_PAGES_PER_HOST")
        if cap <= 0:
            raise NotConfigured("NEWSARC_MAX_PAGES_PER_HOST is 0 (no cap)")
        return cls(cap, crawler.stats)

    def allows(self, request: Request) -> bool:
        """Count ``request`` against its host; False when the host's cap is reached."""
        if request.meta.get(META_KIND, "page") != "page":
            return True
        host = (urlsplit(request.url).hostname or "").lower()
        if self.pages[host] < self.cap:
            self.pages[host] += 1
            return True
        if self.stats is not None:
            self.stats.inc_value("limits/host_page_cap/dropped")
        if self.pages[host] == self.cap:
            self.pages[host] += 1  # log once per host
            if self.stats is not None:
                self.stats.inc_value("limits/host_page_cap/hosts")
            logger.warning(
                "%s reached NEWSARC_MAX_PAGES_PER_HOST (%d pages): its further links are not "
                "followed",
                host,
                self.cap,
            )
        return False

    def process_spider_output(
        self, response: Response, result: Iterable[Any], spider: Any = None
    ) -> Iterator[Any]:
        for entry in result:
            if not isinstance(entry, Request) or self.allows(entry):
                yield entry

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        async for entry in result:
            if not isinstance(entry, Request) or self.allows(entry):
                yield entry
