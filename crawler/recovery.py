"""Crash recovery: files a killed crawl left half-written are cut back, verified and closed.

Every crawl holds an exclusive ``flock`` on its crawl directory itself (no lock file: the
directory holds crawl output only) while it runs; the kernel
releases it when the process dies, even on SIGKILL. At start-up :class:`RecoveryExtension`
takes the lock of its own crawl and looks at every other crawl directory under the same local
root (the local store, or the spool of a remote store) whose lock it can take, i.e. whose
writer is dead:

- ``warc/*.warc.gz.open``: cut back to the end of the last complete gzip member that holds a
  WARC record (every complete record is kept; a torn one is dropped), verified with
  :func:`~crawler.warc.writer.verify_warc`, fsynced and renamed to ``….warc.gz``. A file with
  no complete record is deleted.
- the frontier's reserved space (``.frontier.reserve``) is given back first: it exists to give
  room for exactly this. The ledger is kept (a ``newsarc crawl --resume`` reads it);
- ``items/*.jsonl.gz.tmp``: the gzip stream is decompressed as far as it goes; every complete
  line that parses as JSON is kept (never a half line), written to a new gzip file, fsynced,
  and renamed to ``….jsonl.gz``. One that cannot be recovered (disk full, the final name taken)
  is kept as it is, logged and counted in ``failed``;
- derived files cut short (``*.cdxj.tmp``, ``manifest.json.tmp``) are removed, never any other
  ``.tmp`` file (item or WARC data); a closed WARC file without its ``.cdxj`` index gets one.
- a closed ``warc/*.warc.gz`` whose gzip members are not all complete WARC records is not a
  crash leftover (it was verified before it was renamed): it is never cut back, but moved to
  the crawl's quarantine with its index (:mod:`crawler.store.quarantine`), logged at ERROR.
- a crawl directory without ``manifest.json`` then gets one (``finish_reason`` says it was
  recovered), so a remote store's uploader can finish it; its CDXJ indexes are (re)written.
  Not a shared one (a crawl of several workers, :func:`~crawler.manifest.is_shared`): its
  manifest is merged from its workers' own (:mod:`crawler.frontier.workers`), so a dead
  worker's files are recovered and uploaded, and the crawl stays without ``manifest.json``,
  incomplete, naming that worker. Workers of a shared crawl hold its directory's lock shared.

Settings read: ``NEWSARC_CRAWL_ID``, ``NEWSARC_STORE_URI``, ``NEWSARC_SPOOL_DIR``,
``WARC_CDXJ_ENABLED``.

Stats written: ``recovery/warc_files``, ``recovery/warc_records``, ``recovery/bytes_dropped``,
``recovery/jsonl_files``, ``recovery/items``, ``recovery/crawls``, ``recovery/failed``,
``store/quarantined`` and ``store/quarantined_files`` (as the spool uploader counts them).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.crawlinfo import CrawlInfo
from crawler.exceptions import CorruptFileError, StoreError
from crawler.frontier import RESERVE_NAME
from crawler.manifest import (
    MANIFEST_NAME,
    WORKER_MANIFESTS,
    build_manifest,
    count_warc_records,
    is_shared,
    write_manifest,
)
from crawler.store.base import CHUNK_SIZE

# The crawl directory's lock lives with the local store; re-exported for recovery's callers.
from crawler.store.local import cdxj_path_for, fsync_dir, is_locked, lock_crawl_dir
from crawler.store.quarantine import quarantine_file
from crawler.warc.members import CorruptMember, TruncatedMember, iter_members
from crawler.warc.writer import WarcWriteError, verify_warc, write_cdxj

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = [
    "Recovered",
    "RecoveryExtension",
    "is_locked",
    "lock_crawl_dir",
    "needs_recovery",
    "recover_crawl_dir",
    "recover_jsonl",
    "recover_warc",
]

logger = logging.getLogger(__name__)

_GZIP_WBITS = zlib.MAX_WBITS | 16


@dataclass
class Recovered:
    """What recovering one crawl directory did."""

    warc_files: int = 0
    warc_records: int = 0
    bytes_dropped: int = 0
    jsonl_files: int = 0
    items: int = 0
    failed: int = 0
    quarantined: list[Path] = field(default_factory=list)


def _good_warc_prefix(path: Path) -> tuple[int, int]:
    """(byte length of the complete WARC gzip members at the start, number of them)."""
    good_end = 0
    members = 0
    try:
        for member in iter_members(path):
            if not member.holds_warc:
                break
            members += 1
            good_end = member.end
    except (CorruptMember, TruncatedMember):
        pass  # garbage or a cut member after the last good one: cut there
    return good_end, members


def recover_warc(open_path: Path) -> tuple[Path | None, int, int]:
    """Close a leftover ``….warc.gz.open``: (final path or None if empty, records, bytes cut)."""
    size = open_path.stat().st_size
    good_end, members = _good_warc_prefix(open_path)
    if members == 0:
        open_path.unlink()
        fsync_dir(open_path.parent)
        return None, 0, size
    with open_path.open("r+b") as fh:
        fh.truncate(good_end)
        fh.flush()
        os.fsync(fh.fileno())
    problems = verify_warc(open_path, expected_records=members)
    if problems:
        raise StoreError(f"{open_path} still fails verification: {'; '.join(problems)}")
    final = open_path.with_name(open_path.name.removesuffix(".open"))
    if final.exists():
        raise StoreError(f"cannot recover {open_path}: {final.name} exists")
    open_path.rename(final)
    fsync_dir(final.parent)
    return final, members, size - good_end


def _complete_lines(path: Path) -> list[bytes]:
    decomp = zlib.decompressobj(_GZIP_WBITS)
    data = b""
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK_SIZE):
                data += decomp.decompress(chunk)
                if decomp.eof:
                    break
    except zlib.error:
        pass  # a torn stream: keep what decompressed
    with contextlib.suppress(zlib.error):
        data += decomp.flush()
    lines: list[bytes] = []
    for line in data.split(b"\n")[:-1]:  # the part after the last newline is never kept
        try:
            json.loads(line)
        except ValueError:
            break
        lines.append(line + b"\n")
    return lines


def recover_jsonl(tmp_path: Path) -> tuple[Path | None, int]:
    """Close a leftover ``….jsonl.gz.tmp`` with its complete lines: (final path, items)."""
    lines = _complete_lines(tmp_path)
    final = tmp_path.with_name(tmp_path.name.removesuffix(".tmp"))
    if not lines:
        tmp_path.unlink()
        fsync_dir(tmp_path.parent)
        return None, 0
    if final.exists():
        raise StoreError(f"cannot recover {tmp_path}: {final.name} exists")
    fresh = tmp_path.with_name(f".{final.name}.recovering")
    try:
        with fresh.open("wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                gz.writelines(lines)
            raw.flush()
            os.fsync(raw.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):  # a copy of lines still in tmp_path
            fresh.unlink()
        raise
    fresh.rename(final)
    tmp_path.unlink()
    fsync_dir(final.parent)
    return final, len(lines)


def recover_crawl_dir(crawl_dir: Path, *, cdxj: bool = True) -> Recovered:
    """Recover every leftover file of a dead crawl and give it a manifest if it has none."""
    result = Recovered()
    # The frontier's reserved disk space is of no use once its crawl is dead, and it is there to
    # make room for what follows.
    with contextlib.suppress(FileNotFoundError):
        (crawl_dir / RESERVE_NAME).unlink()
    for open_path in sorted(crawl_dir.glob("warc/*.warc.gz.open")):
        try:
            final, records, dropped = recover_warc(open_path)
            if final is not None and cdxj and not cdxj_path_for(final).exists():
                write_cdxj(final)
        except (OSError, StoreError, WarcWriteError) as exc:
            logger.error("Could not recover %s: %s", open_path, exc)
            result.failed += 1
            continue
        result.warc_files += 1
        result.warc_records += records
        result.bytes_dropped += dropped
        logger.warning(
            "Recovered %s: kept %d complete records, cut %d bytes",
            final or open_path,
            records,
            dropped,
        )
    for tmp_path in sorted(crawl_dir.glob("items/*.jsonl.gz.tmp")):
        try:
            final_items, items = recover_jsonl(tmp_path)
        except (OSError, StoreError) as exc:
            logger.error("Could not recover %s: %s", tmp_path, exc)
            result.failed += 1
            continue
        result.jsonl_files += 1
        result.items += items
        logger.warning("Recovered %s: kept %d complete items", final_items or tmp_path, items)
    # Derived files cut short (a CDXJ index, the manifest): removed and made again. Any other
    # .tmp (a JSON Lines file recovery could not close) is data: kept for a later recovery.
    for tmp_path in sorted(crawl_dir.rglob("*.tmp")):
        if not _is_derived(tmp_path):
            continue
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
            logger.warning("Removed the unfinished %s", tmp_path)
    for warc in sorted(crawl_dir.glob("warc/*.warc.gz")):
        try:
            count_warc_records(warc, strict=True)
        except CorruptFileError as exc:
            _quarantine_warc(crawl_dir, warc, str(exc), result)
        except OSError as exc:
            logger.error("Could not verify %s: %s", warc, exc)
            result.failed += 1
    if cdxj:
        for warc in sorted(crawl_dir.glob("warc/*.warc.gz")):
            if not cdxj_path_for(warc).exists():
                try:
                    write_cdxj(warc)
                except WarcWriteError as exc:
                    logger.error("Could not index %s: %s", warc, exc)
                    result.failed += 1
    if not (crawl_dir / MANIFEST_NAME).exists() and not result.failed and not is_shared(crawl_dir):
        # (A shared crawl's manifest is merged from its workers' own, never written here.)
        stats = {"finish_reason": "killed (files recovered by a later run)"}
        manifest = build_manifest(crawl_dir, crawl_id=crawl_dir.name, stats=stats, config={})
        write_manifest(crawl_dir, manifest)
        logger.warning("Wrote a manifest for the interrupted crawl %s", crawl_dir.name)
    return result


def _is_derived(tmp_path: Path) -> bool:
    """A ``.tmp`` file made from other files of the crawl (safe to delete and make again)."""
    if tmp_path.parent.name == WORKER_MANIFESTS and tmp_path.name.endswith(".json.tmp"):
        return True  # a worker's own manifest, cut short
    return tmp_path.name == f"{MANIFEST_NAME}.tmp" or tmp_path.name.endswith(".cdxj.tmp")


def _quarantine_warc(crawl_dir: Path, warc: Path, reason: str, result: Recovered) -> None:
    index = cdxj_path_for(warc)
    moving = [(warc, reason)]
    if index.is_file():
        moving.append((index, f"the index of {warc.name}, which is quarantined"))
    for path, why in moving:
        try:
            target = quarantine_file(crawl_dir, path, why)
        except OSError as exc:
            logger.error("%s failed verification (%s); cannot quarantine it: %s", path, why, exc)
            result.failed += 1
            return
        logger.error(
            "Quarantined %s: %s. A closed file is never cut back; moved to %s (kept)",
            path,
            why,
            target,
        )
        result.quarantined.append(target)


def needs_recovery(crawl_dir: Path) -> bool:
    """Leftover open files, or crawl output without a manifest (killed after closing files)."""
    if any(crawl_dir.glob("warc/*.open")) or any(crawl_dir.rglob("*.tmp")):
        return True
    if (crawl_dir / ".complete").exists() or (crawl_dir / MANIFEST_NAME).exists():
        return False
    if is_shared(crawl_dir):
        return False  # no manifest of its own to write: its workers write theirs
    return any(crawl_dir.glob("warc/*.warc.gz")) or any(crawl_dir.glob("items/*.jsonl.gz"))


class RecoveryExtension:
    """Holds the crawl's lock; recovers dead crawls' leftovers under the same root at start."""

    def __init__(
        self,
        root: Path,
        crawl_id: str,
        stats: StatsCollector,
        *,
        cdxj: bool,
        shared: bool = False,
    ) -> None:
        self.root = root
        self.crawl_id = crawl_id
        self.stats = stats
        self.cdxj = cdxj
        # A worker of a shared crawl shares the directory with the crawl's other workers.
        self.lock_fd = lock_crawl_dir(root / crawl_id, shared=shared)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from crawler.frontier.workers import shared_worker  # noqa: PLC0415

        info = CrawlInfo.from_crawler(crawler)
        assert crawler.stats is not None
        try:
            ext = cls(
                info.local_root,
                info.crawl_id,
                crawler.stats,
                cdxj=crawler.settings.getbool("WARC_CDXJ_ENABLED"),
                shared=bool(shared_worker(crawler.settings)),
            )
        except OSError as exc:
            raise StoreError(f"cannot lock crawl directory {info.work_dir}: {exc}") from exc
        # Before any component writes: recovery must not race the new crawl's files.
        ext.recover()
        return ext

    def recover(self) -> None:
        """Recover every unlocked crawl directory that a dead crawl left unfinished."""
        if not self.root.is_dir():
            return
        for crawl_dir in sorted(
            p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")
        ):
            if crawl_dir.name == self.crawl_id:
                continue
            if not needs_recovery(crawl_dir) or is_locked(crawl_dir):
                continue
            try:
                result = recover_crawl_dir(crawl_dir, cdxj=self.cdxj)
            except (OSError, StoreError) as exc:
                logger.error("Could not recover the interrupted crawl %s: %s", crawl_dir, exc)
                self.stats.inc_value("recovery/failed")
                continue
            self.stats.inc_value("recovery/crawls")
            self.stats.inc_value("recovery/warc_files", result.warc_files)
            self.stats.inc_value("recovery/warc_records", result.warc_records)
            self.stats.inc_value("recovery/bytes_dropped", result.bytes_dropped)
            self.stats.inc_value("recovery/jsonl_files", result.jsonl_files)
            self.stats.inc_value("recovery/items", result.items)
            self.stats.inc_value("recovery/failed", result.failed)
            if result.quarantined:
                self.stats.inc_value("store/quarantined", len(result.quarantined))
                where = self.stats.get_value("store/quarantined_files") or []
                moved = [str(p) for p in result.quarantined]
                self.stats.set_value("store/quarantined_files", [*where, *moved])
