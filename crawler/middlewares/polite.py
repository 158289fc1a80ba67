"""Politeness under pressure: back off when a site says "too many requests", stop when it keeps
refusing, and honour robots.txt ``Crawl-delay``.

Scrapy's retry middleware retries 429 and 503 at once, and Scrapy reads ``Crawl-delay`` but never
applies it. This downloader middleware (before ``RetryMiddleware`` in the response chain):

* on a 429 or 503 response, waits ``Retry-After`` (seconds or an HTTP date; else an exponential
  backoff from ``POLITE_BACKOFF_BASE``), capped at ``POLITE_RETRY_AFTER_MAX``, **per host**: the
  host: no request to it leaves this middleware before that time, and its download slot gets
  that delay (no jitter) with its clock restarted, for requests already queued there; then
  retries the request (at most ``RETRY_TIMES`` times, or the request's ``max_retry_times``, as
  Scrapy's own retries). A good response after the wait
  restores the host's delay;
* after ``POLITE_MAX_REFUSALS`` refusals in a row from one host, stops the crawl
  (finish reason ``site_refusing``) and sends the host nothing more (requests queued for it
  fail with ``IgnoreRequest``): a site that keeps refusing is reported, not hammered.
  Only a page served ends a row of refusals: a site that serves its robots.txt, feeds and
  sitemaps but refuses every page keeps refusing. Refusals are counted (and the wait begins)
  at Scrapy's ``response_downloaded`` signal, which comes before the host's download slot
  sends its next request; the retry itself is made in ``process_response``;
* applies robots.txt ``Crawl-delay`` for our user agent as the host's minimum delay, capped at
  ``POLITE_CRAWL_DELAY_MAX`` (a larger value is logged and capped).

Settings: ``POLITE_ENABLED``, ``POLITE_RETRY_AFTER_MAX``, ``POLITE_BACKOFF_BASE``,
``RETRY_TIMES``, ``POLITE_MAX_REFUSALS``, ``POLITE_CRAWL_DELAY_MAX``, ``USER_AGENT``.
Stats: ``polite/refused``, ``polite/refused/<status>``, ``polite/waited_ms``,
``polite/gave_up``, ``polite/site_refusing``, ``polite/not_sent``, ``polite/crawl_delay``,
``polite/crawl_delay_capped``.
"""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import scrapy.core.downloader
from scrapy import signals
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import reactor, task
from twisted.python.failure import Failure

from crawler.shutdown import close_spider
from crawler.signals import META_KIND

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.core.downloader import Downloader, Slot
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

__all__ = ["PoliteBackoffMiddleware", "retry_after_seconds"]

logger = logging.getLogger(__name__)

_REFUSALS = (429, 503)
#: The clock of Scrapy's download slots (``Slot.lastseen``): monotonic in Scrapy 2.19.
_downloader_clock = getattr(scrapy.core.downloader, "monotonic", time.monotonic)


def _is_page(request: Request) -> bool:
    """Whether a request is for a page (not robots.txt, a feed or a sitemap)."""
    if request.meta.get(META_KIND) in ("feed", "sitemap"):
        return False
    return urlparse_cached(request).path != "/robots.txt"


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


