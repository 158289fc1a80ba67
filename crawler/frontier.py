"""The durable frontier of a crawl: every URL it queued, and what became of it.

A crawl keeps one SQLite ledger, ``<work_dir>/.frontier.sqlite`` (hidden: not crawl output, never
listed in the manifest, never uploaded by the spool), with one row per URL the spider asked for:
its kind (``page``, ``feed``, ``sitemap``: which callback handles it), priority, the order it was
found in, and its state
``queued → done | failed | skipped`` (with a reason for the last two).

**Invariant.** A URL is ``done`` only once its WARC record is on disk (fsynced), the items its
page gave have been written and flushed to disk by the JSON Lines writer (or dropped by
validation/dedupe), and the URLs it led to are in the ledger as ``queued``. So after any stop,
kill -9 included, every URL the crawl knew of is either ``done`` with its archive on disk, or
``failed``/``skipped`` with a reason, or still ``queued``: none is silently missing, and
``newsarc crawl --resume`` fetches the queued ones.

**Mechanism.** Nothing touches the disk per request. :class:`Frontier` collects newly queued URLs
and finished URLs in memory. Every ``FRONTIER_CHECKPOINT_INTERVAL`` seconds, and when the spider
closes, it checkpoints: it sends the :data:`frontier_sync` signal, on which the WARC extension
fsyncs its open file and the JSON Lines pipeline flushes and fsyncs its streams, then writes
both batches in one SQLite transaction (WAL, ``synchronous=NORMAL``). A URL counts as finished
when the response's callback has run to its end (its outlinks have then passed the spider
middlewares and are queued in the batch) and every item it yielded has left the item pipelines
(``item_scraped``, ``item_dropped`` or ``item_error``; after ``item_error`` the URL stays
queued, for a resume to fetch again); :class:`FrontierMiddleware`, the spider
middleware closest to the engine, does the counting. Everything finished before a checkpoint's
fsync is durable when the transaction commits; if a sync fails, finished URLs stay in memory and
are not marked (the newly queued ones are still written).

**Disk full.** The ledger keeps ``FRONTIER_RESERVE_BYTES`` of space in ``.frontier.reserve``.
When the WARC writer cannot write (:data:`archive_write_failed`), or a checkpoint fails for lack
of space, the reserve is given back and the ledger checkpointed at once (and the crawl stops,
``frontier_disk_full``): the space lets the JSON Lines files, the ledger and the manifest be
finished even when the WARC writer filled the disk.

Scrapy's offsite filter drops requests inside the ``request_scheduled`` signal, with no errback:
:class:`OffsiteMiddleware` replaces it and tells the frontier, so a redirect to another site
ends its URL's fetch (``skipped``) instead of leaving it queued for ever.

Settings read: ``FRONTIER_ENABLED``, ``FRONTIER_CHECKPOINT_INTERVAL``, ``FRONTIER_RESERVE_BYTES``,
``WARC_ENABLED``, ``NEWSARC_CRAWL_ID``, ``NEWSARC_STORE_URI``, ``NEWSARC_SPOOL_DIR``.

Stats written: ``frontier/queued`` (URLs added), ``frontier/finished/<state>``,
``frontier/checkpoints``, ``frontier/checkpoint_failed``, ``frontier/sync_failed``,
``frontier/item_failed`` (items an item pipeline failed on: their URL stays queued),
``frontier/unarchived`` (responses left queued because their WARC record was not written),
and at the end ``frontier/pending`` and ``frontier/total/<state>`` (the ledger's counts).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from scrapy import signals
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware as _ScrapyOffsiteMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task
from twisted.python.failure import Failure
from w3lib.url import safe_url_string

from crawler.crawlinfo import CrawlInfo
from crawler.items import PageItems

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector


__all__ = [
    "FRONTIER_NAME",
    "META_KIND",
    "RESERVE_NAME",
    "Entry",
    "Frontier",
    "FrontierLedger",
    "FrontierMiddleware",
    "OffsiteMiddleware",
    "archive_write_failed",
    "frontier_sync",
    "ledger_url",
]

logger = logging.getLogger(__name__)

FRONTIER_NAME = ".frontier.sqlite"
RESERVE_NAME = ".frontier.reserve"

#: Request meta key the spider sets on requests the ledger tracks: the URL's kind.
META_KIND = "newsarc_frontier_kind"
#: Request meta key the frontier sets: the ledger URL a request (or its retry/redirect) fetches.
META_URL = "newsarc_frontier_url"

#: Sent at every checkpoint, before the ledger is written: receivers make what they wrote so far
#: durable (fsync) and raise if they cannot.
frontier_sync = object()
#: Sent by a writer of crawl output that could not write (disk full, …): the frontier gives back
#: its reserved space and checkpoints at once, while the files can still be closed.
archive_write_failed = object()

#: The WARC extension's request meta key (crawler.warc.extension.META_WARC, which imports this
#: module for its signal).
_META_WARC = "newsarc_warc"
_IGNORED = "_newsarc_frontier_ignored"

QUEUED, DONE, FAILED, SKIPPED = "queued", "done", "failed", "skipped"
STATES = (QUEUED, DONE, FAILED, SKIPPED)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'queued',
    reason TEXT,
    crawl_id TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def ledger_url(url: str) -> str:
    """The ledger's key for ``url``: the URL as Scrapy's ``Request(url).url`` gives it.

    Scrapy normalises a request's URL (lower-case scheme and host, IDNA host, percent-encoded
    path and query: ``?q=a b`` becomes ``?q=a%20b``), and outcomes are recorded under
    ``request.url``; a URL queued in any other form would stay queued for ever. Every URL that
    enters the ledger (start URLs, deferred links, the spider's seen-set) goes through here.
    """
    # What scrapy.http.Request._set_url does (for a request without ``verbatim_url``).
    return safe_url_string(url, "utf-8")


class Entry(NamedTuple):
    """A URL to fetch, with what it takes to issue its request again."""

    url: str
    kind: str = "page"
    priority: int = 0


class FrontierLedger:
    """The SQLite file: queued URLs and outcomes, written in batches by :meth:`checkpoint`.

    :meth:`add` and :meth:`finish` only touch memory; :meth:`checkpoint` writes both batches in
    one transaction. Whatever was not checkpointed is lost with the process, by design: the
    caller makes the archive durable first, then checkpoints.
    """

    def __init__(self, path: Path, crawl_id: str | None = None) -> None:
        self.path = Path(path)
        self.crawl_id = crawl_id
        self._db = sqlite3.connect(self.path, isolation_level=None)
        # One process owns a ledger: no shared-memory WAL index (-shm file) is needed, and
        # another process cannot write to it meanwhile.
        self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
        self._db.execute("PRAGMA journal_mode=WAL")
        # Commits are ordered in the WAL: after a power loss the ledger may be a little older,
        # never inconsistent (a done URL's outlinks are in the same transaction).
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._new: dict[str, Entry] = {}
        (last,) = self._db.execute("SELECT max(seq) FROM urls").fetchone()
        self._seq = int(last or 0)
        self._outcomes: dict[str, tuple[str, str | None]] = {}

    def close(self) -> None:
        self._db.close()

    # -- batches (memory only) ----------------------------------------------------------------

    def add(self, entry: Entry) -> None:
        """Queue ``entry`` at the next checkpoint (ignored if the URL is already known).

        The URL is keyed as :func:`ledger_url` gives it, the form its outcome is recorded under.
        """
        url = ledger_url(entry.url)
        self._new.setdefault(url, entry._replace(url=url))

    def finish(self, url: str, state: str, reason: str | None = None) -> None:
        """Record the outcome of ``url`` at the next checkpoint."""
        if state not in (DONE, FAILED, SKIPPED):
            raise ValueError(f"not a final state: {state!r}")
        self._outcomes[url] = (state, reason)

    @property
    def dirty(self) -> bool:
        return bool(self._new or self._outcomes)

    def checkpoint(self, *, outcomes: bool = True) -> int:
        """Write the batches in one transaction; return the rows written.

        With ``outcomes=False`` only the newly queued URLs are written; the outcomes wait for a
        checkpoint whose archive sync succeeded.
        """
        new = list(self._new.values())
        done = list(self._outcomes.items()) if outcomes else []
        if not new and not done:
            return 0
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            # One B-tree keyed by URL (WITHOUT ROWID): one insert per URL, no separate index.
            seq = self._seq
            db.executemany(
                "INSERT OR IGNORE INTO urls (url, seq, kind, priority) VALUES (?, ?, ?, ?)",
                [(e.url, seq + i, e.kind, e.priority) for i, e in enumerate(new, 1)],
            )
            db.executemany(
                "UPDATE urls SET state = ?, reason = ?, crawl_id = ? WHERE url = ?",
                [(state, reason, self.crawl_id, url) for url, (state, reason) in done],
            )
            db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise
        self._new.clear()
        self._seq += len(new)
        if outcomes:
            self._outcomes.clear()
        return len(new) + len(done)

    # -- reading ------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Rows per state (every state present, 0 when none)."""
        out = dict.fromkeys(STATES, 0)
        for state, n in self._db.execute("SELECT state, count(*) FROM urls GROUP BY state"):
            out[str(state)] = int(n)
        return out

    def pending(self) -> Iterator[Entry]:
        """Queued URLs, highest priority first, then in the order they were found."""
        rows = self._db.execute(
            "SELECT url, kind, priority FROM urls WHERE state = 'queued' "
            "ORDER BY priority DESC, seq"
        )
        for url, kind, priority in rows:
            yield Entry(str(url), str(kind), int(priority))

    def urls(self) -> Iterator[str]:
        """Every URL in the ledger, whatever its state."""
        for (url,) in self._db.execute("SELECT url FROM urls"):
            yield str(url)

    def state(self, url: str) -> tuple[str, str | None] | None:
        row = self._db.execute("SELECT state, reason FROM urls WHERE url = ?", (url,)).fetchone()
        return None if row is None else (str(row[0]), row[1])

    # -- crawl metadata -----------------------------------------------------------------------

    def set_meta(self, values: dict[str, Any]) -> None:
        """Store JSON values under their keys (one transaction, at once)."""
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [(k, json.dumps(v)) for k, v in values.items()],
            )

    def meta(self) -> dict[str, Any]:
        return {str(k): json.loads(v) for k, v in self._db.execute("SELECT key, value FROM meta")}

    def copy_from(self, other: Path) -> int:
        """Seed this (empty) ledger with every URL of the ledger ``other``: queued ones stay
        queued, finished ones keep their state (a resume must not fetch them again)."""
        return self.seed({}, copy_from=other)

    def seed(
        self,
        meta: dict[str, Any],
        *,
        start_urls: Iterable[str] = (),
        copy_from: Path | None = None,
    ) -> int:
        """Fill a new crawl's ledger in one transaction: every URL of the ledger ``copy_from``
        (in their states), ``start_urls`` queued, and ``meta``. A kill leaves all of it or
        nothing, never a ledger without its start URLs or its options. Returns the URLs added.
        """
        db = self._db
        if copy_from is not None:  # ATTACH is refused inside a transaction
            db.execute("ATTACH DATABASE ? AS old", (str(copy_from),))
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                added = 0
                if copy_from is not None:
                    added += db.execute(
                        "INSERT OR IGNORE INTO urls (url, seq, kind, priority, state, reason, "
                        "crawl_id) SELECT url, seq, kind, priority, state, reason, crawl_id "
                        "FROM old.urls"
                    ).rowcount
                (last,) = db.execute("SELECT max(seq) FROM urls").fetchone()
                seq = int(last or 0)
                urls = list(dict.fromkeys(ledger_url(url) for url in start_urls))
                added += db.executemany(
                    "INSERT OR IGNORE INTO urls (url, seq, kind, priority) "
                    "VALUES (?, ?, 'page', 0)",
                    [(url, seq + i) for i, url in enumerate(urls, 1)],
                ).rowcount
                db.executemany(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    [(k, json.dumps(v)) for k, v in meta.items()],
                )
                db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise
        finally:
            if copy_from is not None:
                db.execute("DETACH DATABASE old")
        (last,) = db.execute("SELECT max(seq) FROM urls").fetchone()
        self._seq = int(last or 0)
        return added


