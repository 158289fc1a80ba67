"""A component that replaces the reactor's DNS resolver when the spider opens (for the SSRF
canary's test): what no settings check can see, so only the start-up canary catches it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.resolver import CachingThreadedResolver

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler


class ResolverSwapExtension:
    """Installs Scrapy's plain (unguarded) resolver on the reactor at ``spider_opened``; its
    ``EXTENSIONS`` order must be below the canary's, so it runs first."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls()
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    def spider_opened(self) -> None:
        from twisted.internet import reactor

        reactor.installResolver(CachingThreadedResolver(reactor, 100, 5.0))  # type: ignore[attr-defined]
