"""The scrapy-redis baseline of bench/workers.py: a bare spider on scrapy-redis's scheduler.

Run only inside its own environment (``make scrapy-redis-tool``: ``.tools/scrapy-redis``, with
its own Scrapy), never the project's: bench/workers.py starts it as

    PYTHONPATH=bench .tools/scrapy-redis/bin/scrapy runspider bench/scrapy_redis_spider.py \
        -s REDIS_URL=redis://… -s STUB_DNS=127.0.0.1:PORT \
        -s TWISTED_DNS_RESOLVER=scrapy_redis_spider.StubDnsResolver

and pushes the start URL to the Redis list ``bench:start_urls``.

Every process of one run shares the queue and the seen-set in Redis (scrapy-redis's
``Scheduler`` and ``RFPDupeFilter``), follows every ``/news/`` link and does nothing else (no
items, no archive): the cost of the crawl machinery alone. ``SCHEDULER_PERSIST`` is on: its
default (off) makes the first process that stops delete the shared queue and seen-set. Host
names resolve through the same stub DNS server as newsarc's (``STUB_DNS``).
"""

from __future__ import annotations

from typing import Any

import scrapy
from scrapy_redis.spiders import RedisSpider
from twisted.internet.interfaces import IResolverSimple
from twisted.names import client
from zope.interface import implementer


@implementer(IResolverSimple)
class StubDnsResolver:
    """Scrapy's ``TWISTED_DNS_RESOLVER``: every name asked of the ``STUB_DNS`` server."""

    def __init__(self, reactor: Any, server: str) -> None:
        host, port = server.rsplit(":", 1)
        self.reactor = reactor
        self._resolver = client.Resolver(servers=[(host, int(port))], reactor=reactor)

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> StubDnsResolver:
        return cls(reactor, crawler.settings["STUB_DNS"])

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:
        return self._resolver.getHostByName(name, timeout or (2, 4))


class BenchSpider(RedisSpider):
    name = "bench"
    custom_settings = {  # noqa: RUF012 (Scrapy's own attribute)
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "MAX_IDLE_TIME_BEFORE_CLOSE": 3,
        "ROBOTSTXT_OBEY": False,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
    }

    def parse(self, response: scrapy.http.Response) -> Any:
        for href in response.css("a::attr(href)").getall():
            if "/news/" in href:
                yield response.follow(href, self.parse)
