"""``newsarc datasets download``: crawls (or parts of them) from a store into a directory.

What is fetched is chosen from the manifests alone: crawls by id, ``--site`` (a crawl's profile
name or start host), ``--since``/``--until`` (the crawl's time span overlaps), and files by
``--type`` (``articles``, ``headlines``, ``warc``: WARC files and their CDXJ indexes, or
``all``). Files are fetched in parallel threads (the boto3 client is thread-safe), each into
``DIR/.newsarc-partial/`` while its SHA-256 and size are computed on the way, and renamed to its
final name only when both match the manifest; a mismatch (a tampered or damaged object) removes
the partial file and is reported. A second call skips every file already there with the right
SHA-256 and fetches only what is missing or wrong, so a killed download is resumed by running it
again (partial files of the killed run are removed first).

Safety: crawl ids and manifest paths come from the store and are not trusted. A name with
``..``, an absolute path, a backslash, a NUL byte or a hidden segment is refused
(:func:`~crawler.datasets.catalog.safe_relpath`), and so is any target that would resolve
outside DIR; an existing symlink on the way to a target (or the target itself) is never followed
or replaced. A manifest entry that is not an object with a path, a byte count and a SHA-256 hex
digest is refused, and so is a second entry for a path (the first one is used). No more than
the size the manifest gives is read from the store (one byte more tells an object that is
larger: rejected), so a hostile store cannot fill the disk with an endless object. A name the
file system refuses (too long) fails that file only. Every refusal is one problem line; the
files fetched correctly are kept and the run exits 1. Errors name keys and paths, never
credentials.

The crawl's ``manifest.json`` is copied byte for byte into ``DIR/<crawl_id>/``, so
``newsarc datasets verify DIR`` checks the download against it; :data:`SELECTION_FILE` records
which files were asked for. A dataset card (``README.md``, Hugging Face convention) and
``CITATION.cff`` are written into DIR (:mod:`crawler.datasets.card`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from crawler.datasets.card import write_card
from crawler.datasets.catalog import (
    CrawlSummary,
    UnsafeName,
    human_size,
    item_kind,
    list_crawls,
    safe_relpath,
)
from crawler.datasets.verify import SELECTION_FILE
from crawler.exceptions import ConfigError, StoreError
from crawler.manifest import MANIFEST_NAME

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crawler.store import Store

__all__ = ["TYPES", "DownloadResult", "Selection", "download", "parse_time", "select_crawls"]

TYPES = ("articles", "headlines", "warc", "all")
PARTIAL_DIR = ".newsarc-partial"
_CHUNK = 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


def parse_time(value: str | None, *, end: bool = False) -> datetime | None:
    """``2026-03-01`` or an ISO 8601 time (UTC when no offset is given); a bare date as
    ``--until`` means the end of that day."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"not a date or ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if end and len(value) == 10:
        parsed = parsed.replace(hour=23, minute=59, second=59, microsecond=999999)
    return parsed


@dataclass(frozen=True)
class Selection:
    """Which crawls and files to fetch."""

    crawl_ids: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    type: str = "all"

    def wants_crawl(self, crawl: CrawlSummary) -> bool:
        if self.crawl_ids and crawl.crawl_id not in self.crawl_ids:
            return False
        if self.sites and not set(self.sites) & set(crawl.sites):
            return False
        start = crawl.started_at or crawl.finished_at
        end = crawl.finished_at or crawl.started_at
        if self.since is not None and (end is None or end < self.since):
            return False
        return not (self.until is not None and (start is None or start > self.until))

    def wants_file(self, entry: dict[str, Any]) -> bool:
        if self.type == "all":
            return True
        if self.type == "warc":
            return entry.get("kind") in ("warc", "cdxj")
        return item_kind(entry) == self.type


def select_crawls(crawls: Iterable[CrawlSummary], selection: Selection) -> list[CrawlSummary]:
    chosen = [c for c in crawls if selection.wants_crawl(c)]
    missing = set(selection.crawl_ids) - {c.crawl_id for c in chosen}
    if missing and not (selection.sites or selection.since or selection.until):
        raise ConfigError(f"no such crawl in the store: {', '.join(sorted(missing))}")
    return chosen


@dataclass
class DownloadResult:
    """What a download did."""

    crawls: list[CrawlSummary] = field(default_factory=list)
    fetched: int = 0
    skipped: int = 0
    bytes: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


