"""The HTTP/1.1 connection pool: idle connections kept for reuse, but a bounded number of them.

Scrapy's HTTP/1.1 handler uses Twisted's ``HTTPConnectionPool``, which keeps up to
``CONCURRENT_REQUESTS_PER_DOMAIN`` idle connections *per host* for 240 s and a list per host for
ever (an empty one once its connections have gone). A crawl of one site reuses them well; a
crawl of thousands of hosts holds an idle connection (socket, transport, protocol, parser, a
reactor timer) for most hosts it has seen in the last four minutes, though the per-host queue
comes back to a host only after it has been round all the others. :class:`IdleBoundedPool`
keeps at most ``HTTP_POOL_MAX_IDLE`` idle connections in all, closing the one idle longest
when another comes back, closes any idle for ``HTTP_POOL_IDLE_TIMEOUT`` seconds (servers
close theirs after 5–75 s: an older one is seldom still usable), and forgets a host with no
idle connection left. A closed idle connection costs only a new connection later; nothing about
politeness changes (the downloader's per-host slots decide how many requests a host has).

:class:`PooledHTTP11DownloadHandler` is Scrapy's HTTP/1.1 handler with this pool; the
browser handler (:mod:`crawler.render.handler`) takes the same pool for the requests it passes
to HTTP/1.1.

Settings: ``HTTP_POOL_MAX_IDLE``, ``HTTP_POOL_IDLE_TIMEOUT``, ``CONCURRENT_REQUESTS_PER_DOMAIN``.
Stats: ``http_pool/idle_closed`` (idle connections closed to stay under the cap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from twisted.web.client import HTTPConnectionPool

if TYPE_CHECKING:
    from collections.abc import Hashable

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from twisted.internet.defer import Deferred
    from twisted.internet.interfaces import IStreamClientEndpoint

__all__ = ["IdleBoundedPool", "PooledHTTP11DownloadHandler", "bounded_pool", "use_bounded_pool"]


class IdleBoundedPool(HTTPConnectionPool):
    """Twisted's persistent pool with at most ``max_idle`` idle connections over all hosts.

    Twisted keeps the idle connections' timers in ``_timeouts``, a dict in the order the
    connections came back: its first key is the connection idle longest."""

    def __init__(
        self,
        reactor: Any,
        *,
        max_idle: int,
        idle_timeout: int,
        max_per_host: int,
        stats: StatsCollector | None = None,
    ) -> None:
        if max_idle < 1 or idle_timeout <= 0 or max_per_host < 1:
            raise ValueError(
                "HTTP_POOL_MAX_IDLE and CONCURRENT_REQUESTS_PER_DOMAIN must be 1 or more and "
                f"HTTP_POOL_IDLE_TIMEOUT above 0: {max_idle}, {max_per_host}, {idle_timeout}"
            )
        super().__init__(reactor, persistent=True)  # type: ignore[no-untyped-call]
        self.max_idle = max_idle
        self.cachedConnectionTimeout = idle_timeout
        self.maxPersistentPerHost = max_per_host
        self.stats = stats
        self._key_of: dict[Any, Hashable] = {}  # idle connection → its host's key

    @property
    def idle(self) -> int:
        """Idle connections held now."""
        return len(self._timeouts)

    @property
    def hosts(self) -> int:
        """Host keys held now (each with at least one idle connection)."""
        return len(self._connections)

    def getConnection(self, key: Hashable, endpoint: IStreamClientEndpoint) -> Deferred[Any]:
        idle_before = list(self._connections.get(key, ()))
        result = super().getConnection(key, endpoint)
        self._forget(key, idle_before)
        return result

    def _putConnection(self, key: Hashable, connection: Any) -> None:
        idle_before = list(self._connections.get(key, ()))
        super()._putConnection(key, connection)  # type: ignore[no-untyped-call]
        if connection in self._timeouts:
            self._key_of[connection] = key
        self._forget(key, idle_before)  # the one Twisted closed past maxPersistentPerHost
        while len(self._timeouts) > self.max_idle:
            oldest = next(iter(self._timeouts))
            if self.stats is not None:
                self.stats.inc_value("http_pool/idle_closed")
            self._timeouts[oldest].cancel()  # Twisted's removal is the timer's: it cancels none
            self._removeConnection(self._key_of[oldest], oldest)

    def _removeConnection(self, key: Hashable, connection: Any) -> None:
        super()._removeConnection(key, connection)  # type: ignore[no-untyped-call]
        self._forget(key, [connection])

    def closeCachedConnections(self) -> Deferred[None]:
        self._key_of.clear()
        return super().closeCachedConnections()  # type: ignore[no-any-return,no-untyped-call]

    def _forget(self, key: Hashable, connections: list[Any]) -> None:
        """Drop what the pool no longer holds: connections out of it, a host without any."""
        for connection in connections:
            if connection not in self._timeouts:
                self._key_of.pop(connection, None)
        if not self._connections.get(key, True):
            del self._connections[key]


def bounded_pool(crawler: Crawler, reactor: Any = None) -> IdleBoundedPool:
    """The pool for a crawl's HTTP/1.1 requests, from its settings (on Scrapy's reactor)."""
    if reactor is None:
        from twisted.internet import reactor  # noqa: PLC0415 - the one Scrapy installed

    settings = crawler.settings
    return IdleBoundedPool(
        reactor,
        max_idle=settings.getint("HTTP_POOL_MAX_IDLE"),
        idle_timeout=settings.getint("HTTP_POOL_IDLE_TIMEOUT"),
        max_per_host=settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
        stats=crawler.stats,
    )


class PooledHTTP11DownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 download handler over an :class:`IdleBoundedPool`."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._pool = use_bounded_pool(self._pool, crawler)


def use_bounded_pool(
    pool: HTTPConnectionPool, crawler: Crawler, reactor: Any = None
) -> IdleBoundedPool:
    """A bounded pool in place of Scrapy's ``pool``, with the connection factory it had."""
    bounded = bounded_pool(crawler, reactor)
    bounded._factory = pool._factory  # Scrapy's lenient HTTP/1.1 client factory
    return bounded
