"""The Scrapy scheduler of a crawl shared by several workers: work is leased from the frontier.

With ``FRONTIER_URI=redis://…`` (``newsarc crawl --frontier``, ``newsarc worker``) Scrapy's own
scheduler would hold every request in this process's memory, so a second worker could never
share the work and a dead worker's requests would be lost. :class:`LeaseScheduler` (Scrapy's
``BaseScheduler`` interface) keeps the queue in the shared frontier instead
(:class:`~crawler.frontier.redis.RedisFrontier`; its backend class names this scheduler, and
``newsarc crawl`` sets ``SCHEDULER`` from it):

* **enqueue_request**: a new request of the crawl (the frontier extension tracked it) is handed
  off: its URL is queued in the frontier at the next checkpoint with the request as versioned
  JSON (:mod:`crawler.frontier.requests`), and whichever worker leases it fetches it. The
  frontier's seen-set is the duplicate filter: a URL it knows is not queued again. A request
  that continues a fetch this worker holds the lease of (a retry, a redirect, the page again in
  the browser) and requests the frontier does not track (robots.txt) stay in this process, in
  a local priority queue.
* **next_request**: the local queue first; then an entry taken from the frontier under a lease
  (``FRONTIER_LEASE_BATCH`` at a time, at most one call per ``FRONTIER_POLL_INTERVAL`` while
  the frontier has nothing to give). The request is rebuilt from its JSON (or, for a URL queued
  bare, by the spider's ``request_for(entry)``) and its fetch tracked by the frontier extension.
* Leases are **renewed** every third of the lease while this worker holds them. An entry is
  ``done`` only at a frontier checkpoint, after its WARC record and items are durable (the
  extension's ``frontier_sync`` path), and the checkpoint ends its lease. An entry whose work
  ended without a final outcome (not archived, an item not written) is given back at once, its
  delivery counted (after ``max_deliveries`` it is dead-lettered).
* **has_pending_requests** is true while anything is queued or leased in the frontier, by any
  worker, or this worker has work not yet checkpointed: a worker stays until the frontier is
  drained, and a dead worker's leases, once expired, are taken by those still running.
  ``newsarc frontier drain`` makes workers take nothing more and stop when their own work is
  checkpointed; so does the crawl's page budget, the spider's ``max_pages`` (``--max-pages``),
  once the crawl's workers together have taken that many pages: the frontier counts the pages
  taken for the whole crawl (what is left stays queued for a ``--resume``).
* **close** (the crawl stopping: drained, SIGTERM, an error): checkpoint, then give back every
  lease still held, unworked (its delivery not counted), so another worker takes it at once.

Delivery guarantee: every URL is fetched at least once; more than once only after its lease
expired (its worker died or stalled past the lease), and the first outcome recorded wins.

**Politeness across workers** (``FRONTIER_HOST_OWNERSHIP``, on by default): each host has one
owner at a time. A worker takes entries only of hosts it owns or nobody owns; it owns a host
while it holds leases on it (renewed with them) and lets it go with its last one, free for
another worker ``DOWNLOAD_DELAY`` seconds later; a dead worker's hosts are free when its leases
expire. So N workers never exceed one host's concurrency (``CONCURRENT_REQUESTS_PER_DOMAIN``
of its one owner) and delay. ``FRONTIER_MAX_HOSTS`` caps the hosts one worker owns at once
(0: no cap), which spreads a few hosts over several workers.

Settings read: ``FRONTIER_LEASE_BATCH``, ``FRONTIER_POLL_INTERVAL``, ``FRONTIER_HOST_OWNERSHIP``,
``FRONTIER_MAX_HOSTS``, ``DOWNLOAD_DELAY``, ``NEWSARC_WORKER_ID`` (the lease owner's name), and
through the frontier extension ``FRONTIER_*``.

Stats written: ``frontier/handed_off`` (requests queued in the shared frontier),
``frontier/leased`` (entries taken), ``frontier/lease_renewals``, ``frontier/lease_lost``,
``frontier/released`` (given back on close), ``frontier/given_back`` (work that did not end
final), ``frontier/request_unreadable`` (a stored request that could not be rebuilt; its URL
is fetched as a plain entry), ``frontier/local`` (requests kept in this process),
``frontier/lease_failed`` (the frontier could not be reached: the crawl stops).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import time
from typing import TYPE_CHECKING

from twisted.internet import task

from crawler.crawlinfo import worker_id
from crawler.frontier.base import BACKEND_ERRORS
from crawler.frontier.extension import Frontier, frontier_of
from crawler.frontier.redis import RedisFrontier
from crawler.frontier.requests import RequestFormatError, request_from_json, request_to_json
from crawler.shutdown import close_spider
from crawler.signals import META_FRONTIER_LEASED, META_URL

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request
    from scrapy.statscollectors import StatsCollector

    from crawler.frontier.redis import Lease

__all__ = ["LeaseScheduler"]

logger = logging.getLogger(__name__)

#: How long the frontier's counts answer ``has_pending_requests`` before they are read again.
_COUNTS_TTL = 0.5


class LeaseScheduler:
    """Scrapy scheduler over a leasing frontier backend (see the module docstring)."""

    def __init__(
        self,
        crawler: Crawler,
        stats: StatsCollector,
        *,
        batch: int,
        poll_interval: float,
        worker: str = "",
        host_ownership: bool = True,
        max_hosts: int = 0,
        host_delay: float = 0.0,
    ) -> None:
        if batch < 1:
            raise ValueError(f"FRONTIER_LEASE_BATCH must be 1 or more: {batch!r}")
        if poll_interval < 0:
            raise ValueError(f"FRONTIER_POLL_INTERVAL must be 0 or more: {poll_interval!r}")
        self.crawler = crawler
        self.stats = stats
        self.batch = batch
        self.poll_interval = poll_interval
        self.worker = worker
        self.host_ownership = host_ownership
        if max_hosts < 0:
            raise ValueError(f"FRONTIER_MAX_HOSTS must be 0 (no limit) or more: {max_hosts!r}")
        self.max_hosts = max_hosts
        self.host_delay = host_delay
        self.spider: Spider | None = None
        self._frontier: Frontier | None = None
        self._backend: RedisFrontier | None = None
        self._local: list[tuple[int, int, Request]] = []  # (-priority, order, request)
        self._order = itertools.count()
        self._buffer: list[Lease] = []
        self._next_take = 0.0  # monotonic time before which an empty frontier is not asked
        self._counts: tuple[float, int] = (0.0, 0)  # (read at, queued + leased)
        self._draining: tuple[float, bool] = (0.0, False)  # (read at, draining)
        self._renew: task.LoopingCall | None = None
        self._wake: task.LoopingCall | None = None
        self._failed = False
        self._max_pages = 0  # the spider's max_pages: the crawl's page budget (0: no cap)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        assert crawler.stats is not None
        try:
            batch = settings.getint("FRONTIER_LEASE_BATCH")
            poll = settings.getfloat("FRONTIER_POLL_INTERVAL")
            max_hosts = settings.getint("FRONTIER_MAX_HOSTS")
            delay = settings.getfloat("DOWNLOAD_DELAY")
        except ValueError as exc:
            raise ValueError(
                f"FRONTIER_LEASE_BATCH, FRONTIER_POLL_INTERVAL, FRONTIER_MAX_HOSTS: {exc}"
            ) from exc
        if not settings.getbool("FRONTIER_ENABLED"):
            raise ValueError("the leasing scheduler needs the frontier: FRONTIER_ENABLED is False")
        return cls(
            crawler,
            crawler.stats,
            batch=batch,
            poll_interval=poll,
            worker=worker_id(settings),
            host_ownership=settings.getbool("FRONTIER_HOST_OWNERSHIP"),
            max_hosts=max_hosts,
            host_delay=delay,
        )

    # -- Scrapy's scheduler interface ---------------------------------------------------------

    def open(self, spider: Spider) -> None:
        # The frontier extension opens its backend at spider_opened, after this: found lazily.
        self.spider = spider
        self._max_pages = max(0, int(getattr(spider, "max_pages", 0) or 0))
        self._frontier = frontier_of(self.crawler)
        if self._frontier is None:
            raise ValueError("the leasing scheduler needs the frontier extension")
        self._frontier.on_left_queued = self._give_back

    def close(self, reason: str) -> None:
        """Commit what is durable, then give back every lease still held (unworked)."""
        for loop in (self._renew, self._wake):
            if loop is not None and loop.running:
                loop.stop()
        backend = self._backend
        if backend is None or self._frontier is None:
            return
        self._frontier.checkpoint()
        self._buffer.clear()
        try:
            released = backend.release(reason=f"worker stopping ({reason})")
        except BACKEND_ERRORS as exc:
            logger.error("Could not give the leases of %s back: %s", backend.owner, exc)
            self.stats.inc_value("frontier/lease_failed")
            return
        if released:
            logger.info("Gave %d leases back to the frontier (%s)", released, reason)
            self.stats.inc_value("frontier/released", released)

    def has_pending_requests(self) -> bool:
        if self._local or self._buffer:
            return True
        backend = self._ready()
        if backend is None:
            return False
        if backend.dirty:
            return True  # outcomes or new URLs of this worker not checkpointed yet
        if self._draining_or_failed() or backend.budget_spent:
            return bool(backend.leased) and not self._failed
        now = time.monotonic()
        read_at, pending = self._counts
        if now - read_at >= _COUNTS_TTL:
            try:
                counts = backend.counts()
            except BACKEND_ERRORS as exc:
                self._unavailable(exc)
                return False
            pending = counts["queued"] + counts["leased"]
            self._counts = (now, pending)
        return pending > 0

    def enqueue_request(self, request: Request) -> bool:
        backend = self._ready()
        url = request.meta.get(META_URL)
        if backend is None or url is None:
            self._push_local(request)  # not the frontier's (robots.txt), or no frontier yet
            return True
        if request.meta.get(META_FRONTIER_LEASED) and url in backend.leased:
            # Continues a fetch this worker holds the lease of: a retry, a redirect.
            if request.url != url and not request.dont_filter and self._known(request.url):
                return False  # a redirect to a URL the crawl has: Scrapy's duplicate rule
            self._push_local(request)
            return True
        assert self.spider is not None and self._frontier is not None
        work = self._frontier.urls.get(url)
        if request.dont_filter and url in backend.leased and work is not None and work.callbacks:
            # Asked for again by its own callback (the page in the browser): a second fetch
            # of the lease this worker holds. (A start request for a URL some worker leased
            # is not: the frontier has it.)
            self._push_local(request)
            return True
        # A new request (or a link to a page some worker has, this one too): the frontier
        # queues it once, for whoever takes it.
        self._frontier.hand_off(request)
        try:
            stored = request_to_json(request, self.spider)
        except ValueError as exc:
            logger.warning("Fetching %s here: it cannot be stored for other workers (%s)", url, exc)
            self._frontier.adopt(request, url)
            self._push_local(request)
            return True
        backend.attach_request(url, stored)
        self.stats.inc_value("frontier/handed_off")
        return True

    def next_request(self) -> Request | None:
        if self._local:
            return heapq.heappop(self._local)[2]
        backend = self._ready()
        if backend is None:
            return None
        if not self._buffer and not self._take(backend):
            return None
        lease = self._buffer.pop(0)
        request = self._request_of(lease)
        assert self._frontier is not None
        self._frontier.adopt(request, lease.entry.url)
        request.meta[META_FRONTIER_LEASED] = True
        return request

    def __len__(self) -> int:
        return len(self._local) + len(self._buffer)

    # -- leases -------------------------------------------------------------------------------

    def _ready(self) -> RedisFrontier | None:
        """The frontier's leasing backend, once the extension opened it."""
        if self._backend is None and self._frontier is not None and not self._failed:
            ledger = self._frontier.ledger
            if ledger is None:
                return None
            if not isinstance(ledger, RedisFrontier):
                raise TypeError(f"the leasing scheduler needs a leasing frontier, not {ledger}")
            if self.worker:
                ledger.owner = self.worker
            ledger.host_ownership = self.host_ownership
            ledger.max_hosts = self.max_hosts
            ledger.host_delay = self.host_delay
            ledger.max_pages = self._max_pages
            self._backend = ledger
            self._renew = task.LoopingCall(self._renew_leases)
            self._renew.start(max(0.2, ledger.lease_seconds / 3), now=False).addErrback(
                lambda f: logger.error("Lease renewal loop failed: %s", f.getErrorMessage())
            )
            self._wake = task.LoopingCall(self._wake_engine)
            self._wake.start(max(0.05, self.poll_interval), now=False).addErrback(
                lambda f: logger.error("Frontier poll loop failed: %s", f.getErrorMessage())
            )
        return None if self._failed else self._backend

    def _take(self, backend: RedisFrontier) -> bool:
        now = time.monotonic()
        if now < self._next_take or self._draining_or_failed() or backend.budget_spent:
            return False
        try:
            leases = backend.take(self.batch)
        except BACKEND_ERRORS as exc:
            self._unavailable(exc)
            return False
        if not leases:
            self._next_take = now + self.poll_interval
            return False
        self._buffer.extend(leases)
        self.stats.inc_value("frontier/leased", len(leases))
        return True

    def _draining_or_failed(self) -> bool:
        if self._failed or self._backend is None:
            return self._failed
        now = time.monotonic()
        read_at, draining = self._draining
        if now - read_at >= _COUNTS_TTL:
            try:
                draining = self._backend.draining
            except BACKEND_ERRORS as exc:
                self._unavailable(exc)
                return True
            self._draining = (now, draining)
        return draining

    def _request_of(self, lease: Lease) -> Request:
        assert self.spider is not None
        if lease.request:
            try:
                return request_from_json(lease.request, self.spider)
            except RequestFormatError as exc:
                logger.error("%s; fetching it as a plain entry", exc)
                self.stats.inc_value("frontier/request_unreadable")
        request_for = getattr(self.spider, "request_for", None)
        if request_for is None:
            raise TypeError(f"spider {self.spider.name!r} has no request_for(entry)")
        request: Request = request_for(lease.entry)
        return request

    def _wake_engine(self) -> None:
        """Ask the engine for requests again: work other workers (or this one's checkpoint)
        put into the frontier arrives without a response to wake the engine, which would
        otherwise look only at its 5 s heartbeat. (Scrapy has no public call for this.)"""
        if self._local or self._buffer:
            return
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def _renew_leases(self) -> None:
        backend = self._backend
        if backend is None or not backend.leased:
            return
        try:
            _, lost = backend.renew()
        except BACKEND_ERRORS as exc:
            self._unavailable(exc)
            return
        self.stats.inc_value("frontier/lease_renewals")
        if lost:
            # Expired and taken by another worker (this one stalled past its lease): whoever
            # records an outcome first wins; this worker's fetch of it may be a second one.
            logger.warning("Lost the lease of %d URLs: %s", len(lost), sorted(lost)[:5])
            self.stats.inc_value("frontier/lease_lost", len(lost))
            self._buffer = [lease for lease in self._buffer if lease.entry.url not in lost]

    def _give_back(self, url: str, reason: str | None) -> None:
        """A leased URL's work ended without a final outcome: queue it again, counted."""
        backend = self._backend
        if backend is None or url not in backend.leased:
            return
        try:
            backend.release([url], reason or "not archived", counted=True)
        except BACKEND_ERRORS as exc:
            self._unavailable(exc)
            return
        self.stats.inc_value("frontier/given_back")

    def _known(self, url: str) -> bool:
        assert self._backend is not None
        try:
            return self._backend.state(url) is not None
        except BACKEND_ERRORS as exc:
            self._unavailable(exc)
            return False

    def _unavailable(self, exc: BaseException) -> None:
        """The frontier cannot be reached (after the client's reconnect window): stop loudly."""
        if self._failed:
            return
        self._failed = True
        self.stats.inc_value("frontier/lease_failed")
        self.stats.set_value("frontier/unavailable", str(exc))
        logger.error("The shared frontier is unavailable; stopping the crawl: %s", exc)
        close_spider(self.crawler, "frontier_unavailable")

    def _push_local(self, request: Request) -> None:
        heapq.heappush(self._local, (-request.priority, next(self._order), request))
        self.stats.inc_value("frontier/local")