class _Progress:
    """One status line on a terminal (stderr); nothing when stderr is not a terminal."""

    def __init__(self, total_files: int, total_bytes: int, stream: IO[str]) -> None:
        self.total_files = total_files
        self.total_bytes = total_bytes
        self.stream = stream
        self.enabled = stream.isatty()
        self.files = 0
        self.bytes = 0
        self._lock = threading.Lock()
        self._shown = 0.0

    def add(self, *, files: int = 0, nbytes: int = 0) -> None:
        with self._lock:
            self.files += files
            self.bytes += nbytes
            now = time.monotonic()
            if self.enabled and (files or now - self._shown > 0.2):
                self._shown = now
                self.stream.write(
                    f"\r{self.files}/{self.total_files} files, {human_size(self.bytes)} of "
                    f"{human_size(self.total_bytes)}\x1b[K"
                )
                self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _target(root: Path, crawl_id: str, rel: str) -> Path:
    """The local path of ``<crawl_id>/<rel>`` under ``root``; refuses anything that would
    leave it or pass through a symlink (raises :class:`UnsafeName`)."""
    safe_relpath(crawl_id)
    safe_relpath(rel)
    if "/" in crawl_id:
        raise UnsafeName(f"crawl id {crawl_id!r} has more than one segment")
    parts = [crawl_id, *rel.split("/")]
    path = root
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise UnsafeName(f"{path} is a symlink (not followed)")
    if not path.resolve().is_relative_to(root.resolve()):
        raise UnsafeName(f"{crawl_id}/{rel} resolves outside {root}")
    return path


def _entry_problem(entry: object) -> str | None:
    """Why a manifest's file entry cannot be fetched (not the shape newsarc writes), or None."""
    if not isinstance(entry, dict):
        return f"not an object: {entry!r:.80}"
    if not isinstance(entry.get("path"), str):
        return f"no path: {entry!r:.80}"
    size = entry.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return f"{entry['path']!r}: size {size!r:.40} is not a byte count"
    sha = entry.get("sha256")
    if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
        return f"{entry['path']!r}: sha256 {sha!r:.80} is not a SHA-256 hex digest"
    return None


def _matches(path: Path, entry: dict[str, Any]) -> bool:
    if not path.is_file() or path.stat().st_size != int(entry.get("size", -1)):
        return False
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest() == entry.get("sha256")


class _Fetcher:
    def __init__(self, store: Store, root: Path, progress: _Progress) -> None:
        self.store = store
        self.root = root
        self.partial = root / PARTIAL_DIR
        self.progress = progress

    def fetch(self, crawl: CrawlSummary, entry: dict[str, Any]) -> tuple[str, int, str | None]:
        """Fetch one file: ``("fetched"|"skipped"|"failed", bytes, problem)``."""
        rel = str(entry.get("path", ""))
        label = f"{crawl.crawl_id}/{rel}"
        try:
            target = _target(self.root, crawl.crawl_id, rel)
            there = _matches(target, entry)
        except UnsafeName as exc:
            return "failed", 0, f"refused {label!r}: {exc}"
        except OSError as exc:  # a name too long for the file system, ...
            return "failed", 0, f"refused {label!r}: {exc.strerror or exc}"
        if there:
            self.progress.add(files=1)
            return "skipped", 0, None
        # Schema 2 logs were hashed while still written: their entry covers a prefix only.
        prefix_log = entry.get("kind") == "log" and int(crawl.schema or 0) < 3
        tmp = self.partial / f"{secrets.token_hex(8)}.part"
        try:
            size, sha, more = self._copy(f"{crawl.crawl_id}/{rel}", tmp, entry, prefix_log)
            if more:
                tmp.unlink()
                return (
                    "failed",
                    0,
                    f"rejected {label}: the store holds more than the {entry['size']} bytes the "
                    "manifest says (reading stopped there; removed)",
                )
            if size != int(entry.get("size", -1)) or sha != entry.get("sha256"):
                tmp.unlink()
                return (
                    "failed",
                    0,
                    f"rejected {label}: {size} bytes with SHA-256 {sha}, the manifest says "
                    f"{entry.get('size')} bytes with {entry.get('sha256')} (removed)",
                )
            self._place(tmp, target)
        except FileNotFoundError:
            tmp.unlink(missing_ok=True)
            return "failed", 0, f"{label}: not in the store"
        except UnsafeName as exc:
            tmp.unlink(missing_ok=True)
            return "failed", 0, f"refused {label!r}: {exc}"
        except StoreError as exc:
            tmp.unlink(missing_ok=True)
            return "failed", 0, f"{label}: {exc}"
        except OSError as exc:  # writing DIR: the label names the file
            tmp.unlink(missing_ok=True)
            return "failed", 0, f"{label}: {exc.strerror or exc}"
        self.progress.add(files=1)
        return "fetched", size, None

    def _copy(
        self, key: str, tmp: Path, entry: dict[str, Any], prefix_log: bool
    ) -> tuple[int, str, bool]:
        """Copy at most the entry's size; return (size, SHA-256, whether the object is larger).

        Only one byte past the size is asked for, so an object larger than its entry (or
        endless) costs no more than the entry says. A prefix log's entry covers a prefix of
        the object: the rest is not read and not an error."""
        digest = hashlib.sha256()
        size = 0
        limit = int(entry["size"])
        more = False
        with self.store.open(key) as src, tmp.open("xb") as dst:
            while chunk := src.read(min(_CHUNK, limit + 1 - size)):
                if size + len(chunk) > limit:
                    chunk = chunk[: limit - size]
                    more = not prefix_log
                digest.update(chunk)
                dst.write(chunk)
                size += len(chunk)
                self.progress.add(nbytes=len(chunk))
                if size >= limit and (more or prefix_log):
                    break
            dst.flush()
            os.fsync(dst.fileno())
        return size, digest.hexdigest(), more

    def _place(self, tmp: Path, target: Path) -> None:
        # Create the parents one by one, refusing a symlink met on the way (it may have been
        # planted since _target looked).
        path = self.root
        for part in target.relative_to(self.root).parts[:-1]:
            path = path / part
            if path.is_symlink():
                raise UnsafeName(f"{path} is a symlink (not followed)")
            with contextlib.suppress(FileExistsError):
                path.mkdir()
            if path.is_symlink() or not path.is_dir():
                raise UnsafeName(f"{path} is not a directory")
        if target.is_symlink():
            raise UnsafeName(f"{target} is a symlink (not replaced)")
        tmp.replace(target)


