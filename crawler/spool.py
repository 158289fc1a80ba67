"""The local spool of a remote store, and the extension that uploads it in the background.

With ``--out s3://bucket/prefix`` every crawl file is written and closed (fsync, verify,
rename) in ``<NEWSARC_SPOOL_DIR>/<bucket-prefix>-<hash>/<crawl_id>/``, exactly as it would be in a
local store. :class:`Spool` sends closed files to the store under the same relative key
(``<crawl_id>/warc/….warc.gz``); :meth:`~crawler.store.s3.S3Store.put` verifies the stored
SHA-256, then the file's manifest entry is appended to the crawl's ledger (fsynced) and only
then is the local file deleted. Log files are uploaded but kept locally.

The manifest goes last: it is uploaded only when no other file of its crawl is pending, and
after it is stored the crawl directory is marked ``.complete``. A crawl directory belongs to the
process holding its lock (see :mod:`crawler.recovery`, which also closes what a
killed crawl left half-written before anything is uploaded); a run
uploads its own crawl and every unlocked (finished or dead) crawl it finds, so leftovers of an
earlier run with the same ``--out`` are sent first.

:class:`SpoolUploadExtension` runs this off the reactor thread (``deferToThread``), one batch
at a time: at start-up (leftovers), every ``STORE_UPLOAD_INTERVAL`` seconds (closed files), and
at ``engine_stopped`` after the manifest is written (everything, manifest last). If the store
is unreachable, files stay in the spool, the crawl goes on, and ``store/pending`` tells
:mod:`crawler.crawl` to exit non-zero.

Once a file is stored and verified, and before the local copy is deleted, the uploader tells
whoever listens (:data:`~crawler.signals.file_stored`): the WARC side adds a stored WARC file's
response digests to the spool's digest index (:mod:`crawler.warc.dedup`). This module knows
nothing of WARC records.

Every file is verified before it is sent (:func:`~crawler.manifest.describe_file` with
``strict``: complete, intact gzip members holding WARC records; complete JSON Lines streams). A
file that fails, or that may not be read, is moved to its crawl directory's quarantine (see
:mod:`crawler.store.quarantine`; a WARC's ``.cdxj`` index goes with it), logged at ERROR and
counted, and the crawl's manifest says so; every other file is still sent, and the run exits 1
naming the quarantined file. So is a file another user could have written (a symlink,
another user's, writable by group or others: :func:`crawler.trust.untrusted_entry`; not with
``NEWSARC_ALLOW_SHARED_DIRS``). Only the file's own content or permissions quarantine it: a store
error keeps the file in place for the next pass (the store is probably down, so the pass
stops), and any other error reading it (an I/O error may be the disk, not the file) keeps it in
place for the next run while the pass goes on with the other files.

**Bounded spool.** After every pass the spool's size (all crawls waiting there) is compared
with ``NEWSARC_SPOOL_MAX_BYTES``: past it the crawl is stopped (finish reason ``spool_full``;
``newsarc crawl`` exits 4), so a store that refuses uploads (403, wrong or expired credentials)
cannot fill the disk; nothing spooled is deleted. **Abandoned uploads.** The first pass that
meets a dead crawl's directory aborts the unfinished multipart uploads of its keys
(:meth:`Spool.abort_abandoned_uploads`): an uploader killed mid-upload leaves its parts behind.

Settings read: ``NEWSARC_STORE_URI``, ``NEWSARC_SPOOL_DIR``, ``STORE_UPLOAD_INTERVAL``,
``NEWSARC_SPOOL_MAX_BYTES``, ``NEWSARC_ALLOW_SHARED_DIRS``, and what the store's client needs
(``AWS_*`` for S3, see :func:`~crawler.store.s3.make_s3_client`).

Signals sent: :data:`~crawler.signals.file_stored`.

Stats written: ``store/uploaded``, ``store/bytes_uploaded``, ``store/upload_failed``,
``store/pending`` (files left in the spool at the end), ``store/spool_dir``,
``store/quarantined`` (files moved to quarantine by this run), ``store/quarantined_files``
(where they went), ``store/last_error`` (the first upload error), ``store/spool_bytes_max``,
``store/spool_full`` (the spool's size when it stopped the crawl), ``store/aborted_uploads``,
``store/lifecycle_rule_missing`` (1 when the bucket has no ``AbortIncompleteMultipartUpload``
rule for the store's keys, checked once as the crawl opens and logged as a warning).
"""

