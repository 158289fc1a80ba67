"""Write items as gzip-compressed JSON Lines, one stream per item type, rotating by count.

A thin layer over Scrapy's ``JsonLinesItemExporter`` (UTF-8, ``ensure_ascii=False``, one JSON
object per line). Articles go to ``<work_dir>/items/articles-NNNNN.jsonl.gz`` and headlines to
``headlines-NNNNN.jsonl.gz``. Each file is written as ``….jsonl.gz.tmp``; on rotation (every
``JSONL_MAX_ITEMS_PER_FILE`` items) and when the spider closes it is finished (gzip trailer,
flush, fsync), renamed to its final name, the directory is fsynced, and the file is put into
the store under ``<crawl_id>/items/<name>``. A failed put keeps the local file. An item without a
``crawl_id`` gets the crawl's.

On :data:`~crawler.signals.frontier_sync` (a frontier checkpoint) the open streams are flushed
to a gzip sync point and fsynced; once that failed, every later sync raises, so the frontier
does not mark pages done whose items may be lost.

**A failed write is fatal for its stream.** When writing, flushing or finishing a file raises
``OSError`` (disk full), the compressor may have consumed lines whose output was lost: nothing
more can go through it. The file is cut back to its last sync point and left as ``….tmp`` (every
line written before that sync is in it, and recovery keeps them), later items of that type are
refused (``item_error``: their pages stay queued), every later sync raises, the frontier is told
(:data:`~crawler.signals.archive_write_failed`) and the spider closes
(``items_write_failed``); ``newsarc crawl`` then exits non-zero.

Settings read: ``JSONL_MAX_ITEMS_PER_FILE``, ``NEWSARC_CRAWL_ID``, ``NEWSARC_STORE_URI``,
``NEWSARC_WORKER_ID`` (in the file names: ``articles-<worker>-NNNNN.jsonl.gz``).

Stats written: ``items/written/article``, ``items/written/headline``, ``items/files_closed``,
``items/store_failed``, ``items/write_failed`` (streams given up after a failed write); unknown
item types are dropped as
``UnknownItemType``.
"""

from __future__ import annotations

import functools
import gzip
import logging
import os
from collections.abc import Callable, Collection, MutableMapping
from dataclasses import is_dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.exporters import JsonLinesItemExporter

from crawler.crawlinfo import CrawlInfo, worker_id
from crawler.exceptions import StoreError
from crawler.shutdown import close_spider
from crawler.signals import archive_write_failed, frontier_sync
from crawler.store.local import fsync_dir, work_store

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from crawler.store import Store

__all__ = ["STREAMS", "JsonLinesPipeline", "UnknownItemType"]

logger = logging.getLogger(__name__)

#: Item ``type`` → file name stem.
STREAMS = {"article": "articles", "headline": "headlines"}


class UnknownItemType(DropItem):
    """The item's ``type`` has no JSON Lines stream."""


class _JsonLinesExporter(JsonLinesItemExporter):
    """Scrapy's exporter, reading our dataclass items' ``__dict__`` directly.

    For items without field serializers (ours have none) and with every field exported, the
    line is the same as Scrapy's ``_get_serialized_fields`` would give (same fields, same
    order), at a third of the cost; anything else goes through Scrapy's own path.
    """

    def export_item(self, item: Any) -> None:
        if is_dataclass(item) and self.export_empty_fields and self.fields_to_export is None:
            line = self.encoder.encode(vars(item)) + "\n"
            self.file.write(line.encode(self.encoding or "utf-8"))
            return
        super().export_item(item)


class _Batched:
    """Collects lines and hands them to the gzip stream in blocks of ``size`` bytes.

    One ``GzipFile.write`` per item meant one zlib call per item, and zlib releases the GIL on
    every call: with the extraction pool's threads waiting for it, the crawl thread then queued
    to get it back, thousands of times per crawl. Lines waiting here are in memory only, like
    those in zlib's own buffer; a frontier checkpoint (:meth:`_Stream.sync`) flushes both.
    """

    def __init__(self, target: gzip.GzipFile, size: int = 1 << 16) -> None:
        self.target = target
        self.size = size
        self._parts: list[bytes] = []
        self._pending = 0

    def write(self, data: bytes) -> int:
        self._parts.append(data)
        self._pending += len(data)
        if self._pending >= self.size:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self._parts:
            self.target.write(b"".join(self._parts))
            self._parts.clear()
            self._pending = 0