def _work(
    crawls: list[CrawlSummary], selection: Selection
) -> tuple[list[tuple[CrawlSummary, dict[str, Any]]], dict[str, list[str]], list[str]]:
    """The files to fetch, the paths asked for per crawl, and the entries refused."""
    work: list[tuple[CrawlSummary, dict[str, Any]]] = []
    asked: dict[str, list[str]] = {}
    refused: list[str] = []
    for crawl in crawls:
        files = crawl.manifest.get("files", [])
        if not isinstance(files, list):
            refused.append(f"refused {crawl.crawl_id}/{MANIFEST_NAME}: 'files' is not a list")
            continue
        seen: set[str] = set()
        for n, entry in enumerate(files):
            problem = _entry_problem(entry)
            if problem:
                refused.append(f"refused {crawl.crawl_id}/{MANIFEST_NAME} files[{n}]: {problem}")
                continue
            if not selection.wants_file(entry):
                continue
            path = entry["path"]
            if path in seen:
                refused.append(
                    f"refused {crawl.crawl_id + '/' + path!r}: listed more than once in the "
                    "manifest (its first entry is used)"
                )
                continue
            seen.add(path)
            asked.setdefault(crawl.crawl_id, []).append(path)
            work.append((crawl, entry))
    return work, asked, refused


def _write_manifest_copy(root: Path, crawl: CrawlSummary, raw: bytes) -> None:
    target = _target(root, crawl.crawl_id, MANIFEST_NAME)
    if target.parent.is_symlink():
        raise UnsafeName(f"{target.parent} is a symlink (not followed)")
    target.parent.mkdir(exist_ok=True)
    tmp = root / PARTIAL_DIR / f"{secrets.token_hex(8)}.part"
    tmp.write_bytes(raw)
    tmp.replace(target)


def _write_json(path: Path, data: Any) -> None:
    if path.is_symlink():
        raise UnsafeName(f"{path} is a symlink (not replaced)")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def download(
    store: Store,
    root: Path,
    selection: Selection,
    *,
    jobs: int = 8,
    progress_stream: IO[str] | None = None,
) -> DownloadResult:
    """Fetch the selected crawls' files from ``store`` into ``root`` (see the module doc)."""
    started = time.monotonic()
    result = DownloadResult()
    crawls, problems = list_crawls(store)
    result.problems += problems
    result.crawls = select_crawls(crawls, selection)
    if root.is_symlink():
        root = root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    partial = root / PARTIAL_DIR
    if partial.is_symlink():
        raise ConfigError(f"{partial} is a symlink: remove it")
    shutil.rmtree(partial, ignore_errors=True)  # partial files of a killed run
    partial.mkdir()
    work, asked, refused = _work(result.crawls, selection)
    result.problems += refused
    progress = _Progress(
        len(work), sum(int(e.get("size", 0)) for _, e in work), progress_stream or sys.stderr
    )
    fetcher = _Fetcher(store, root, progress)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for outcome, size, problem in pool.map(lambda job: fetcher.fetch(*job), work):
            if outcome == "fetched":
                result.fetched += 1
                result.bytes += size
            elif outcome == "skipped":
                result.skipped += 1
            if problem:
                result.problems.append(problem)
    progress.close()
    chosen: dict[str, list[str]] = {}
    for crawl in result.crawls:
        try:
            with store.open(f"{crawl.crawl_id}/{MANIFEST_NAME}") as fh:
                _write_manifest_copy(root, crawl, fh.read())
        except (UnsafeName, StoreError, OSError) as exc:
            result.problems.append(f"{crawl.crawl_id}/{MANIFEST_NAME}: {exc}")
            continue
        chosen[crawl.crawl_id] = asked.get(crawl.crawl_id, [])
    try:
        previous = json.loads((root / SELECTION_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = {}
    for crawl_id, paths in chosen.items():
        previous[crawl_id] = sorted(set(previous.get(crawl_id, [])) | set(paths))
    try:
        _write_json(root / SELECTION_FILE, previous)
        write_card(root, store.uri, previous, downloaded_at=datetime.now(UTC))
    except (UnsafeName, OSError) as exc:
        result.problems.append(f"cannot write the dataset card in {root}: {exc}")
    shutil.rmtree(partial, ignore_errors=True)
    result.seconds = time.monotonic() - started
    return result
