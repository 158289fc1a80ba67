"""The per-crawl manifest: every file with size and SHA-256, counts, config and versions.

:class:`ManifestExtension` writes ``<work_dir>/manifest.json`` when the engine stops
(``engine_stopped`` fires after ``spider_closed``, i.e. after the item pipelines and the WARC
extension closed their last files), as ``manifest.json.tmp`` then fsync and rename, and puts it
into the store as ``<crawl_id>/manifest.json``: the manifest is always written last.

:func:`build_manifest` and :func:`verify_manifest` need no Scrapy, for tests and for the
researchers' tools.

Manifest content (``schema`` 3; schema 1 had no ``resumed_from``, ``quarantined`` and
``counts.urls_pending``, schema 2 no ``unhashed_logs``: a reader of an older schema reads a newer
one by ignoring them)::

    schema, crawl_id, item_schema_version, started_at, finished_at, finish_reason,
    resumed_from (the crawl this one continued, see crawler.frontier; else null),
    files: [{path, kind, size, sha256, records (warc) | items (jsonl)}],
    incomplete: [paths of *.open / *.tmp files left behind],
    quarantined: [{path, reason, quarantined_as}: files that failed verification in the spool
                  and were moved aside, not stored (see crawler.store.quarantine)],
    unhashed_logs: [paths of logs written after the manifest, see below],
    counts: {pages_fetched, responses, requests, articles, headlines, items_dropped: {reason: n},
             warc_records, warc_files, errors, urls_pending, ...},
    config: {NEWSARC_*, WARC_*, JSONL_* settings, spider, start_urls, profile},
    software: {python, newsarc, scrapy, warcio, ...}

For a remote store the crawl directory is a spool directory: files the uploader has already
stored (and deleted locally) are described from its ledger (``.stored.jsonl``); the uploader
sends the manifest last (see :mod:`crawler.spool`).

``path`` is relative to the crawl directory (``warc/….warc.gz``); the store key is
``<crawl_id>/<path>``. **Logs**: the crawl goes on logging after the manifest is built (the
spool's last upload pass, the end of the run). So :class:`ManifestExtension` first finishes
``logs/crawl.log`` (:func:`close_crawl_log`: its file handler is flushed, closed and pointed at
``logs/closing.log``), then hashes it: the stored ``crawl.log`` is exactly what the manifest
says. ``logs/closing.log`` holds the lines written after that; it is named under
``unhashed_logs`` (schema 3), is never hashed and may be stored before its last lines. Manifests
of schema 2 hashed a log still being written: for ``kind: "log"`` entries, ``size`` and
``sha256`` may cover only the first ``size`` bytes, and :func:`verify_manifest` accepts a longer
log whose prefix matches.

**Workers of a shared crawl** (``NEWSARC_WORKER_ID`` set: a Redis frontier) each write their
own manifest, ``manifests/<worker>.json``, describing only their files (:func:`worker_owns`),
with ``worker`` and ``roster`` (the crawl's workers the frontier knew) added, and their own log
``logs/crawl-<worker>.log``; the crawl's ``manifest.json`` (schema 4) is merged from them by
:mod:`crawler.frontier.workers`.

Settings read: ``NEWSARC_*``, ``WARC_*``, ``JSONL_*`` (copied into ``config``, URIs without
user info), ``NEWSARC_CRAWL_ID``, ``NEWSARC_STORE_URI``, ``NEWSARC_WORKER_ID``, and for a
worker's roster ``FRONTIER_URI``.

Stats written: ``manifest/written``, ``manifest/write_failed``, ``manifest/store_failed``.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import re
import zlib
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals

from crawler.crawlinfo import CrawlInfo, settings_snapshot, software_versions
from crawler.exceptions import CorruptFileError, StoreError
from crawler.items import SCHEMA_VERSION
from crawler.signals import warc_file_closed
from crawler.store.base import sha256_file
from crawler.store.local import IN_PROGRESS_SUFFIXES, fsync_dir, work_store
from crawler.store.quarantine import quarantined
from crawler.warc.members import CorruptMember, TruncatedMember, iter_members

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

    from crawler.store import Store

__all__ = [
    "CLOSING_LOG",
    "CRAWL_LOG",
    "MANIFEST_NAME",
    "MANIFEST_SCHEMA",
    "SHARED_MARKER",
    "STORED_LEDGER",
    "WORKER_MANIFESTS",
    "ManifestExtension",
    "build_manifest",
    "close_crawl_log",
    "closing_log",
    "count_warc_records",
    "crawl_log",
    "describe_file",
    "is_shared",
    "manifest_bytes",
    "mark_shared",
    "note_quarantined",
    "record_stored",
    "stored_entries",
    "verify_manifest",
    "worker_manifest",
    "worker_owns",
    "write_manifest",
]

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
#: Where each worker of a crawl shared by several (a Redis frontier) keeps its own manifest.
WORKER_MANIFESTS = "manifests"
#: Hidden marker of a crawl directory that several workers write (see :func:`mark_shared`).
SHARED_MARKER = ".shared"
#: Ledger of files uploaded from a spool directory and deleted there (see record_stored).
STORED_LEDGER = ".stored.jsonl"
MANIFEST_SCHEMA = 3
#: The crawl's log, finished before the manifest hashes it; and where logging goes on after.
CRAWL_LOG = "logs/crawl.log"
CLOSING_LOG = "logs/closing.log"
_SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|CREDENTIAL|ACCESS_KEY", re.IGNORECASE)
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def _kind(rel: str) -> str:
    if rel.endswith(".warc.gz"):
        return "warc"
    if rel.endswith(".cdxj"):
        return "cdxj"
    if rel.endswith(".wacz"):
        return "wacz"
    if rel.endswith(".jsonl.gz"):
        return "items"
    if rel.startswith("logs/") or rel.endswith(".log"):
        return "log"
    return "other"


def count_warc_records(path: Path, *, strict: bool = False) -> int:
    """Number of gzip members (one record each) in a ``.warc.gz`` file.

    With ``strict``, a member cut short (the state a truncated copy leaves: warcio and
    ``warcio check`` do not notice it, warcio#138), a member failing its CRC and a member that
    does not hold a WARC record raise :class:`CorruptFileError`.
    """
    members = 0
    try:
        for member in iter_members(path):
            if strict and not member.holds_warc:
                raise CorruptFileError(f"gzip member {members + 1} does not hold a WARC record")
            members += 1
    except CorruptMember as exc:
        if not strict:
            raise
        raise CorruptFileError(f"gzip member {members + 1} is corrupt: {exc}") from exc
    except TruncatedMember:
        if strict:
            raise CorruptFileError(f"cut short: gzip member {members + 1} is incomplete") from None
    return members


def _count_lines(path: Path) -> int:
    lines = 0
    with gzip.open(path, "rb") as fh:
        for _ in fh:
            lines += 1
    return lines


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return _USERINFO.sub("", value)
    if isinstance(value, list | tuple):
        return [_redact(v) for v in value]
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items() if not _SECRET_NAME.search(str(k))}
    return value


def _counts(stats: dict[str, Any]) -> dict[str, Any]:
    dropped = {
        key.removeprefix("item_dropped_reasons_count/"): value
        for key, value in sorted(stats.items())
        if key.startswith("item_dropped_reasons_count/")
    }
    return {
        "pages_fetched": stats.get("newsarc/pages_fetched", 0),
        "responses": stats.get("response_received_count", 0),
        "requests": stats.get("downloader/request_count", 0),
        "articles": stats.get("items/written/article", 0),
        "headlines": stats.get("items/written/headline", 0),
        # Items written to JSON Lines.
        "items_scraped": stats.get("items/written/article", 0)
        + stats.get("items/written/headline", 0),
        "items_dropped": dropped,
        "warc_records": stats.get("warc/records_written", 0),
        "warc_files": stats.get("warc/files_closed", 0),
        "warc_write_failed": stats.get("warc/write_failed", 0),
        "store_failed": stats.get("warc/store_failed", 0) + stats.get("items/store_failed", 0),
        "errors": stats.get("log_count/ERROR", 0),
        "urls_pending": stats.get("frontier/pending", 0),
    }


def describe_file(
    path: Path, rel: str, *, strict: bool = False, records: int | None = None
) -> dict[str, Any]:
    """The manifest entry of one finished file: path, kind, size, SHA-256, record/item count.

    ``strict`` (the spool uploader, before a file leaves the machine) also checks that a WARC
    file's gzip members and a JSON Lines file's gzip stream are complete and intact, and raises
    :class:`CorruptFileError` when they are not; errors reading the file propagate as they are.
    ``records``: a WARC file's record count as the writer verified it at close (not counted
    again, unless ``strict``).
    """
    kind = _kind(rel)
    size, sha = sha256_file(path)
    entry: dict[str, Any] = {"path": rel, "kind": kind, "size": size, "sha256": sha}
    if kind == "warc":
        known = records is not None and not strict
        entry["records"] = records if known else count_warc_records(path, strict=strict)
    elif kind == "items":
        try:
            entry["items"] = _count_lines(path)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            if not strict:
                raise
            raise CorruptFileError(f"not a complete gzip stream: {exc}") from exc
    return entry


def record_stored(work_dir: Path, entry: dict[str, Any]) -> None:
    """Append ``entry`` to the crawl's ledger of files already stored and removed locally.

    The spool uploader calls this (and fsyncs) *before* deleting a verified local file, so a
    manifest built at any moment finds every file either on disk or in the ledger.
    """
    with (Path(work_dir) / STORED_LEDGER).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def stored_entries(work_dir: Path) -> dict[str, dict[str, Any]]:
    """Entries of the ledger written by :func:`record_stored`, by path (last one wins)."""
    entries: dict[str, dict[str, Any]] = {}
    try:
        with (Path(work_dir) / STORED_LEDGER).open(encoding="utf-8") as fh:
            for line in fh:
                if line.endswith("\n"):  # a torn last line (crash) is ignored
                    entry = json.loads(line)
                    entries[str(entry["path"])] = entry
    except FileNotFoundError:
        pass
    return entries


def _hidden(rel: str) -> bool:
    return any(part.startswith(".") for part in rel.split("/"))


def crawl_log(worker: str = "") -> str:
    """The crawl's log: ``logs/crawl.log``, or a worker's own ``logs/crawl-<worker>.log``."""
    return f"logs/crawl-{worker}.log" if worker else CRAWL_LOG


def closing_log(worker: str = "") -> str:
    """Where a (worker's) log goes on once the manifest hashed it."""
    return f"logs/closing-{worker}.log" if worker else CLOSING_LOG


def worker_manifest(worker: str) -> str:
    """A worker's own manifest in a shared crawl: ``manifests/<worker>.json``."""
    return f"{WORKER_MANIFESTS}/{worker}.json"


def worker_owns(rel: str, worker: str) -> bool:
    """Whether ``rel`` is one of ``worker``'s files in a shared crawl directory: its WARC
    files (``<prefix>-<worker>-<timestamp>-…``) and their indexes, its JSON Lines files
    (``articles-<worker>-NNNNN…``), its logs and its manifest. The digits after the worker's
    name keep ``w`` from claiming the files of ``w-2``."""
    w = re.escape(worker)
    name = rel.rsplit("/", 1)[-1]
    if rel.startswith("warc/"):
        return re.search(rf"-{w}-\d{{14}}-", name) is not None
    if rel.startswith("items/"):
        return re.match(rf"[a-z]+-{w}-\d{{5}}\.", name) is not None
    return rel in (crawl_log(worker), closing_log(worker), worker_manifest(worker))


def is_shared(work_dir: Path) -> bool:
    """Whether several workers write ``work_dir`` (a crawl on a shared frontier)."""
    return (Path(work_dir) / SHARED_MARKER).exists()


def mark_shared(work_dir: Path) -> None:
    """Mark ``work_dir`` as written by several workers: each writes its own manifest, none
    writes ``manifest.json`` on its own, nor does the recovery of a dead worker's files."""
    marker = Path(work_dir) / SHARED_MARKER
    if not marker.exists():
        marker.write_bytes(b"")
        fsync_dir(Path(work_dir))


def build_manifest(
    work_dir: Path,
    *,
    crawl_id: str,
    stats: dict[str, Any],
    config: dict[str, Any],
    unhashed_logs: Iterable[str] = (),
    worker: str = "",
    warc_records: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Describe the crawl directory ``work_dir`` (every file but the manifest itself).

    Files already uploaded and removed from a spool directory are taken from its ledger
    (:func:`stored_entries`); hidden files (the ledger, locks) are not crawl output.
    ``unhashed_logs`` (still being written) are named, not described. With ``worker`` (one
    of several writers of the crawl) only that worker's files are described
    (:func:`worker_owns`), and the result is that worker's manifest. ``warc_records``: the
    record counts of WARC files (by relative path) the crawl's writer verified as it closed
    them, taken as they are.
    """
    known = warc_records or {}
    described: dict[str, dict[str, Any]] = {}
    incomplete: list[str] = []
    unhashed = list(unhashed_logs)
    for path in sorted(p for p in Path(work_dir).rglob("*") if p.is_file()):
        rel = path.relative_to(work_dir).as_posix()
        if rel in (MANIFEST_NAME, f"{MANIFEST_NAME}.tmp") or _hidden(rel) or rel in unhashed:
            continue
        if rel.startswith(f"{WORKER_MANIFESTS}/") or (worker and not worker_owns(rel, worker)):
            continue
        if path.name.endswith(IN_PROGRESS_SUFFIXES):
            incomplete.append(rel)
            continue
        try:
            described[rel] = describe_file(path, rel, records=known.get(rel))
        except FileNotFoundError:
            continue  # uploaded and removed meanwhile: the ledger (read below) has it
    # Read after the directory scan: a file is in the ledger before it leaves the disk.
    for rel, entry in stored_entries(work_dir).items():
        if rel.startswith(f"{WORKER_MANIFESTS}/") or (worker and not worker_owns(rel, worker)):
            continue
        described.setdefault(rel, entry)
    files = [described[rel] for rel in sorted(described)]
    manifest: dict[str, Any] = {
        "schema": MANIFEST_SCHEMA,
        "crawl_id": crawl_id,
        "item_schema_version": SCHEMA_VERSION,
        "started_at": _iso(stats.get("start_time")),
        "finished_at": _iso(stats.get("finish_time")),
        "finish_reason": stats.get("finish_reason"),
        "resumed_from": config.get("NEWSARC_RESUMED_FROM"),
        "files": files,
        "incomplete": incomplete,
        "quarantined": quarantined(work_dir),
        "unhashed_logs": unhashed,
        "counts": _counts(stats),
        "config": _redact(config),
        "software": software_versions(),
    }
    if worker:
        manifest["worker"] = worker
    return manifest


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """A manifest as it is written (UTF-8 JSON, indented)."""
    return (json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n").encode()


def write_manifest(work_dir: Path, manifest: dict[str, Any], rel: str = MANIFEST_NAME) -> Path:
    """Write ``manifest.json`` (or ``rel``, a worker's manifest) atomically (temp, fsync,
    rename, fsync dir); return its path."""
    target = Path(work_dir).joinpath(*rel.split("/"))
    tmp = target.with_name(f"{target.name}.tmp")
    data = manifest_bytes(manifest).decode()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Owner-only: it holds the crawl's configuration (redacted, but still configuration).
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(target)
        fsync_dir(target.parent)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return target


def note_quarantined(work_dir: Path) -> bool:
    """Bring an existing ``manifest.json`` up to date with the crawl's quarantine.

    Files moved to quarantine after the manifest was written leave its ``files`` list (they
    will never be in the store) and are named under ``quarantined``. Returns whether the
    manifest changed; raises :class:`OSError` or :class:`ValueError` when it cannot be read
    or rewritten.
    """
    path = Path(work_dir) / MANIFEST_NAME
    with path.open(encoding="utf-8") as fh:
        manifest = json.load(fh)
    moved = quarantined(work_dir)
    gone = {entry["path"] for entry in moved}
    files = [entry for entry in manifest.get("files", []) if entry.get("path") not in gone]
    if files == manifest.get("files") and moved == manifest.get("quarantined", []):
        return False
    manifest["files"] = files
    manifest["quarantined"] = moved
    write_manifest(work_dir, manifest)
    return True


def close_crawl_log(work_dir: Path, worker: str = "") -> list[str]:
    """Finish ``<work_dir>/logs/crawl.log`` so that it can be hashed as it will be stored.

    Every file handler of the root logger writing it (Scrapy's, from ``LOG_FILE``) is flushed,
    closed and pointed at ``logs/closing.log``, which it opens on its next line. Returns the
    logs now written instead (``[CLOSING_LOG]``, or ``[]`` when no handler wrote the log).
    A worker of a shared crawl does the same with ``logs/crawl-<worker>.log`` and
    ``logs/closing-<worker>.log``.
    """
    log = (Path(work_dir) / crawl_log(worker)).resolve()
    closing = (Path(work_dir) / closing_log(worker)).resolve()
    switched = False
    for handler in logging.getLogger().handlers:
        if not isinstance(handler, logging.FileHandler):
            continue
        if Path(handler.baseFilename) == log:
            with handler.lock:  # type: ignore[union-attr]  # created by Handler.__init__
                handler.flush()
                handler.close()  # a closed FileHandler opens baseFilename again on emit...
                handler.baseFilename = os.fspath(closing)
                # ...unless its mode is "w" (LOG_FILE_APPEND=False): a closed "w" handler drops
                # every record (CPython bpo-42378), the last upload pass's lines included.
                handler.mode = "a"
        switched = switched or Path(handler.baseFilename) == closing
    return [closing_log(worker)] if switched else []


def verify_manifest(work_dir: Path) -> list[str]:
    """Check the files of a crawl directory against its manifest; return the problems."""
    work_dir = Path(work_dir)
    try:
        with (work_dir / MANIFEST_NAME).open(encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (OSError, ValueError) as exc:
        return [f"{MANIFEST_NAME}: cannot read: {exc}"]
    problems: list[str] = []
    listed: set[str] = {str(rel) for rel in manifest.get("unhashed_logs", [])}
    for entry in manifest.get("files", []):
        rel = str(entry.get("path", ""))
        listed.add(rel)
        path = work_dir / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            problems.append(f"{rel}: unsafe path in manifest")
            continue
        if not path.is_file():
            problems.append(f"{rel}: missing")
            continue
        expected = int(entry.get("size", -1))
        actual_size = path.stat().st_size
        is_log = entry.get("kind") == "log"
        if actual_size != expected and not (is_log and actual_size > expected):
            problems.append(f"{rel}: size {actual_size}, manifest says {expected}")
            continue
        _, sha = sha256_file(path, limit=expected if is_log else None)
        if sha != entry.get("sha256"):
            problems.append(f"{rel}: sha256 {sha}, manifest says {entry.get('sha256')}")
    for path in sorted(p for p in work_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(work_dir).as_posix()
        if rel not in listed and rel != MANIFEST_NAME and not _hidden(rel):
            problems.append(f"{rel}: not listed in the manifest")
    return problems


class ManifestExtension:
    """Writes the crawl's ``manifest.json`` once everything else is closed."""

    def __init__(
        self,
        work_dir: Path,
        crawl_id: str,
        store: Store,
        stats: StatsCollector,
        config: dict[str, Any],
        *,
        worker: str = "",
    ) -> None:
        self.work_dir = work_dir
        self.crawl_id = crawl_id
        self.store = store
        self.stats = stats
        self.config = config
        #: One of several workers of the crawl: it writes ``manifests/<worker>.json``.
        self.worker = worker
        #: The crawler's settings (where a worker finds its crawl's frontier).
        self.settings: BaseSettings | None = None
        #: Record counts of the WARC files closed in this crawl (relative path → records).
        self.warc_records: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        info = CrawlInfo.from_crawler(crawler)
        config = settings_snapshot(crawler.settings, ("NEWSARC_", "WARC_", "JSONL_"))
        config["spider"] = getattr(crawler.spidercls, "name", None)
        assert crawler.stats is not None
        # Files are closed in place; for a remote store the spool uploader sends them on.
        store = work_store(info.local_root, remote=info.remote)
        from crawler.frontier.workers import shared_worker  # noqa: PLC0415

        worker = shared_worker(crawler.settings)  # one of a shared crawl's workers: its own
        ext = cls(info.work_dir, info.crawl_id, store, crawler.stats, config, worker=worker)
        ext.settings = crawler.settings
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.warc_file_closed, signal=warc_file_closed)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        """Record what the spider was asked to crawl (its start URLs and profile)."""
        start_urls = getattr(spider, "start_urls", None)
        if start_urls:
            self.config["start_urls"] = [str(url) for url in start_urls]
        profile = getattr(spider, "profile", None)
        name = getattr(profile, "name", profile)
        if name is not None:
            self.config["profile"] = str(name)

    def warc_file_closed(self, path: Path, records: int) -> None:
        """Keep the record count of a WARC file the crawl closed (and verified)."""
        try:
            rel = path.relative_to(self.work_dir).as_posix()
        except ValueError:
            return  # not in this crawl's directory: counted when described, if at all
        self.warc_records[rel] = records

    def engine_stopped(self) -> None:
        """Write the manifest and put it into the store."""
        self.write()

    def write(self) -> Path | None:
        """Build and write the manifest now; return its path (None when writing failed)."""
        try:
            self.work_dir.mkdir(parents=True, exist_ok=True)
            unhashed = close_crawl_log(self.work_dir, self.worker)
            manifest = build_manifest(
                self.work_dir,
                crawl_id=self.crawl_id,
                stats=self.stats.get_stats(),
                config=self.config,
                unhashed_logs=unhashed,
                worker=self.worker,
                warc_records=self.warc_records,
            )
            if self.worker and self.settings is not None:
                # The crawl's workers as the frontier knows them now: a reader of the store
                # names those with no manifest there while the crawl has none of its own.
                from crawler.frontier.workers import roster  # noqa: PLC0415

                names = roster(self.settings, self.work_dir)
                if names is not None:
                    manifest["roster"] = names
            rel = worker_manifest(self.worker) if self.worker else MANIFEST_NAME
            path = write_manifest(self.work_dir, manifest, rel)
        except (OSError, zlib.error, EOFError) as exc:
            logger.error("Could not write the manifest in %s: %s", self.work_dir, exc)
            self.stats.inc_value("manifest/write_failed")
            return None
        self.stats.inc_value("manifest/written")
        key = f"{self.crawl_id}/{rel}"
        try:
            self.store.put(path, key)
        except StoreError as exc:
            logger.error("Could not store %s as %s (kept locally): %s", path, key, exc)
            self.stats.inc_value("manifest/store_failed")
        return path