class _Stream:
    """One open ``.jsonl.gz.tmp`` file and its exporter."""

    def __init__(self, final: Path) -> None:
        self.final = final
        self.tmp = final.with_name(f"{final.name}.tmp")
        self.raw: BinaryIO = self.tmp.open("xb")
        # mtime=0 keeps the gzip header reproducible; level 6 (not the default 9) halves the CPU
        # for files about 2 % larger.
        self.gz = gzip.GzipFile(fileobj=self.raw, mode="wb", mtime=0, compresslevel=6)
        self.lines = _Batched(self.gz)
        self.exporter = _JsonLinesExporter(
            self.lines,  # type: ignore[arg-type]  # any binary file object works
            encoding="utf-8",
            ensure_ascii=False,
            export_empty_fields=True,
        )
        self.exporter.start_exporting()
        self.count = 0
        #: File size at the last successful :meth:`sync`: every line written before it decodes.
        self.synced = 0

    def write(self, item: Any) -> None:
        self.exporter.export_item(item)
        self.count += 1

    def sync(self) -> None:
        """Flush every complete line to disk (a gzip sync point: a torn file recovers them)."""
        self.lines.flush()
        self.gz.flush()
        self.raw.flush()
        os.fsync(self.raw.fileno())
        self.synced = self.raw.tell()

    def abandon(self) -> None:
        """After a failed write: close the file as ``.tmp``, cut back to its last sync point.

        The compressor's state no longer matches the file (it consumed input whose output was
        lost), so nothing more is written through it, not even the gzip trailer.
        """
        # Detached: GzipFile.close (also when the object is collected) then writes nothing.
        self.gz.fileobj = None  # type: ignore[assignment]
        try:
            self.raw.close()
        except OSError as exc:  # flushing the buffer failed; the file is closed all the same
            logger.warning("Could not flush %s while giving it up: %s", self.tmp, exc)
        os.truncate(self.tmp, self.synced)
        fd = os.open(self.tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def finish(self) -> None:
        self.exporter.finish_exporting()
        self.lines.flush()
        self.gz.close()
        self.raw.flush()
        os.fsync(self.raw.fileno())
        self.raw.close()
        if self.final.exists():
            raise FileExistsError(f"refusing to overwrite {self.final}")
        self.tmp.rename(self.final)
        fsync_dir(self.final.parent)


class JsonLinesPipeline:
    """Writes articles and headlines to separate rotating ``.jsonl.gz`` files."""

    def __init__(
        self,
        directory: Path,
        crawl_id: str,
        store: Store,
        stats: StatsCollector,
        max_items_per_file: int,
        *,
        close_spider: Callable[[str], None] | None = None,
        on_write_failed: Callable[[], object] | None = None,
        worker_id: str = "",
    ) -> None:
        if max_items_per_file <= 0:
            raise ValueError(
                f"JSONL_MAX_ITEMS_PER_FILE must be a positive number of items: "
                f"{max_items_per_file!r}"
            )
        self.directory = directory
        self.crawl_id = crawl_id
        self.store = store
        self.stats = stats
        self.max_items_per_file = max_items_per_file
        self._streams: dict[str, _Stream] = {}
        self._next_index: dict[str, int] = dict.fromkeys(STREAMS, 0)
        self.closed_files: list[Path] = []
        self.sync_failed: str | None = None
        self.close_spider_callback = close_spider
        self.on_write_failed = on_write_failed
        #: Item types whose stream failed: their items are refused from then on.
        self.failed_streams: dict[str, str] = {}
        self._closing = False
        #: In every file name when several workers write one crawl (``NEWSARC_WORKER_ID``).
        self.worker_id = worker_id

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        info = CrawlInfo.from_crawler(crawler)
        try:
            max_items = crawler.settings.getint("JSONL_MAX_ITEMS_PER_FILE")
        except ValueError as exc:
            raise ValueError(f"JSONL_MAX_ITEMS_PER_FILE must be an integer: {exc}") from exc
        directory = info.work_dir / "items"
        worker = worker_id(crawler.settings)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create item directory {directory}: {exc}") from exc
        assert crawler.stats is not None
        # Files are closed in place; for a remote store the spool uploader sends them on.
        store = work_store(info.local_root, remote=info.remote)

        pipeline = cls(
            directory,
            info.crawl_id,
            store,
            crawler.stats,
            max_items,
            close_spider=functools.partial(close_spider, crawler),
            on_write_failed=lambda: crawler.signals.send_catch_log(archive_write_failed),
            worker_id=worker,
        )
        crawler.signals.connect(pipeline.sync, signal=frontier_sync)
        return pipeline

    def sync(self) -> None:
        """Frontier checkpoint: every item written so far is on disk, or this raises."""
        for kind, stream in list(self._streams.items()):
            try:
                stream.sync()
            except OSError as exc:
                # Not the frontier's hook: it is checkpointing now, and sees this raise.
                self._stream_failed(kind, stream, f"cannot flush {stream.tmp}: {exc}", tell=False)
        if self.sync_failed:
            # Once a stream could not be flushed, later lines of it may be lost too.
            raise StoreError(self.sync_failed)

    def process_item(self, item: Any) -> Any:
        # Our dataclass items are read and written through their __dict__, whose keys are their
        # fields (a third of ItemAdapter's cost); other item types go through ItemAdapter.
        adapter: MutableMapping[str, Any]
        if is_dataclass(item):
            adapter = vars(item)
            fields: Collection[str] = adapter.keys()
        else:
            adapter = ItemAdapter(item)
            fields = adapter.field_names()
        kind = adapter.get("type")
        if kind not in STREAMS:
            raise UnknownItemType(f"no JSON Lines stream for item type {kind!r}")
        if "crawl_id" in fields and not adapter.get("crawl_id"):
            adapter["crawl_id"] = self.crawl_id
        if kind in self.failed_streams:
            raise StoreError(f"not written: the {kind} stream failed ({self.failed_streams[kind]})")
        stream = self._streams.get(kind)
        if stream is None:
            stream = self._open(kind)
        try:
            stream.write(item)
        except OSError as exc:
            message = f"cannot write to {stream.tmp}: {exc}"
            self._stream_failed(kind, stream, message)
            raise StoreError(message) from exc
        self.stats.inc_value(f"items/written/{kind}")
        if stream.count >= self.max_items_per_file:
            self._close(kind)
        return item

    def close_spider(self) -> None:
        self._closing = True
        for kind in list(self._streams):
            self._close(kind)

    def _stream_failed(
        self, kind: str, stream: _Stream, message: str, *, tell: bool = True
    ) -> None:
        """A write to ``stream`` failed: give the stream up (see the module docstring)."""
        self._streams.pop(kind, None)
        self.failed_streams[kind] = message
        self.sync_failed = self.sync_failed or message
        self.stats.inc_value("items/write_failed")
        logger.error(
            "JSON Lines stream failed, no more %s items are written: %s. Left as %s with the "
            "lines of its last sync point; their pages stay queued for a resume",
            kind,
            message,
            stream.tmp,
        )
        try:
            stream.abandon()
        except OSError as exc:
            logger.error("Could not cut %s back to its last sync point: %s", stream.tmp, exc)
        if tell and self.on_write_failed is not None:
            self.on_write_failed()  # the frontier saves its ledger while it still can
        if not self._closing and self.close_spider_callback is not None:
            self.close_spider_callback("items_write_failed")

    def _open(self, kind: str) -> _Stream:
        index = self._next_index[kind]
        self._next_index[kind] = index + 1
        worker = f"{self.worker_id}-" if self.worker_id else ""
        final = self.directory / f"{STREAMS[kind]}-{worker}{index:05d}.jsonl.gz"
        try:
            stream = _Stream(final)
        except OSError as exc:
            self.stats.inc_value("items/write_failed")
            raise StoreError(f"cannot create {final}.tmp: {exc}") from exc
        self._streams[kind] = stream
        return stream

    def _close(self, kind: str) -> None:
        stream = self._streams[kind]
        try:
            # Synced first: if the gzip trailer or the rename then fails (disk full), every line
            # is still in the .tmp file, and recovery keeps it.
            stream.sync()
        except OSError as exc:
            self._stream_failed(kind, stream, f"cannot flush {stream.tmp}: {exc}")
            return
        try:
            stream.finish()
        except OSError as exc:
            self._stream_failed(kind, stream, f"cannot finish {stream.final}: {exc}")
            return
        del self._streams[kind]
        self.closed_files.append(stream.final)
        self.stats.inc_value("items/files_closed")
        key = f"{self.crawl_id}/items/{stream.final.name}"
        try:
            self.store.put(stream.final, key)
        except StoreError as exc:
            logger.error("Could not store %s as %s (kept locally): %s", stream.final, key, exc)
            self.stats.inc_value("items/store_failed")