from __future__ import annotations

import contextlib
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import defer, task, threads

from crawler.crawlinfo import CrawlInfo
from crawler.exceptions import CorruptFileError, StoreError
from crawler.manifest import (
    MANIFEST_NAME,
    WORKER_MANIFESTS,
    describe_file,
    is_shared,
    note_quarantined,
    record_stored,
)
from crawler.shutdown import close_spider
from crawler.signals import file_stored
from crawler.store import open_store
from crawler.store.base import AbortsUploads
from crawler.store.local import IN_PROGRESS_SUFFIXES, cdxj_path_for, fsync_dir, is_locked
from crawler.store.quarantine import QUARANTINE_DIR, quarantine_file
from crawler.trust import untrusted_entry

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from twisted.internet.defer import Deferred

    from crawler.store.base import Store

__all__ = ["COMPLETE_MARKER", "SPOOL_FULL", "Spool", "SpoolUploadExtension", "UploadResult"]

logger = logging.getLogger(__name__)

#: Upload passes skipped after a failed one (the store is probably down).
_BACKOFF_TICKS = 5
#: Marker written once a crawl's manifest is stored: nothing left to upload.
COMPLETE_MARKER = ".complete"
#: The finish reason of a crawl stopped because its spool went over ``NEWSARC_SPOOL_MAX_BYTES``.
SPOOL_FULL = "spool_full"


@dataclass
class UploadResult:
    """What one upload pass did."""

    uploaded: int = 0
    bytes: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    pending: int = 0
    quarantined: list[tuple[Path, str]] = field(default_factory=list)
    """(where the file went, why) for every file moved to quarantine."""
    store_down: bool = False
    """A store error stopped the pass (as opposed to a local problem with one file)."""
    aborted: list[str] = field(default_factory=list)
    """Keys whose incomplete multipart uploads (left by a killed uploader) were aborted."""
    spool_bytes: int = 0
    """Bytes in the spool after the pass (every crawl's files)."""


class _Outcome(enum.Enum):
    STORED = "stored"
    KEPT = "kept"  # stored, but the local clean-up failed: it is tried again by the next run
    NOT_STORED = "not stored"  # unreadable, or corrupt but not movable: kept, not stored
    QUARANTINED = "quarantined"
    STORE_FAILED = "store failed"  # the store refused: stop the pass


