"""The Scrapy extension that owns the crawl's frontier: :class:`Frontier`.

It is the one component that holds the frontier backend (:mod:`crawler.frontier.base`) and the
per-URL state machine (:mod:`crawler.frontier.state`). Everything else reaches it through the
crawler, :func:`frontier_of` (``crawler.get_extension``): the spider (to defer URLs past
``--max-pages``, report failed fetches, and read what a resume starts from), the spider
middleware that reports callback output and the offsite filter
(:mod:`crawler.frontier.middlewares`). Scrapy's own signals report the rest: scheduling,
duplicates, items leaving the pipelines.

**Invariant.** A URL is ``done`` only once its WARC record is on disk (fsynced), the items its
page gave have been written and flushed to disk by the JSON Lines writer (or dropped by
validation/dedupe), and the URLs it led to are in the frontier as ``queued``. So after any stop,
kill -9 included, every URL the crawl knew of is either ``done`` with its archive on disk, or
``failed``/``skipped`` with a reason, or still ``queued``: none is silently missing, and
``newsarc crawl --resume`` fetches the queued ones.

**Mechanism.** Nothing touches the disk per request. The backend collects newly queued URLs
and finished URLs in memory. Every ``FRONTIER_CHECKPOINT_INTERVAL`` seconds, and when the
spider closes, the frontier checkpoints: it sends :data:`~crawler.signals.frontier_sync`, on
which the WARC extension fsyncs its open file and the JSON Lines pipeline flushes and fsyncs its
streams, then commits both batches at once. A URL's outcome reaches the batch when its state
machine says its work is complete (its callback ran to its end, so its outlinks passed the
spider middlewares and are in the batch; every item it yielded left the item pipelines).
Everything finished before a checkpoint's sync is durable when it commits; if a sync fails,
finished URLs stay in memory and are not marked (the newly queued ones are still written).

**Disk full.** The frontier keeps ``FRONTIER_RESERVE_BYTES`` of space in ``.frontier.reserve``.
When the WARC writer cannot write (:data:`~crawler.signals.archive_write_failed`), or a
checkpoint fails for lack of space, the reserve is given back and the frontier checkpointed at
once (and the crawl stops, ``frontier_disk_full``): the space lets the JSON Lines files, the
ledger and the manifest be finished even when the WARC writer filled the disk.

Settings read: ``FRONTIER_ENABLED``, ``FRONTIER_URI``, ``FRONTIER_CHECKPOINT_INTERVAL``,
``FRONTIER_RESERVE_BYTES``, ``WARC_ENABLED``, ``NEWSARC_CRAWL_ID``, ``NEWSARC_STORE_URI``,
``NEWSARC_SPOOL_DIR``.

Stats written: ``frontier/queued`` (URLs added), ``frontier/deferred``,
``frontier/finished/<state>``, ``frontier/left_queued``, ``frontier/checkpoints``,
``frontier/checkpoint_failed``, ``frontier/sync_failed``, ``frontier/item_failed`` (items an
item pipeline failed on: their URL stays queued), ``frontier/unarchived`` (responses left
queued because their WARC record was not written), and at the end ``frontier/pending`` and
``frontier/total/<state>`` (the backend's counts).

Signals sent: :data:`~crawler.signals.frontier_sync` (before each commit) and
:data:`~crawler.signals.frontier_checkpointed` (after a synced commit, with the URLs it marked
done).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task
from twisted.python.failure import Failure

from crawler.crawlinfo import CrawlInfo
from crawler.frontier.base import (
    BACKEND_ERRORS,
    DONE,
    QUEUED,
    Entry,
    FrontierBackend,
    open_backend,
    redacted,
)
from crawler.frontier.state import Outcome, UrlStates
from crawler.items import PageItems
from crawler.shutdown import close_spider
from crawler.signals import (
    META_FRONTIER_IGNORED,
    META_FRONTIER_STARTED,
    META_KIND,
    META_URL,
    META_WARC,
    archive_write_failed,
    frontier_checkpointed,
    frontier_sync,
)

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.statscollectors import StatsCollector

__all__ = ["RESERVE_NAME", "Frontier", "frontier_of"]

logger = logging.getLogger(__name__)

#: Opening fails with a backend error, or ValueError when FRONTIER_URI names no backend.
_OPEN_ERRORS: tuple[type[Exception], ...] = (*BACKEND_ERRORS, ValueError)

#: The reserved space's file name in the crawl's work directory.
RESERVE_NAME = ".frontier.reserve"


def frontier_of(crawler: Crawler) -> Frontier | None:
    """The crawl's frontier (None when ``FRONTIER_ENABLED`` is False)."""
    return crawler.get_extension(Frontier)


