"""The bounded HTTP/1.1 connection pool (crawler/connections.py): idle connections capped over
all hosts, hosts without one forgotten (L3)."""

from __future__ import annotations

from typing import Any

from scrapy.core.downloader.handlers.http11 import _LenientHTTP11ClientFactory
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.web._newclient import HTTP11ClientProtocol
from twisted.web.client import HTTPConnectionPool

from crawler.connections import IdleBoundedPool, PooledHTTP11DownloadHandler, use_bounded_pool
from crawler.crawl import _PLAIN_HANDLERS


def _idle_connection() -> HTTP11ClientProtocol:
    """A real HTTP/1.1 client protocol on a transport, between requests (QUIESCENT)."""
    protocol = HTTP11ClientProtocol()
    protocol.makeConnection(StringTransport())
    return protocol


class _NoEndpoint:
    def connect(self, factory: Any) -> Any:
        raise AssertionError("a kept connection was to be reused, not a new one opened")


def test_idle_connections_stay_under_the_cap_however_many_hosts_come_back() -> None:
    clock = Clock()
    pool = IdleBoundedPool(clock, max_idle=16, idle_timeout=60, max_per_host=8)
    connections = {}
    for k in range(2000):
        key = ("http", f"h{k}.many.test", 80)
        connections[key] = _idle_connection()
        pool._putConnection(key, connections[key])
        assert pool.idle <= 16 and pool.hosts <= 16 and len(pool._key_of) <= 16
    # The cap closed the connections idle longest and kept the 16 newest, one per host.
    kept = [("http", f"h{k}.many.test", 80) for k in range(1984, 2000)]
    assert sorted(pool._connections) == sorted(kept)
    assert all(connections[("http", f"h{k}.many.test", 80)].transport.disconnecting
               for k in range(1984))  # fmt: skip
    assert not any(connections[key].transport.disconnecting for key in kept)
    # A kept one is reused; its host, with no idle connection left, is forgotten.
    reused = pool.getConnection(kept[0], _NoEndpoint()).result  # Twisted's retrying wrapper
    assert reused._clientProtocol is connections[kept[0]]
    assert kept[0] not in pool._connections and pool.idle == 15 and len(pool._key_of) == 15
    # The idle timeout closes the rest and leaves nothing behind.
    clock.advance(60)
    assert pool.idle == 0 and pool.hosts == 0 and not pool._key_of


def test_a_host_keeps_at_most_its_per_host_idle_connections() -> None:
    pool = IdleBoundedPool(Clock(), max_idle=256, idle_timeout=60, max_per_host=2)
    key = ("http", "one.test", 80)
    three = [_idle_connection() for _ in range(3)]
    for connection in three:
        pool._putConnection(key, connection)
    assert pool._connections[key] == three[1:] and pool.idle == 2
    assert three[0].transport.disconnecting and set(pool._key_of) == set(three[1:])


def test_the_crawls_pool_comes_from_the_settings_with_scrapys_connection_factory() -> None:
    crawler = get_crawler(
        settings_dict={"HTTP_POOL_MAX_IDLE": 5, "HTTP_POOL_IDLE_TIMEOUT": 7,
                       "CONCURRENT_REQUESTS_PER_DOMAIN": 3}
    )  # fmt: skip
    scrapys = HTTPConnectionPool(Clock(), persistent=True)
    scrapys._factory = _LenientHTTP11ClientFactory  # as Scrapy's HTTP/1.1 handler sets it
    pool = use_bounded_pool(scrapys, crawler, Clock())
    assert (pool.max_idle, pool.cachedConnectionTimeout, pool.maxPersistentPerHost) == (5, 7, 3)
    assert pool._factory is _LenientHTTP11ClientFactory and pool.persistent
    assert pool.stats is crawler.stats
    # The crawl's plain handler is the one with this pool.
    assert _PLAIN_HANDLERS["http"] == "crawler.connections.PooledHTTP11DownloadHandler"
    assert load_object(_PLAIN_HANDLERS["https"]) is PooledHTTP11DownloadHandler