class Spool:
    """Closed crawl files under ``root`` waiting to go to ``store``.

    ``on_stored(path=…, key=…, crawl_id=…)`` is called for every data file once it is stored
    and verified, before it is deleted locally (the extension sends ``file_stored``).
    """

    def __init__(
        self,
        root: Path,
        store: Store,
        own_crawl: str | None = None,
        on_stored: Callable[..., object] | None = None,
        *,
        allow_shared: bool = False,
    ) -> None:
        self.root = Path(root)
        self.store = store
        self.own_crawl = own_crawl
        self.on_stored = on_stored
        self.allow_shared = allow_shared
        """``NEWSARC_ALLOW_SHARED_DIRS``: upload files others could have written too."""
        self._cleaned: set[str] = set()  # crawls whose abandoned uploads were looked for

    def size(self) -> int:
        """Bytes of every file in the spool (all crawls of this store, bookkeeping included)."""
        total = 0
        if self.root.is_dir():
            for path in self.root.rglob("*"):
                with contextlib.suppress(OSError):  # removed meanwhile by the uploader
                    if path.is_file():
                        total += path.stat().st_size
        return total

    def abort_abandoned_uploads(self, crawl_dir: Path, result: UploadResult) -> None:
        """Abort the unfinished multipart uploads of a dead crawl's keys, once per crawl.

        Only for a crawl of an earlier run (unlocked: no process of it can be uploading) and
        only under its own ``<crawl_id>/`` keys: an uploader killed mid-upload leaves parts
        that nothing else would ever clean up when its file is not sent again (quarantined,
        removed). A store that may not list them is logged, not fatal.
        """
        if crawl_dir.name == self.own_crawl or crawl_dir.name in self._cleaned:
            return
        self._cleaned.add(crawl_dir.name)
        if not isinstance(self.store, AbortsUploads):
            return
        try:
            aborted = self.store.abort_incomplete_uploads(f"{crawl_dir.name}/")
        except StoreError as exc:
            logger.warning("Could not clean up abandoned uploads of %s: %s", crawl_dir.name, exc)
            return
        for key in aborted:
            logger.warning(
                "Aborted an incomplete multipart upload of %s left by an interrupted uploader",
                key,
            )
        result.aborted.extend(aborted)

    # -- what is waiting ----------------------------------------------------------------------

    def crawl_dirs(self) -> list[Path]:
        """Crawl directories with something (possibly) left to upload; earlier runs first."""
        if not self.root.is_dir():
            return []
        dirs = [
            p
            for p in sorted(self.root.iterdir())
            if p.is_dir()
            and not p.name.startswith(".")
            and not (p / COMPLETE_MARKER).exists()
            and (p.name == self.own_crawl or not is_locked(p))
        ]
        # The current crawl last: leftovers of earlier runs go first.
        return sorted(dirs, key=lambda p: p.name == self.own_crawl)

    def ready_files(self, crawl_dir: Path, *, final: bool) -> list[Path]:
        """Closed files of ``crawl_dir`` to upload (logs only when ``final``; no manifest)."""
        files: list[Path] = []
        for path in sorted(p for p in crawl_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(crawl_dir).as_posix()
            if any(part.startswith(".") for part in rel.split("/")):
                continue  # lock, ledger, markers, hidden temporaries
            if path.name.endswith(IN_PROGRESS_SUFFIXES) or rel == MANIFEST_NAME:
                continue
            if rel.startswith(f"{WORKER_MANIFESTS}/"):
                continue  # a worker's manifest goes after its files (upload_ready)
            if rel.startswith("logs/") and not final:
                continue
            files.append(path)
        return files

    def pending(self) -> list[Path]:
        """Every file still waiting in the spool (manifests included)."""
        out: list[Path] = []
        for crawl_dir in self.crawl_dirs():
            out.extend(p for p in self.ready_files(crawl_dir, final=True) if _is_data(p))
            out.extend(_worker_manifests(crawl_dir))
            if (crawl_dir / MANIFEST_NAME).exists():
                out.append(crawl_dir / MANIFEST_NAME)
        return out

    # -- uploading ----------------------------------------------------------------------------

    def upload_file(self, crawl_dir: Path, path: Path, result: UploadResult) -> bool:
        """Verify and store one file, record it in the ledger, delete it locally (logs kept).

        Returns whether it was stored; a file that fails verification is quarantined instead.
        """
        return self._upload(crawl_dir, path, result) is _Outcome.STORED

    def _upload(self, crawl_dir: Path, path: Path, result: UploadResult) -> _Outcome:
        rel = path.relative_to(crawl_dir).as_posix()
        key = f"{crawl_dir.name}/{rel}"
        is_log = not _is_data(path)
        try:
            planted = None if self.allow_shared else untrusted_entry(path)
        except OSError:
            planted = None  # gone or unreadable: describe_file below says which
        if planted:
            # Another user's file (or one they may write) is not uploaded as the crawl's.
            why = f"{planted}: another user could have written it"
            return self._quarantine(crawl_dir, path, why, result)
        try:
            entry = describe_file(path, rel, strict=True)
        except CorruptFileError as exc:
            return self._quarantine(crawl_dir, path, str(exc), result)
        except PermissionError as exc:
            return self._quarantine(crawl_dir, path, f"cannot read: {exc.strerror}", result)
        except OSError as exc:
            # Not necessarily the file's fault (an I/O error may be the disk, a missing file a
            # concurrent clean-up): kept where it is, tried again by the next run.
            logger.error("Could not read %s (kept in the spool): %s", path, exc)
            result.failed.append((key, str(exc)))
            return _Outcome.NOT_STORED
        try:
            self.store.put(path, key)
        except StoreError as exc:
            logger.error("Could not upload %s (kept in the spool): %s", path, exc)
            result.failed.append((key, str(exc)))
            result.store_down = True
            return _Outcome.STORE_FAILED
        result.uploaded += 1
        result.bytes += int(entry["size"])
        if is_log or rel == MANIFEST_NAME:
            return _Outcome.STORED
        if self.on_stored is not None:
            self.on_stored(path=path, key=key, crawl_id=crawl_dir.name)
        try:
            record_stored(crawl_dir, entry)
            path.unlink()
        except OSError as exc:
            # Stored and verified; only the local clean-up failed. It is retried next time.
            logger.error("Stored %s but could not remove it from the spool: %s", key, exc)
            result.failed.append((key, str(exc)))
            return _Outcome.KEPT
        logger.info("Stored %s (%d bytes, SHA-256 verified), removed locally", key, entry["size"])
        return _Outcome.STORED

    def _quarantine(
        self, crawl_dir: Path, path: Path, reason: str, result: UploadResult
    ) -> _Outcome:
        """Move a file that failed verification (and a WARC's index) aside; never delete it."""
        key = f"{crawl_dir.name}/{path.relative_to(crawl_dir).as_posix()}"
        moving = [(path, reason)]
        if path.name.endswith(".warc.gz") and cdxj_path_for(path).is_file():
            moving.append((cdxj_path_for(path), f"the index of {path.name}, which is quarantined"))
        for item, why in moving:
            try:
                target = quarantine_file(crawl_dir, item, why)
            except OSError as exc:
                logger.error(
                    "%s failed verification (%s) and could not be quarantined (kept in the "
                    "spool): %s",
                    item,
                    why,
                    exc,
                )
                result.failed.append((key, f"{why}; cannot quarantine: {exc}"))
                return _Outcome.NOT_STORED
            logger.error(
                "Quarantined %s: %s. It is not uploaded; moved to %s (kept, never deleted)",
                item,
                why,
                target,
            )
            result.quarantined.append((target, why))
        return _Outcome.QUARANTINED

    def _note_quarantine(self, crawl_dir: Path, result: UploadResult) -> bool:
        """Before a manifest goes out: make it name what is in quarantine (False: it can't)."""
        if not (crawl_dir / QUARANTINE_DIR).is_dir():
            return True
        try:
            note_quarantined(crawl_dir)
        except (OSError, ValueError) as exc:
            logger.error("Could not note the quarantine in %s: %s", crawl_dir, exc)
            result.failed.append((f"{crawl_dir.name}/{MANIFEST_NAME}", str(exc)))
            return False
        return True

    def upload_ready(self, *, final: bool = False) -> UploadResult:
        """Upload closed files; with ``final`` also logs and then manifests, crawl by crawl.

        A file that fails verification is quarantined and the others go on; a crawl's
        manifest waits while any of its files stays behind; a store error ends the pass.
        """
        result = UploadResult()
        for crawl_dir in self.crawl_dirs():
            self.abort_abandoned_uploads(crawl_dir, result)
            finished_run = final or crawl_dir.name != self.own_crawl
            complete = True
            unread: set[Path] = set()  # indexes of WARC files that were not stored
            for path in _indexes_last(self.ready_files(crawl_dir, final=finished_run)):
                if not path.exists():
                    continue  # quarantined with its WARC
                if path in unread:
                    complete = False
                    continue  # the index of a WARC not stored waits with it (no orphan index)
                outcome = self._upload(crawl_dir, path, result)
                if outcome is _Outcome.STORE_FAILED:
                    break  # the store is probably down: leave the rest for the next pass
                if outcome is _Outcome.NOT_STORED and path.name.endswith(".warc.gz"):
                    unread.add(cdxj_path_for(path))
                if outcome in (_Outcome.KEPT, _Outcome.NOT_STORED):
                    complete = False
            if result.store_down:
                break
            if finished_run and complete:
                # Workers' own manifests (a shared crawl), each after the files it lists.
                for path in _worker_manifests(crawl_dir):
                    outcome = self._upload(crawl_dir, path, result)
                    if outcome is _Outcome.STORE_FAILED:
                        break
                    complete = complete and outcome is _Outcome.STORED
            if result.store_down:
                break
            shared = is_shared(crawl_dir)
            if shared and complete and crawl_dir.name != self.own_crawl:
                # A shared crawl's directory whose workers are all gone, everything sent: its
                # manifest (if one was merged) is in the store already.
                if not (crawl_dir / MANIFEST_NAME).exists():
                    self._mark_complete(crawl_dir)
                    continue
            elif shared:
                continue  # other workers may still write here: never marked complete
            manifest = crawl_dir / MANIFEST_NAME
            if (
                finished_run
                and complete
                and manifest.exists()
                and self._note_quarantine(crawl_dir, result)
                and self._upload(crawl_dir, manifest, result) is _Outcome.STORED
            ):
                self._mark_complete(crawl_dir)
            if result.store_down:
                break
        result.pending = len(self.pending()) if final else 0
        result.spool_bytes = self.size()
        return result

    def _mark_complete(self, crawl_dir: Path) -> None:
        try:
            (crawl_dir / COMPLETE_MARKER).write_bytes(b"")
            (crawl_dir / MANIFEST_NAME).unlink(missing_ok=True)
            fsync_dir(crawl_dir)
        except OSError as exc:
            logger.error("Could not mark %s complete: %s", crawl_dir, exc)
        logger.info("Crawl %s is completely stored in %s", crawl_dir.name, self.store.uri)


def _worker_manifests(crawl_dir: Path) -> list[Path]:
    """The workers' own manifests of a shared crawl waiting in ``crawl_dir``."""
    return sorted((crawl_dir / WORKER_MANIFESTS).glob("*.json"))


def _is_data(path: Path) -> bool:
    return "logs" not in path.parts[-2:-1]


def _indexes_last(paths: list[Path]) -> list[Path]:
    """``x.cdxj`` sorts before ``x.warc.gz``; a WARC is verified before its index is sent."""
    return sorted(paths, key=lambda p: p.name.endswith(".cdxj"))


class SpoolUploadExtension:
    """Uploads closed files from the spool to the remote store, never on the reactor thread."""

    def __init__(
        self,
        spool: Spool,
        stats: StatsCollector,
        interval: float,
        *,
        max_bytes: int = 0,
        stop: Callable[[str], object] | None = None,
    ) -> None:
        self.spool = spool
        self.stats = stats
        self.interval = interval
        self.max_bytes = max_bytes
        self.stop = stop
        self._stopping = False
        self._loop: task.LoopingCall | None = None
        self._busy: Deferred[Any] | None = None
        self._skip_ticks = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        info = CrawlInfo.from_crawler(crawler)
        if not info.remote:
            raise NotConfigured("the store is a local directory: nothing to upload")
        interval = crawler.settings.getfloat("STORE_UPLOAD_INTERVAL")
        if interval <= 0:
            raise ValueError(f"STORE_UPLOAD_INTERVAL must be a positive number: {interval}")
        max_bytes = crawler.settings.getint("NEWSARC_SPOOL_MAX_BYTES")
        if max_bytes < 0:
            raise ValueError(f"NEWSARC_SPOOL_MAX_BYTES must be 0 (no cap) or more: {max_bytes}")
        store = open_store(info.store_uri, crawler.settings)

        def stored(**kwargs: Any) -> None:
            crawler.signals.send_catch_log(file_stored, **kwargs)

        spool = Spool(
            info.local_root,
            store,
            own_crawl=info.crawl_id,
            on_stored=stored,
            allow_shared=crawler.settings.getbool("NEWSARC_ALLOW_SHARED_DIRS"),
        )
        assert crawler.stats is not None
        ext = cls(
            spool,
            crawler.stats,
            interval,
            max_bytes=max_bytes,
            stop=lambda reason: close_spider(crawler, reason),
        )
        crawler.stats.set_value("store/spool_dir", str(info.local_root))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        # Connected after the manifest extension (EXTENSIONS order), so this runs once the
        # manifest is written.
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def spider_opened(self) -> None:
        """Start uploading: leftovers of earlier runs first, then closed files as they come."""
        check = getattr(self.spool.store, "lifecycle_problem", None)
        if check is not None:
            threads.deferToThread(check).addCallbacks(self._lifecycle_checked, lambda _: None)
        self._loop = task.LoopingCall(self._tick)
        self._loop.start(self.interval, now=True).addErrback(
            lambda f: logger.error("Upload loop failed: %s", f.getErrorMessage())
        )

    def _lifecycle_checked(self, problem: str | None) -> None:
        if problem is not None:
            self.stats.set_value("store/lifecycle_rule_missing", 1)
            logger.warning("Store: %s", problem)

    def _tick(self) -> None:
        if self._skip_ticks:
            self._skip_ticks -= 1
        elif self._busy is None:
            self._busy = self._run(final=False)

    def _run(self, *, final: bool) -> Deferred[Any]:
        d = threads.deferToThread(self.spool.upload_ready, final=final)
        d.addCallback(self._count)
        d.addErrback(self._crashed)
        d.addBoth(self._idle)
        return d

    def _count(self, result: UploadResult) -> UploadResult:
        self.stats.inc_value("store/uploaded", result.uploaded)
        self.stats.inc_value("store/bytes_uploaded", result.bytes)
        self.stats.inc_value("store/upload_failed", len(result.failed))
        if result.quarantined:
            self.stats.inc_value("store/quarantined", len(result.quarantined))
            where = self.stats.get_value("store/quarantined_files") or []
            self.stats.set_value(
                "store/quarantined_files", [*where, *(str(p) for p, _ in result.quarantined)]
            )
        if result.aborted:
            self.stats.inc_value("store/aborted_uploads", len(result.aborted))
        if result.failed:
            self._skip_ticks = _BACKOFF_TICKS  # the store is probably down: wait a little
            if self.stats.get_value("store/last_error") is None:
                self.stats.set_value("store/last_error", result.failed[0][1])
        self.stats.max_value("store/spool_bytes_max", result.spool_bytes)
        if self.max_bytes and result.spool_bytes > self.max_bytes and not self._stopping:
            self._stopping = True
            self.stats.set_value("store/spool_full", result.spool_bytes)
            logger.error(
                "The spool %s holds %d bytes, over NEWSARC_SPOOL_MAX_BYTES (%d): stopping the "
                "crawl (its files are kept there; the next run with the same --out uploads "
                "them)%s",
                self.spool.root,
                result.spool_bytes,
                self.max_bytes,
                f"; the store said: {result.failed[0][1]}" if result.failed else "",
            )
            if self.stop is not None:
                self.stop(SPOOL_FULL)
        return result

    def _crashed(self, failure: Any) -> None:
        logger.error("Upload pass failed: %s", failure.getErrorMessage())
        self.stats.inc_value("store/upload_failed")

    def _idle(self, result: Any) -> Any:
        self._busy = None
        return result

    def engine_stopped(self) -> Deferred[None]:
        """Wait for the running pass, then upload everything left, manifests last."""
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        d: Deferred[Any] = self._busy if self._busy is not None else defer.succeed(None)
        d.addBoth(lambda _: self._run(final=True))
        d.addCallback(self._report)
        return d

    def _report(self, result: Any) -> None:
        pending = result.pending if isinstance(result, UploadResult) else len(self.spool.pending())
        self.stats.set_value("store/pending", pending)
        if pending:
            logger.error(
                "%d file(s) are pending upload to %s; they stay in %s and the next crawl "
                "with the same --out uploads them first",
                pending,
                self.spool.store.uri,
                self.spool.root,
            )
