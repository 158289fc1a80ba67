"""Scrapy extension that archives every download as WARC request/response records.

It listens to ``response_downloaded``, which fires for every download (robots.txt, sitemaps,
feeds, redirects, error statuses, non-HTML) *before* the decompression and redirect
middlewares, so the body is still content-encoded as received. Each exchange goes through
:class:`~crawler.warc.writer.WarcFileWriter`; the :class:`~crawler.items.WarcRef` of the
response record is put into ``request.meta["newsarc_warc"]`` and the capture time (ISO 8601,
UTC, the record's ``WARC-Date``) into ``request.meta["newsarc_fetched_at"]``. The response a
callback receives shares this meta, so the spider copies both into its items.

Requests with ``meta["playwright"]`` were rendered by a browser: their body is the DOM, so
they are written as a ``conversion`` record (see the writer), not as an HTTP response. The
render handler (:mod:`crawler.render.handler`) hands over the browser's own network responses in
``response.meta["newsarc_browser_exchanges"]`` (:data:`META_BROWSER_EXCHANGES`, a
:class:`~crawler.warc.exchange.BrowserExchanges`); this extension takes them out of the meta and
writes them first, as ``response``/``request`` pairs, then the DOM record, whose
``WARC-Refers-To`` names the document's response record. All of it goes through the one writer
and the one failure path below: the page counts as archived only if every record was written.

With ``WARC_INDEX_WORKER`` ("auto": when the machine has a second CPU) each file is verified and
indexed by cdxj-indexer in a worker process while it is written, a range of records at a time
(see :mod:`crawler.warc.writer`), so the crawl thread neither reads the file back nor waits, at
the end of the crawl, for more than its last range; the worker is started when the spider
opens, so it is ready by the first range.

A write failure (disk full, …) is logged at ERROR and closes the spider with reason
``warc_write_failed``: the crawl never continues unarchived. Each closed file (and its CDXJ
index) is put into the store under ``<crawl_id>/warc/<name>``; a failed put keeps the local file.

Settings read: ``WARC_ENABLED``, ``WARC_PREFIX``, ``WARC_MAX_FILE_SIZE``,
``WARC_STRIP_REQUEST_HEADERS``, ``WARC_CDXJ_ENABLED``, ``WARC_INDEX_WORKER``,
``WARC_REVISIT_ENABLED``, ``NEWSARC_CRAWL_ID``,
``NEWSARC_STORE_URI``, ``USER_AGENT``, ``ROBOTSTXT_OBEY``, ``NEWSARC_WORKER_ID`` (one of several
workers of a crawl: its files are ``<WARC_PREFIX>-<worker>-….warc.gz``).

Signals: on :data:`~crawler.signals.frontier_sync` the open file is fsynced; a write failure
sends :data:`~crawler.signals.archive_write_failed`. Its meta keys (``META_WARC``,
``META_FETCHED_AT``, ``META_BROWSER_EXCHANGES``) are defined in :mod:`crawler.signals`.

Stats written: ``warc/records_written``, ``warc/bytes_written``, ``warc/files_closed``,
``warc/write_failed``, ``warc/store_failed``, ``warc/unarchived`` (responses seen after a
write failure), ``warc/rendered`` (DOM records), ``warc/browser_responses`` (the browser's own
responses of rendered pages), ``warc/revisits`` (responses written as
``revisit`` records, see :mod:`crawler.warc.dedup`), ``warc/index_failed``.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.crawlinfo import CrawlInfo, software_versions, worker_id
from crawler.exceptions import StoreError
from crawler.lifeline import worker_pool
from crawler.middlewares.tls import WARC_TLS_HEADER, CertificateJudge
from crawler.shutdown import close_spider
from crawler.signals import (
    META_BROWSER_EXCHANGES,
    META_FETCHED_AT,
    META_WARC,
    archive_write_failed,
    frontier_sync,
    warc_file_closed,
)
from crawler.store.local import work_store
from crawler.warc.dedup import DIGEST_INDEX_NAME, DigestIndex
from crawler.warc.exchange import BrowserExchanges, exchange_from_scrapy
from crawler.warc.writer import FileStats, WarcFileWriter, WarcWriteError, cdxj_indexer

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

    from crawler.items import WarcRef
    from crawler.store import Store

__all__ = [
    "META_BROWSER_EXCHANGES",
    "META_FETCHED_AT",
    "META_WARC",
    "WarcExtension",
]

logger = logging.getLogger(__name__)

_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class WarcExtension:
    """Archives every downloaded response; closes the spider if archiving fails."""

    def __init__(
        self,
        writer: WarcFileWriter,
        store: Store,
        *,
        crawl_id: str,
        stats: StatsCollector,
        strip_headers: Iterable[str],
        close_spider: Callable[[str], None],
        on_write_failed: Callable[[], object] | None = None,
        on_file_closed: Callable[[Path, int], object] | None = None,
        tls_check: bool = True,
    ) -> None:
        self.writer = writer
        self.store = store
        self.crawl_id = crawl_id
        self.stats = stats
        self.strip_headers = tuple(strip_headers)
        self.close_spider = close_spider
        self.on_write_failed = on_write_failed
        #: Told each closed file's path and record count (the manifest's counts).
        self.on_file_closed = on_file_closed
        self.failed = False
        self.index_on_store = False
        #: Judges HTTPS certificates for the records' WARC_TLS_HEADER (None: not recorded).
        self._tls: CertificateJudge | None = CertificateJudge() if tls_check else None
        writer.on_close = self._file_closed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        # Derive the crawl id even when WARC is off, so later components agree on it.
        info = CrawlInfo.from_crawler(crawler)
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED"):
            raise NotConfigured("WARC_ENABLED is False: responses are not archived")
        prefix = settings.get("WARC_PREFIX")
        if not isinstance(prefix, str) or not _PREFIX.match(prefix):
            raise ValueError(
                f"WARC_PREFIX {prefix!r} must be letters, digits, '.', '_' or '-' (not empty)"
            )
        try:
            max_size = settings.getint("WARC_MAX_FILE_SIZE")
        except ValueError as exc:
            raise ValueError(f"WARC_MAX_FILE_SIZE must be an integer: {exc}") from exc
        if max_size <= 0:
            raise ValueError(f"WARC_MAX_FILE_SIZE must be a positive number of bytes: {max_size}")
        strip = settings.getlist("WARC_STRIP_REQUEST_HEADERS")
        if not all(isinstance(name, str) for name in strip):
            raise ValueError(f"WARC_STRIP_REQUEST_HEADERS must list header names: {strip!r}")

        worker = worker_id(settings)
        if worker:  # one of several writers of the crawl: its files carry its name
            prefix = f"{prefix}-{worker}"
        directory = info.work_dir / "warc"
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create WARC directory {directory}: {exc}") from exc
        versions = software_versions()
        warcinfo = {
            "software": " ".join(f"{name}/{version}" for name, version in versions.items()),
            "isPartOf": info.crawl_id,
            "http-header-user-agent": str(settings.get("USER_AGENT") or ""),
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        }
        revisits = settings.getbool("WARC_REVISIT_ENABLED")
        index = DigestIndex(info.local_root / DIGEST_INDEX_NAME) if revisits else None
        cdxj = settings.getbool("WARC_CDXJ_ENABLED")
        writer = WarcFileWriter(
            directory,
            prefix,
            max_size,
            warcinfo,
            cdxj_enabled=cdxj,
            digest_index=index,
            revisits=revisits,
        )
        index_worker = cdxj and _index_worker_wanted(settings.get("WARC_INDEX_WORKER", "auto"))

        assert crawler.stats is not None
        ext = cls(
            writer,
            # Closed in place; for a remote store the spool uploader sends files on.
            work_store(info.local_root, remote=info.remote),
            crawl_id=info.crawl_id,
            stats=crawler.stats,
            strip_headers=strip,
            close_spider=functools.partial(close_spider, crawler),
            on_write_failed=lambda: crawler.signals.send_catch_log(archive_write_failed),
            on_file_closed=lambda path, records: crawler.signals.send_catch_log(
                warc_file_closed, path=path, records=records
            ),
            tls_check=settings.getbool("NEWSARC_TLS_CHECK_ENABLED"),
        )
        # A remote store's spool uploader indexes a file once the store verified it.
        ext.index_on_store = index is not None and not info.remote
        crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.sync, signal=frontier_sync)
        if index_worker:
            crawler.signals.connect(ext.start_index_worker, signal=signals.spider_opened)
        return ext

    def sync(self) -> None:
        """Frontier checkpoint: make every record written so far durable (raises if not)."""
        self.writer.sync()

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        """Write the exchange and put its WarcRef into ``request.meta``."""
        # A redirected or retried request carries its predecessor's meta (Scrapy's redirect and
        # retry middlewares copy it): without this, a response whose record was not written
        # would carry the earlier hop's record and count as archived.
        request.meta.pop(META_WARC, None)
        request.meta.pop(META_FETCHED_AT, None)
        browser = request.meta.pop(META_BROWSER_EXCHANGES, None)
        if self.failed:
            self.stats.inc_value("warc/unarchived")
            return
        fetched_at = datetime.now(UTC)
        records_before = self.writer.total_records
        revisits_before = self.writer.revisits_written
        bytes_before = self.writer.total_bytes
        try:
            if request.meta.get("playwright"):
                traffic = browser if isinstance(browser, BrowserExchanges) else None
                ref = self._write_rendered(response, fetched_at, traffic)
            else:
                tls = self._tls.problems(response, fetched_at) if self._tls else None
                exchange = exchange_from_scrapy(
                    request,
                    response,
                    fetched_at,
                    self.strip_headers,
                    None if tls is None else {WARC_TLS_HEADER: " ".join(tls) or "passed"},
                )
                ref = self.writer.write_exchange(exchange)
        except WarcWriteError as exc:
            self._fail(f"WARC write failed for {response.url}: {exc}", spider)
            return
        finally:
            # Counts include the warcinfo record of a newly opened file.
            self.stats.inc_value("warc/records_written", self.writer.total_records - records_before)
            self.stats.inc_value("warc/bytes_written", self.writer.total_bytes - bytes_before)
            revisits = self.writer.revisits_written - revisits_before
            if revisits:
                self.stats.inc_value("warc/revisits", revisits)
        request.meta[META_WARC] = ref
        request.meta[META_FETCHED_AT] = fetched_at.isoformat().replace("+00:00", "Z")

    def _write_rendered(
        self, response: Response, fetched_at: datetime, browser: BrowserExchanges | None
    ) -> WarcRef:
        """The browser's own responses, then the DOM as a ``conversion`` record that refers to
        the document's response record; return where the DOM record is."""
        dom_headers: Mapping[str, str] | None = None
        if browser is not None:
            for index, exchange in enumerate(browser.exchanges):
                ref = self.writer.write_exchange(exchange)
                self.stats.inc_value("warc/browser_responses")
                if index == browser.document:
                    document_date = exchange.fetched_at.astimezone(UTC).isoformat()
                    dom_headers = {
                        "WARC-Refers-To": ref.record_id,
                        "WARC-Newsarc-Document-Date": document_date,
                    }
        ref = self.writer.write_rendered(
            response.url,
            fetched_at,
            response.body,
            status=response.status,
            extra_warc_headers=dom_headers,
        )
        self.stats.inc_value("warc/rendered")
        return ref

    def start_index_worker(self) -> None:
        """Start the CDXJ worker process now, so that it is ready by the first file close."""
        if self.writer.index_executor is None:
            self.writer.index_executor = _start_index_worker()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Close (verify, rename, index, store) the last WARC file."""
        try:
            self.writer.close()
        except WarcWriteError as exc:
            self._fail(f"closing the last WARC file failed: {exc}", spider, close=False)
        finally:
            executor, self.writer.index_executor = self.writer.index_executor, None
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)

    def _fail(self, message: str, spider: Spider | None, *, close: bool = True) -> None:
        logger.error(message, extra={"spider": spider})
        self.stats.inc_value("warc/write_failed")
        if close and not self.failed:
            if self.on_write_failed is not None:
                self.on_write_failed()  # the frontier saves its ledger while it still can
            self.close_spider("warc_write_failed")
        self.failed = True

    def _file_closed(self, path: Path, stats: FileStats) -> None:
        self.stats.inc_value("warc/files_closed")
        if self.on_file_closed is not None:
            self.on_file_closed(path, stats.records)
        paths = [path] if stats.cdxj_path is None else [path, stats.cdxj_path]
        stored = True
        for local in paths:
            key = f"{self.crawl_id}/warc/{local.name}"
            try:
                self.store.put(local, key)
            except StoreError as exc:
                logger.error("Could not store %s as %s (kept locally): %s", local, key, exc)
                self.stats.inc_value("warc/store_failed")
                stored = False
        index = self.writer.digest_index
        if stored and self.index_on_store and index is not None:
            # Closed, verified and stored: later revisits may now point into this file.
            # The writer kept what it wrote into the file; reading it back again would cost a
            # fourth pass over every file (after verification and the CDXJ index).
            entries = [
                (digest, dataclasses.replace(original, crawl_id=self.crawl_id))
                for digest, original in stats.originals
            ]
            try:
                index.add(entries)
            except sqlite3.Error as exc:
                logger.error("Could not add %s to the digest index: %s", path.name, exc)
                self.stats.inc_value("warc/index_failed")


def _index_worker_wanted(value: object) -> bool:
    if value in (None, "", "auto"):
        return (os.cpu_count() or 1) > 1
    if isinstance(value, str):
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"WARC_INDEX_WORKER must be auto, true or false, got {value!r}")
    return bool(value)


def _warm_index_worker() -> None:
    """Unpickling this function imports this module, hence the writer; cdxj-indexer (with
    surt's warnings silenced, see crawler.warc.writer) is imported now, not at the first
    close."""
    cdxj_indexer()


def _start_index_worker() -> ProcessPoolExecutor:
    executor = worker_pool(1)  # spawned, and gone with this process (crawler.lifeline)
    executor.submit(_warm_index_worker)  # start it now, not at the first close
    return executor