class PoliteBackoffMiddleware:
    """Downloader middleware: per-host backoff on 429/503, refusal cut-off, Crawl-delay."""

    def __init__(
        self,
        crawler: Crawler,
        *,
        retry_after_max: float,
        backoff_base: float,
        max_refusals: int,
        crawl_delay_max: float,
        user_agent: str,
    ) -> None:
        self.crawler = crawler
        self.retry_after_max = retry_after_max
        self.backoff_base = backoff_base
        self.max_refusals = max_refusals
        self.crawl_delay_max = crawl_delay_max
        self.user_agent = user_agent
        self._refusals: dict[str, int] = {}
        self._saved: dict[str, tuple[float, float]] = {}  # slot key → (delay, jitter) to restore
        self._floor: dict[str, float] = {}  # host → Crawl-delay
        self._not_before: dict[str, float] = {}  # slot key → no request before (clock time)
        self._stopping = False
        self._given_up: set[str] = set()  # slot keys of hosts that kept refusing

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("POLITE_ENABLED", True):
            raise NotConfigured("POLITE_ENABLED is False")
        middleware = cls(
            crawler,
            retry_after_max=settings.getfloat("POLITE_RETRY_AFTER_MAX", 300.0),
            backoff_base=settings.getfloat("POLITE_BACKOFF_BASE", 2.0),
            max_refusals=settings.getint("POLITE_MAX_REFUSALS", 10),
            crawl_delay_max=settings.getfloat("POLITE_CRAWL_DELAY_MAX", 30.0),
            user_agent=settings.get("USER_AGENT") or "",
        )
        crawler.signals.connect(middleware.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(middleware.response_downloaded, signal=signals.response_downloaded)
        return middleware

    # -- Crawl-delay --------------------------------------------------------------------------

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        getter = getattr(robotparser, "crawl_delay", None)
        delay = getter(self.user_agent) if callable(getter) else None
        if not delay or delay <= 0:
            return
        host = urlparse_cached(request).hostname or ""
        stats = self.crawler.stats
        assert stats is not None
        if delay > self.crawl_delay_max:
            logger.warning(
                "robots.txt of %s asks for Crawl-delay %s s; capped at %s s",
                host,
                delay,
                self.crawl_delay_max,
            )
            stats.inc_value("polite/crawl_delay_capped")
            delay = self.crawl_delay_max
        stats.set_value("polite/crawl_delay", delay)
        self._floor[host] = float(delay)

    def _downloader(self) -> Downloader | None:
        engine = self.crawler.engine
        return engine.downloader if engine is not None else None

    def _slot(self, request: Request) -> tuple[str, Slot | None]:
        downloader = self._downloader()
        if downloader is None:
            return "", None
        key = downloader.get_slot_key(request)
        return key, downloader.slots.get(key)

    def _apply_floor(self, request: Request) -> None:
        floor = self._floor.get(urlparse_cached(request).hostname or "")
        if floor is None:
            return
        _, slot = self._slot(request)
        if slot is not None and slot.delay < floor:
            slot.delay = floor  # AutoThrottle may have lowered it since
            slot.jitter = 0.0
        elif slot is None:
            downloader = self._downloader()
            if downloader is not None:
                key = downloader.get_slot_key(request)
                downloader.per_slot_settings.setdefault(key, {}).update(delay=floor, jitter=0.0)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Hold a request to a host that asked us to wait until its time has come."""
        self._apply_floor(request)
        key, _ = self._slot(request)
        if key in self._given_up:
            raise self._not_sent(key)
        wait = self._not_before.get(key, 0.0) - _downloader_clock()
        if wait > 0:
            await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))

    # -- 429 / 503 ----------------------------------------------------------------------------

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        """Count a refusal, and start the host's wait, the moment the response arrives.

        Scrapy sends ``response_downloaded`` before the download slot sends its next request;
        the response reaches :meth:`process_response` only later (after the middlewares behind
        this one), and on a busy machine a slot with nothing to wait for has sent every request
        it held by then: a host that kept refusing was asked for all of them.
        """
        key, slot = self._slot(request)
        if response.status not in _REFUSALS:
            if _is_page(request):
                self._refusals.pop(key, None)
            return
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("polite/refused")
        stats.inc_value(f"polite/refused/{response.status}")
        if key in self._given_up:
            return  # sent before the host was given up
        refusals = self._refusals.get(key, 0) + 1
        self._refusals[key] = refusals
        if self.max_refusals and refusals >= self.max_refusals:
            self._give_up(key, response.status, refusals)
            return
        attempt = int(request.meta.get("retry_times", 0))
        header = response.headers.get(b"Retry-After")
        asked = retry_after_seconds(header.decode("latin-1") if header else None, time.time())
        wait = asked if asked is not None else self.backoff_base * (2**attempt)
        wait = min(wait, self.retry_after_max)
        now = _downloader_clock()
        self._not_before[key] = max(self._not_before.get(key, 0.0), now + wait)
        if slot is not None:
            # Requests already queued in the host's download slot wait as well.
            self._saved.setdefault(key, (slot.delay, slot.jitter))
            slot.delay = max(wait, self._floor.get(key, 0.0))
            slot.jitter = 0.0
            slot.lastseen = now
        stats.inc_value("polite/waited_ms", round(wait * 1000))
        logger.info(
            "%s answered %d; waiting %.1f s before asking it again (%s)",
            key,
            response.status,
            wait,
            "Retry-After" if asked is not None else "backoff",
        )

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        key, slot = self._slot(request)
        if response.status not in _REFUSALS:
            # A response to a request sent before the wait began says nothing: restore the
            # host's delay only once its wait is over.
            if _downloader_clock() >= self._not_before.get(key, 0.0):
                self._not_before.pop(key, None)
                saved = self._saved.pop(key, None)
                if saved is not None and slot is not None:
                    slot.delay, slot.jitter = saved
            self._apply_floor(request)
            return response
        if key in self._given_up:
            return response  # counted at response_downloaded: the crawl of the host stops
        assert self.crawler.spider is not None
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=f"http_{response.status}",
        )
        if retry is None:
            stats = self.crawler.stats
            assert stats is not None
            stats.inc_value("polite/gave_up")
            return response
        return retry

    def _give_up(self, key: str, status: int, refusals: int) -> None:
        stats = self.crawler.stats
        assert stats is not None
        if self._stopping:
            return
        self._stopping = True
        stats.set_value("polite/site_refusing", key)
        self._given_up.add(key)
        # Requests already waiting in the host's download slot would still be sent while the
        # crawl closes (Scrapy finishes what its downloader holds): fail them here instead.
        _, slot = self._slot_of_key(key)
        queue = getattr(slot, "queue", None)
        dropped = 0
        while queue:
            _, deferred = queue.popleft()
            deferred.errback(Failure(self._not_sent(key)))  # type: ignore[no-untyped-call]
            dropped += 1
        logger.error(
            "%s refused %d requests in a row (last: HTTP %d); stopping the crawl of it "
            "(%d queued requests not sent)",
            key,
            refusals,
            status,
            dropped,
        )
        close_spider(self.crawler, "site_refusing")

    def _slot_of_key(self, key: str) -> tuple[str, Slot | None]:
        downloader = self._downloader()
        return key, downloader.slots.get(key) if downloader is not None else None

    def _not_sent(self, key: str) -> IgnoreRequest:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("polite/not_sent")
        return IgnoreRequest(f"not sent: {key} kept refusing requests (429/503)")