def _is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    if isinstance(exc, sqlite3.Error):
        return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "full" in str(exc)
    return False


def _errors(results: Iterable[tuple[Any, Any]]) -> list[str]:
    return [r.getErrorMessage() for _, r in results if isinstance(r, Failure)]


class Frontier:
    """The running crawl's side of the ledger: tracks requests, counts work, checkpoints.

    The spider creates it (:meth:`from_crawler`) and calls :meth:`track` for requests it builds
    (or sets :data:`META_KIND`, and the ``request_scheduled`` signal does it), :meth:`defer` for
    URLs it will not fetch in this run (``--max-pages``), and :meth:`fetch_failed` from its
    errback. :class:`FrontierMiddleware` reports callback output; item signals report items.
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
        self._send_sync: Callable[[], list[tuple[Any, Any]]] = send_sync or list
        self._close_spider: Callable[[str], None] = close_spider or (lambda reason: None)
        self.ledger: FrontierLedger | None = None
        # Work still open per ledger URL: fetches in flight + items in the pipelines + callbacks
        # running. At 0 the URL's outcome goes into the batch.
        self._open: dict[str, int] = {}
        self._outcome: dict[str, tuple[str, str | None] | None] = {}
        self._loop: task.LoopingCall | None = None
        self._reserve = work_dir / RESERVE_NAME
        self.resumed = False
        self.disk_full = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("FRONTIER_ENABLED"):
            raise NotConfigured("FRONTIER_ENABLED is False: the crawl keeps no frontier ledger")
        info = CrawlInfo.from_crawler(crawler)
        assert crawler.stats is not None

        def send_sync() -> list[tuple[Any, Any]]:
            return crawler.signals.send_catch_log(frontier_sync)

        def close_spider(reason: str) -> None:
            if crawler.engine is not None:
                deferred_from_coro(crawler.engine.close_spider_async(reason=reason))

        frontier = cls(
            info.work_dir,
            info.crawl_id,
            crawler.stats,
            interval=settings.getfloat("FRONTIER_CHECKPOINT_INTERVAL"),
            reserve_bytes=settings.getint("FRONTIER_RESERVE_BYTES"),
            require_warc=settings.getbool("WARC_ENABLED"),
            send_sync=send_sync,
            close_spider=close_spider,
        )
        crawler.signals.connect(frontier.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(frontier.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(frontier.item_left, signal=signals.item_scraped)
        crawler.signals.connect(frontier.item_left, signal=signals.item_dropped)
        crawler.signals.connect(frontier.item_failed, signal=signals.item_error)
        crawler.signals.connect(frontier.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(frontier.write_failed, signal=archive_write_failed)
        return frontier

    # -- life cycle ---------------------------------------------------------------------------

    def open(self) -> FrontierLedger:
        """Open (or create) the ledger and the reserve, and start the checkpoint timer.

        ``newsarc crawl`` creates the ledger before the crawl starts, with the start URLs
        queued, and for a resume (``resumed_from`` in its meta, :attr:`resumed`) with the URLs of
        the crawl it continues.
        """
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.ledger = FrontierLedger(self.work_dir / FRONTIER_NAME, self.crawl_id)
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
        except sqlite3.Error as exc:
            logger.error("Could not read the frontier ledger: %s", exc)
            return
        finally:
            self.ledger.close()
        for state, n in counts.items():
            self.stats.set_value(f"frontier/total/{state}", n)
        self.stats.set_value("frontier/pending", counts[QUEUED])
        if counts[QUEUED]:
            logger.warning("%d URLs are still queued in %s", counts[QUEUED], self.ledger.path)

    # -- tracking -----------------------------------------------------------------------------

    def track(self, request: Request) -> None:
        """Start of a fetch the spider asked for: queue its URL, count the fetch as open.

        Retries and redirects carry :data:`META_URL` and continue the same fetch.
        """
        meta = request.meta
        if META_URL in meta or META_KIND not in meta or self.ledger is None or _IGNORED in meta:
            return
        url = request.url
        meta[META_URL] = url
        self._open[url] = self._open.get(url, 0) + 1
        self._outcome.setdefault(url, None)
        self.ledger.add(Entry(url, meta[META_KIND], request.priority))
        self.stats.inc_value("frontier/queued")

    def defer(self, url: str, kind: str, priority: int = 0) -> None:
        """Queue ``url`` in the ledger without fetching it in this run (left for a resume)."""
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
            request.meta[_IGNORED] = True  # not tracked: never queue it
            return
        self._end(url, (SKIPPED, reason))

    def request_dropped(self, request: Request) -> None:
        """The scheduler dropped a duplicate: a redirect to a URL already seen ends its fetch."""
        url = request.meta.get(META_URL)
        if url is None:
            return
        if request.meta.get("redirect_urls"):
            self._end(url, (DONE, "redirect to a URL already seen"))
        else:
            self._end(url, (SKIPPED, "duplicate"))

    def archived(self, response: Response) -> bool:
        """Whether the response's WARC record was written (always True without WARC)."""
        return not self.require_warc or _META_WARC in response.meta

    def _add(self, url: str, n: int = 1) -> None:
        self._open[url] = self._open.get(url, 0) + n

    def _end(self, url: str, outcome: tuple[str, str | None] | None, *, keep: bool = False) -> None:
        """One piece of ``url``'s work ended; ``outcome`` None keeps the URL queued."""
        if url not in self._open:
            return
        if not keep:
            self._outcome[url] = outcome
        left = self._open[url] - 1
        if left > 0:
            self._open[url] = left
            return
        del self._open[url]
        final = self._outcome.pop(url, None)
        if final is None or final[0] == QUEUED:
            self.stats.inc_value("frontier/left_queued")
            return
        assert self.ledger is not None
        self.ledger.finish(url, *final)
        self.stats.inc_value(f"frontier/finished/{final[0]}")

    def response_started(self, response: Response) -> str | None:
        url = response.meta.get(META_URL)
        if url is not None and url in self._open:
            self._add(url)
            return str(url)
        return None

    def response_output(self, url: str) -> None:
        """The callback yielded an item for ``url``: it must leave the pipelines first."""
        self._add(url)

    def response_finished(self, url: str, response: Response) -> None:
        """The callback of ``response`` ran to its end (its outlinks are queued)."""
        if not self.archived(response):
            self.stats.inc_value("frontier/unarchived")
            self._end(url, None)  # ends the fetch, keeps the URL queued
            self._end(url, None)
            return
        self._end(url, None, keep=True)  # the callback's own count
        outcome = self._outcome.get(url)
        self._end(url, outcome or (DONE, None))  # the fetch

    def fetch_failed(
        self, request: Request, state: str, reason: str, *, response: Response | None = None
    ) -> None:
        """The errback saw a failure after retries (``failed``) or a refusal (``skipped``).

        A failure that carries a response (HTTP error status) passed through the spider
        middlewares: :class:`FrontierMiddleware` ends the fetch; only the outcome is set here.
        """
        url = request.meta.get(META_URL)
        if url is None or url not in self._open:
            return
        if response is not None and self.response_tracked(response):
            self._outcome[url] = (state, reason)
            return
        self._end(url, (state, reason))

    def callback_failed(self, url: str, reason: str) -> None:
        """The callback raised: the URL ends ``failed`` (what it yielded before still counts),
        unless an item of it failed: then it stays queued (:meth:`item_failed`)."""
        if url in self._open and (self._outcome.get(url) or (None,))[0] != QUEUED:
            self._outcome[url] = (FAILED, reason)

    def response_tracked(self, response: Response) -> bool:
        return bool(response.meta.get("_newsarc_frontier_seen"))

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
            self._end(url, None, keep=True)

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
        if url is None or url not in self._open:
            return
        self.stats.inc_value("frontier/item_failed")
        if reason is None:
            reason = failure.getErrorMessage() if failure is not None else "item error"
        logger.warning("An item of %s was not written (%s); the URL stays queued", url, reason)
        # Sticky: response_finished keeps an outcome already set, and _end leaves QUEUED rows.
        self._end(url, (QUEUED, reason))

    # -- checkpoints --------------------------------------------------------------------------

    def checkpoint(self, *, final: bool = False) -> None:
        """Make the archive durable, then write the batches to the ledger."""
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
        except (OSError, sqlite3.Error) as exc:
            if not (_is_disk_full(exc) and self._release_reserve()):
                self._checkpoint_failed(exc, final)
                return
            self.disk_full = True
            try:
                ledger.checkpoint(outcomes=synced)
            except (OSError, sqlite3.Error) as exc2:
                self._checkpoint_failed(exc2, final)
                return
        self.stats.inc_value("frontier/checkpoints")
        if self.disk_full and not final:
            self._close_spider("frontier_disk_full")

    def _checkpoint_failed(self, exc: BaseException, final: bool) -> None:
        self.stats.inc_value("frontier/checkpoint_failed")
        logger.error(
            "Could not write the frontier ledger %s: %s", self.work_dir / FRONTIER_NAME, exc
        )
        if not final:
            self._close_spider("frontier_write_failed")