def _is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    if isinstance(exc, sqlite3.Error):
        return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "full" in str(exc)
    return False


def _errors(results: Iterable[tuple[Any, Any]]) -> list[str]:
    return [r.getErrorMessage() for _, r in results if isinstance(r, Failure)]


class Frontier:
    """Extension: the running crawl's frontier. Tracks requests, feeds each URL's events to
    :class:`~crawler.frontier.state.UrlStates`, records terminal outcomes, checkpoints.

    The spider sets :data:`~crawler.signals.META_KIND` on the requests it builds (the
    ``request_scheduled`` signal then tracks them), calls :meth:`defer` for URLs it will not
    fetch in this run (``--max-pages``) and :meth:`fetch_failed` from its errback;
    :class:`~crawler.frontier.middlewares.FrontierMiddleware` reports callback output; Scrapy's
    item signals report items.
    """

    def __init__(
        self,
        work_dir: Path,
        crawl_id: str,
        stats: StatsCollector,
        *,
        interval: float,
        reserve_bytes: int,
        require_warc: bool,
        send_sync: Callable[[], list[tuple[Any, Any]]] | None = None,
        close_spider: Callable[[str], None] | None = None,
        uri: str = "",
        send_checkpointed: Callable[[list[str]], object] | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"FRONTIER_CHECKPOINT_INTERVAL must be positive: {interval!r}")
        if reserve_bytes < 0:
            raise ValueError(f"FRONTIER_RESERVE_BYTES must be 0 or more: {reserve_bytes!r}")
        self.work_dir = work_dir
        self.crawl_id = crawl_id
        self.stats = stats
        self.interval = interval
        self.reserve_bytes = reserve_bytes
        self.require_warc = require_warc
        self.uri = uri
        self._send_sync: Callable[[], list[tuple[Any, Any]]] = send_sync or list
        self._close_spider: Callable[[str], None] = close_spider or (lambda reason: None)
        self._send_checkpointed = send_checkpointed or (lambda urls: None)
        self._done: list[str] = []  # marked done since the last committed checkpoint
        #: The backend, once :meth:`open` succeeded (None: every report is ignored).
        self.ledger: FrontierBackend | None = None
        self.urls = UrlStates()
        self._loop: task.LoopingCall | None = None
        self._reserve = work_dir / RESERVE_NAME
        self.resumed = False
        self.disk_full = False
        self._crawler: Crawler | None = None  # set by from_crawler: signals to connect at open
        #: Told of a URL whose work ended without a final outcome (it stays queued), with the
        #: reason: a leasing scheduler (:mod:`crawler.frontier.scheduler`) gives its lease back.
        self.on_left_queued: Callable[[str, str | None], object] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("FRONTIER_ENABLED"):
            raise NotConfigured("FRONTIER_ENABLED is False: the crawl keeps no frontier ledger")
        info = CrawlInfo.from_crawler(crawler)
        assert crawler.stats is not None

        def send_sync() -> list[tuple[Any, Any]]:
            return crawler.signals.send_catch_log(frontier_sync)

        def send_checkpointed(urls: list[str]) -> object:
            return crawler.signals.send_catch_log(frontier_checkpointed, urls=urls)

        frontier = cls(
            info.work_dir,
            info.crawl_id,
            crawler.stats,
            interval=settings.getfloat("FRONTIER_CHECKPOINT_INTERVAL"),
            reserve_bytes=settings.getint("FRONTIER_RESERVE_BYTES"),
            require_warc=settings.getbool("WARC_ENABLED"),
            send_sync=send_sync,
            close_spider=functools.partial(close_spider, crawler),
            uri=settings.get("FRONTIER_URI") or "",
            send_checkpointed=send_checkpointed,
        )
        frontier._crawler = crawler
        crawler.signals.connect(frontier.item_left, signal=signals.item_scraped)
        crawler.signals.connect(frontier.item_left, signal=signals.item_dropped)
        crawler.signals.connect(frontier.item_failed, signal=signals.item_error)
        crawler.signals.connect(frontier.write_failed, signal=archive_write_failed)
        crawler.signals.connect(frontier.spider_opened, signal=signals.spider_opened)
        return frontier

    # -- life cycle ---------------------------------------------------------------------------

    def spider_opened(self) -> None:
        """Open the backend before any request; then listen to scheduling and the close."""
        try:
            self.open()
        except _OPEN_ERRORS as exc:
            # Without its frontier the crawl could not be resumed: do not run it at all.
            logger.error("Could not open the frontier ledger: %s", exc)
            self.stats.set_value("frontier/unavailable", str(exc))
            self.ledger = None
            self._close_spider("frontier_open_failed")
        crawler = self._crawler
        if crawler is not None:
            # Connected now, after every other component's handlers: the offsite filter refuses
            # a request in its request_scheduled handler before this one would queue it, and
            # the last checkpoint comes after the WARC extension closed its file.
            crawler.signals.connect(self.request_scheduled, signal=signals.request_scheduled)
            crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)
            crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def open(self) -> FrontierBackend:
        """Open (or create) the backend and the reserve, and start the checkpoint timer.

        ``newsarc crawl`` creates the frontier before the crawl starts, with the start URLs
        queued, and for a resume (``resumed_from`` in its meta, :attr:`resumed`) with the URLs of
        the crawl it continues.
        """
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.ledger = open_backend(self.uri, self.work_dir, self.crawl_id)
        self.resumed = "resumed_from" in self.ledger.meta()
        self._make_reserve()
        self._loop = task.LoopingCall(self.checkpoint)
        self._loop.start(self.interval, now=False).addErrback(
            lambda f: logger.error("Frontier checkpoint loop failed: %s", f.getErrorMessage())
        )
        return self.ledger

    def _make_reserve(self) -> None:
        if not self.reserve_bytes:
            return
        try:
            with self._reserve.open("wb") as fh:
                os.posix_fallocate(fh.fileno(), 0, self.reserve_bytes)
        except OSError as exc:
            logger.warning(
                "Could not reserve %d bytes for the frontier ledger: %s", self.reserve_bytes, exc
            )
            with contextlib.suppress(OSError):
                self._reserve.unlink()

    def _release_reserve(self, *, half: bool = False) -> bool:
        """Give back the reserved space (``half``: half of it, keeping the rest for the last
        checkpoint); False when there was nothing left to give."""
        try:
            size = self._reserve.stat().st_size
            if half and size > 1:
                os.truncate(self._reserve, size // 2)
            else:
                self._reserve.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            logger.error("Could not release the frontier's reserved space: %s", exc)
            return False
        logger.warning(
            "Disk full: released %s of the frontier's reserved space",
            "half" if half else "the rest",
        )
        return True

    def write_failed(self) -> None:
        """The archive could not be written (disk full?): free the reserve, checkpoint now."""
        if self._release_reserve(half=True):
            self.disk_full = True
        self.checkpoint(final=True)

    def spider_closed(self) -> None:
        """Last checkpoint, then count what is left."""
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self.ledger is None:
            return
        self.checkpoint(final=True)
        with contextlib.suppress(OSError):
            self._reserve.unlink()
        try:
            counts = self.ledger.counts()
        except BACKEND_ERRORS as exc:
            logger.error("Could not read the frontier ledger: %s", exc)
            return
        finally:
            self.ledger.close()
        for state, n in counts.items():
            self.stats.set_value(f"frontier/total/{state}", n)
        self.stats.set_value("frontier/pending", counts[QUEUED])
        if counts[QUEUED]:
            logger.warning("%d URLs are still queued in the frontier (%s)", counts[QUEUED], self)

    def __str__(self) -> str:
        """Where the frontier is, for messages: the ledger's path, else its URI."""
        return str(getattr(self.ledger, "path", None) or redacted(self.uri) or self.work_dir)

    # -- what a resumed crawl starts from -------------------------------------------------------

    def known_urls(self) -> Iterator[str]:
        """Every URL of the frontier, whatever its state (a resumed crawl's seen-set)."""
        return iter(()) if self.ledger is None else self.ledger.urls()

    def pending(self) -> Iterator[Entry]:
        """The queued URLs, highest priority first, then in the order they were found."""
        return iter(()) if self.ledger is None else self.ledger.pending()

    # -- events -------------------------------------------------------------------------------

    def _record(self, url: str, outcome: Outcome | None) -> None:
        """A URL's work is complete: its terminal outcome goes into the next checkpoint."""
        if outcome is None:
            return
        if not outcome.final:
            self.stats.inc_value("frontier/left_queued")
            if self.on_left_queued is not None:
                self.on_left_queued(url, outcome.reason)
            return
        assert self.ledger is not None
        self.ledger.finish(url, outcome.state, outcome.reason)
        if outcome.state == DONE:
            self._done.append(url)
        self.stats.inc_value(f"frontier/finished/{outcome.state}")

    def track(self, request: Request) -> None:
        """Start of a fetch the spider asked for: queue its URL, open a fetch for it.

        Retries and redirects carry :data:`~crawler.signals.META_URL` and continue the same
        fetch.
        """
        meta = request.meta
        if META_URL in meta or META_KIND not in meta or self.ledger is None:
            return
        if META_FRONTIER_IGNORED in meta:
            return
        url = request.url
        meta[META_URL] = url
        self.urls.scheduled(url)
        self.ledger.add(Entry(url, meta[META_KIND], request.priority))
        self.stats.inc_value("frontier/queued")

    def hand_off(self, request: Request) -> str | None:
        """A tracked request leaves this process unfetched: it is queued in a shared frontier
        (at the next checkpoint) for whichever worker takes it. Its fetch here is closed with no
        outcome; returns its URL (None: the request was not tracked)."""
        url = request.meta.pop(META_URL, None)
        if url is None:
            return None
        self.urls.handed_off(url)
        return str(url)

    def adopt(self, request: Request, url: str) -> None:
        """``request`` fetches ``url``, which this worker took from a shared frontier under a
        lease: track its fetch (the URL is in the frontier already)."""
        request.meta[META_URL] = url
        self.urls.scheduled(url)

    def defer(self, url: str, kind: str, priority: int = 0) -> None:
        """Queue ``url`` without fetching it in this run (left for a resume)."""
        if self.ledger is not None:
            self.ledger.add(Entry(url, kind, priority))  # keyed as ledger_url gives it
            self.stats.inc_value("frontier/deferred")

    def request_scheduled(self, request: Request) -> None:
        self.track(request)

    def request_ignored(self, request: Request, reason: str) -> None:
        """A ``request_scheduled`` handler refused the request (Scrapy's offsite filter does,
        with no errback and no ``request_dropped``): its fetch ends as ``skipped``."""
        url = request.meta.get(META_URL)
        if url is None:
            request.meta[META_FRONTIER_IGNORED] = True  # not tracked: never queue it
            return
        self._record(url, self.urls.offsite(url, reason))

    def request_dropped(self, request: Request) -> None:
        """The scheduler dropped a duplicate: a redirect to a URL already seen ends its fetch."""
        url = request.meta.get(META_URL)
        if url is not None:
            redirected = bool(request.meta.get("redirect_urls"))
            self._record(url, self.urls.dropped(url, redirected=redirected))

    def archived(self, response: Response) -> bool:
        """Whether the response's WARC record was written (always True without WARC)."""
        return not self.require_warc or META_WARC in response.meta

    def response_started(self, response: Response) -> str | None:
        """A response reached the spider: its callback's work is open (None: not tracked)."""
        url = response.meta.get(META_URL)
        if url is not None and self.urls.response_started(url):
            return str(url)
        return None

    def response_output(self, url: str) -> None:
        """The callback yielded an item for ``url``: it must leave the pipelines first."""
        self.urls.output(url)

    def response_finished(self, url: str, response: Response) -> None:
        """The callback of ``response`` ran to its end (its outlinks are queued)."""
        if not self.archived(response):
            self.stats.inc_value("frontier/unarchived")
            self._record(url, self.urls.not_archived(url))
            return
        self._record(url, self.urls.finished(url))

    def fetch_failed(
        self, request: Request, state: str, reason: str, *, response: Response | None = None
    ) -> None:
        """The errback saw a failure after retries (``failed``) or a refusal (``skipped``).

        A failure that carries a response (HTTP error status) passed through the spider
        middlewares: :class:`~crawler.frontier.middlewares.FrontierMiddleware` ends the fetch;
        only the outcome is set here.
        """
        url = request.meta.get(META_URL)
        if url is None:
            return
        if response is not None and self.response_tracked(response):
            self.urls.failed_in_callback(url, state, reason)
            return
        self._record(url, self.urls.fetch_failed(url, state, reason))

    def callback_failed(self, url: str, reason: str) -> None:
        """The callback raised: the URL ends ``failed`` (what it yielded before still counts),
        unless an item of it failed: then it stays queued (:meth:`item_failed`)."""
        self.urls.callback_failed(url, reason)

    def response_tracked(self, response: Response) -> bool:
        return bool(response.meta.get(META_FRONTIER_STARTED))

    def item_left(self, item: Any, response: Response | None = None, **kwargs: Any) -> None:
        """An item left the pipelines (written or dropped).

        A page unit (:class:`~crawler.items.PageItems`) that lost a member to a pipeline error
        counts as an item error (see :meth:`item_failed`): its other members went on, but the
        page must be fetched again.
        """
        if response is None:
            return
        errors = getattr(item, "errors", None) if isinstance(item, PageItems) else None
        if errors:
            self.item_failed(item, response, reason="; ".join(errors))
            return
        url = response.meta.get(META_URL)
        if url is not None:
            self._record(url, self.urls.item_left(url))

    def item_failed(
        self,
        item: Any,
        response: Response | None = None,
        failure: Failure | None = None,
        reason: str | None = None,
        **kwargs: Any,
    ) -> None:
        """An item pipeline raised (``item_error``): the item is not in the archive.

        Its URL must not end ``done``; it stays ``queued`` (whatever else its page gave), so a
        resume fetches it again: at least once, not at most once. A ``failed`` row would make
        the loss permanent, and the usual cause (the JSON Lines file could not be written) is
        not the page's fault.
        """
        if response is None:
            return
        url = response.meta.get(META_URL)
        if url is None or url not in self.urls:
            return
        self.stats.inc_value("frontier/item_failed")
        if reason is None:
            reason = failure.getErrorMessage() if failure is not None else "item error"
        logger.warning("An item of %s was not written (%s); the URL stays queued", url, reason)
        self._record(url, self.urls.item_error(url, reason))

    # -- checkpoints --------------------------------------------------------------------------

    def checkpoint(self, *, final: bool = False) -> None:
        """Make the archive durable, then commit the batches to the backend."""
        ledger = self.ledger
        if ledger is None or not ledger.dirty:
            return
        synced = True
        errors = _errors(self._send_sync())
        if errors:
            synced = False
            self.stats.inc_value("frontier/sync_failed")
            logger.error(
                "Could not make the archive durable; finished URLs are not marked done yet: %s",
                "; ".join(errors),
            )
        try:
            ledger.checkpoint(outcomes=synced)
        except BACKEND_ERRORS as exc:
            if not (_is_disk_full(exc) and self._release_reserve()):
                self._checkpoint_failed(exc, final)
                return
            self.disk_full = True
            try:
                ledger.checkpoint(outcomes=synced)
            except BACKEND_ERRORS as exc2:
                self._checkpoint_failed(exc2, final)
                return
        self.stats.inc_value("frontier/checkpoints")
        if synced and self._done:
            done, self._done = self._done, []
            self._send_checkpointed(done)
        if self.disk_full and not final:
            self._close_spider("frontier_disk_full")

    def _checkpoint_failed(self, exc: BaseException, final: bool) -> None:
        self.stats.inc_value("frontier/checkpoint_failed")
        if not _is_disk_full(exc):  # locked, I/O error, server gone: the state store itself
            self.stats.set_value("frontier/unavailable", str(exc))
        logger.error("Could not write the frontier ledger %s: %s", self, exc)
        if not final:
            self._close_spider("frontier_write_failed")