class FrontierMiddleware:
    """Spider middleware (closest to the engine): counts each response's output for the frontier.

    Every item a callback yields must leave the pipelines before its URL is done; every request
    it yields is queued in the ledger here, before the scheduler sees it. When the output ends
    (or the callback raises), the response's fetch ends.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("FRONTIER_ENABLED"):
            raise NotConfigured("FRONTIER_ENABLED is False")
        return cls(crawler)

    def _frontier(self) -> Frontier | None:
        frontier = getattr(self.crawler.spider, "frontier", None)
        return frontier if isinstance(frontier, Frontier) else None

    def process_spider_input(self, response: Response) -> None:
        frontier = self._frontier()
        if frontier is not None and frontier.response_started(response) is not None:
            response.meta["_newsarc_frontier_seen"] = True

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        frontier = self._frontier()
        url = response.meta.get(META_URL) if frontier is not None else None
        if frontier is None or url is None or not response.meta.get("_newsarc_frontier_seen"):
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
            # Scrapy logs and counts the error; the ledger keeps it as the URL's outcome.
            frontier.callback_failed(url, f"callback: {type(exc).__name__}: {exc}")
            raise
        finally:
            response.meta.pop("_newsarc_frontier_seen", None)
            frontier.response_finished(url, response)


class OffsiteMiddleware(_ScrapyOffsiteMiddleware):
    """Scrapy's offsite filter (downloader middleware), telling the frontier what it drops.

    Scrapy refuses an offsite request in the ``request_scheduled`` signal: no errback runs and no
    ``request_dropped`` is sent, so a redirect to another site would leave its URL's fetch open
    (queued) for ever. Replaces ``scrapy.downloadermiddlewares.offsite.OffsiteMiddleware``.
    """

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        try:
            super().request_scheduled(request, spider)
        except IgnoreRequest as exc:
            frontier = getattr(self.crawler.spider, "frontier", None)
            if isinstance(frontier, Frontier):
                frontier.request_ignored(request, f"offsite: {exc}")
            raise
