"""``newsarc datasets verify``: every file of every crawl against its manifest.

For each file the manifest lists: size and SHA-256; for a WARC file, every gzip member complete
(a file cut inside a record is an error naming the file and the record's offset), intact (CRC)
and holding a WARC record, and the record count; for a JSON Lines file, a complete gzip stream
and the item count. For each crawl: the item and record counts of its files against the crawl's
own counts, files missing, and files present but not listed. Across the crawls checked: every
revisit record's original (``WARC-Refers-To``) is a record of one of their WARC files (a
crawl of several workers may revisit another worker's record, or an earlier crawl's). A crawl
of several workers without its ``manifest.json`` is incomplete: a problem naming the workers
whose own manifests are missing. Every mismatch is reported; the
caller exits non-zero if there is any.

A directory (a local store, a crawl directory, or what ``newsarc datasets download`` wrote) is
checked in place; a downloaded directory's selection (:data:`SELECTION_FILE`) says which files
were asked for, so a download of only the articles is not short of its WARC files. A remote
store is read file by file into a temporary directory, in parallel.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import tempfile
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.datasets.catalog import UnsafeName, item_kind, list_crawls, safe_relpath
from crawler.exceptions import StoreError
from crawler.manifest import MANIFEST_NAME, WORKER_MANIFESTS
from crawler.store.base import CHUNK_SIZE, sha256_file
from crawler.warc.members import CorruptMember, TruncatedMember, iter_members

if TYPE_CHECKING:
    from crawler.store import Store

__all__ = ["SELECTION_FILE", "check_file", "verify_directory", "verify_store"]

#: Written by ``newsarc datasets download`` into its target: ``{crawl_id: [paths]}`` chosen.
SELECTION_FILE = ".newsarc-download.json"
#: Files a download writes next to the crawls (the dataset card), not crawl output.
_CARD_FILES = ("README.md", "CITATION.cff")


def _warc_problems(path: Path, rel: str, expected: Any) -> list[str]:
    members = 0
    problems: list[str] = []
    try:
        for member in iter_members(path):
            if not member.holds_warc:
                problems.append(f"{rel}: gzip member at offset {member.start} holds no WARC record")
            members += 1
    except TruncatedMember as exc:
        problems.append(
            f"{rel}: cut short inside the record starting at offset {exc.start} "
            f"(after {members} complete records)"
        )
    except CorruptMember as exc:
        problems.append(f"{rel}: corrupt gzip member at offset {exc.start}: {exc}")
    if expected is not None and members != int(expected) and not problems:
        problems.append(f"{rel}: {members} WARC records, manifest says {expected}")
    elif expected is not None and members != int(expected):
        problems.append(f"{rel}: {members} complete WARC records, manifest says {expected}")
    return problems


def _items_problems(path: Path, rel: str, expected: Any) -> tuple[list[str], int]:
    lines = 0
    try:
        with gzip.open(path, "rb") as fh:
            for _ in fh:
                lines += 1
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        return [f"{rel}: not a complete gzip stream after {lines} items: {exc}"], lines
    if expected is not None and lines != int(expected):
        return [f"{rel}: {lines} items, manifest says {expected}"], lines
    return [], lines


def check_file(path: Path, entry: dict[str, Any], *, manifest_schema: int = 3) -> list[str]:
    """Problems of one local file against its manifest entry (empty: it verifies)."""
    rel = str(entry.get("path"))
    problems: list[str] = []
    expected = int(entry.get("size", -1))
    actual = path.stat().st_size
    # Schema 2 hashed a log while it was still written: its entry covers a prefix of the log.
    prefix_log = entry.get("kind") == "log" and manifest_schema < 3 and actual > expected
    if actual != expected and not prefix_log:
        problems.append(f"{rel}: size {actual}, manifest says {expected}")
    else:
        _, sha = sha256_file(path, expected if prefix_log else None)
        if sha != entry.get("sha256"):
            problems.append(f"{rel}: sha256 {sha}, manifest says {entry.get('sha256')}")
    if entry.get("kind") == "warc":
        problems += _warc_problems(path, rel, entry.get("records"))
    elif entry.get("kind") == "items":
        problems += _items_problems(path, rel, entry.get("items"))[0]
    return problems


def _count_problems(crawl_id: str, manifest: dict[str, Any]) -> list[str]:
    """The crawl's own counts against the sums of its files' counts (manifest only)."""
    counts = manifest.get("counts") or {}
    if manifest.get("quarantined"):
        return []  # quarantined files left the listing; the counts still include them
    files = manifest.get("files") or []
    sums = {
        "articles": sum(int(f.get("items", 0)) for f in files if item_kind(f) == "articles"),
        "headlines": sum(int(f.get("items", 0)) for f in files if item_kind(f) == "headlines"),
        "warc_records": sum(int(f.get("records", 0)) for f in files if f.get("kind") == "warc"),
    }
    return [
        f"{crawl_id}: files hold {total} {name.replace('_', ' ')}, the crawl counted {counts[name]}"
        for name, total in sums.items()
        if isinstance(counts.get(name), int) and counts[name] != total
    ]


def lost_files(manifest: dict[str, Any]) -> set[str]:
    """Files a lost worker (``newsarc frontier lost``) left in the crawl that its merged manifest
    names but does not list: not checked, and not strays."""
    lost = manifest.get("workers_lost") or {}
    return {str(p) for entry in lost.values() if isinstance(entry, dict)
            for p in entry.get("unlisted") or []}  # fmt: skip


def lost_note(crawl_id: str, manifest: dict[str, Any]) -> str | None:
    """What a person is told of a merged crawl that gave up on some of its workers."""
    lost = manifest.get("workers_lost") or {}
    if not lost:
        return None
    names = ", ".join(
        f"{w} ({'its stored files included' if (e or {}).get('manifest') else 'no manifest'})"
        for w, e in sorted(lost.items())
    )
    return f"{crawl_id}: worker(s) lost: {names}; what else they fetched was fetched by others"


def verify_notes(manifests: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """The notes (not problems) of ``newsarc datasets verify`` for crawls (id, manifest)."""
    return [n for crawl_id, m in manifests if (n := lost_note(crawl_id, m)) is not None]


def _load_manifest(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        manifest = json.load(fh)
    if not isinstance(manifest, dict):
        raise ValueError("not a JSON object")
    return manifest


def _crawl_dirs(root: Path) -> list[Path]:
    if (root / MANIFEST_NAME).is_file():
        return [root]
    return sorted(p.parent for p in root.glob(f"*/{MANIFEST_NAME}") if not p.parent.is_symlink())


def _unmerged_dirs(root: Path) -> list[Path]:
    """Crawl directories of several workers with their workers' manifests and no crawl
    manifest (``root`` itself, or those under it)."""
    if (root / MANIFEST_NAME).is_file():
        return []
    if any((root / WORKER_MANIFESTS).glob("*.json")):
        return [root]
    return sorted(
        {
            p.parent.parent
            for p in root.glob(f"*/{WORKER_MANIFESTS}/*.json")
            if not (p.parent.parent / MANIFEST_NAME).exists() and not p.parent.parent.is_symlink()
        }
    )


def _unmerged_problem(crawl_dir: Path) -> str:
    from crawler.datasets.catalog import CrawlSummary  # noqa: PLC0415

    parts = {
        p.name.removesuffix(".json"): p.read_bytes()
        for p in sorted((crawl_dir / WORKER_MANIFESTS).glob("*.json"))
    }
    try:
        summary = CrawlSummary.from_parts(crawl_dir.name, parts)
    except ValueError as exc:
        return (
            f"{crawl_dir.name}: incomplete: no manifest.json, and its workers' do not merge: {exc}"
        )
    return f"{crawl_dir.name}: {summary.waiting}"


def warc_references(path: Path) -> tuple[set[str], list[tuple[str, str]]]:
    """The record ids in a WARC file, and (target URI, WARC-Refers-To) of its revisits."""
    ids: set[str] = set()
    refs: list[tuple[str, str]] = []
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            headers = record.rec_headers
            record_id = headers.get_header("WARC-Record-ID")
            if record_id:
                ids.add(record_id)
            if record.rec_type == "revisit":
                target = headers.get_header("WARC-Refers-To")
                if target:
                    refs.append((str(headers.get_header("WARC-Target-URI")), target))
    return ids, refs


class _Revisits:
    """Revisit records and the records they name, gathered across every WARC file read."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # remote files are read in parallel
        self.ids: set[str] = set()
        self.refs: list[tuple[str, str, str]] = []  # (crawl_id/path, target URI, refers to)

    def add(self, where: str, path: Path) -> None:
        try:
            ids, refs = warc_references(path)
        except (OSError, ArchiveLoadFailed, EOFError, zlib.error):
            return  # the file's own check names what is wrong with it
        self.ids |= ids
        self.refs += [(where, uri, target) for uri, target in refs]

    def problems(self) -> list[str]:
        """Revisits whose original is in no WARC file read."""
        return [
            f"{where}: the revisit of {uri} refers to {target}, which is in none of the "
            "crawls' WARC files"
            for where, uri, target in self.refs
            if target not in self.ids
        ]


def verify_crawl_dir(
    crawl_dir: Path, wanted: set[str] | None = None, revisits: _Revisits | None = None
) -> tuple[int, list[str]]:
    """Check one crawl directory; ``wanted``: the only paths that must be there (a download's
    selection; None: all); ``revisits`` gathers its WARC files' records and revisits. Returns
    the number of files checked and the problems."""
    name = crawl_dir.name
    try:
        manifest = _load_manifest(crawl_dir / MANIFEST_NAME)
    except (OSError, ValueError) as exc:
        return 0, [f"{name}/{MANIFEST_NAME}: cannot read: {exc}"]
    schema = int(manifest.get("schema") or 0)
    problems: list[str] = []
    listed = {str(p) for p in manifest.get("unhashed_logs") or []} | {MANIFEST_NAME}
    listed |= lost_files(manifest)
    checked = 0
    for entry in manifest.get("files") or []:
        rel = str(entry.get("path", ""))
        listed.add(rel)
        try:
            safe_relpath(rel)
        except UnsafeName as exc:
            problems.append(f"{name}: unsafe path in the manifest: {exc}")
            continue
        path = crawl_dir.joinpath(*rel.split("/"))
        if path.is_symlink() or (path.exists() and not path.is_file()):
            problems.append(f"{name}/{rel}: not a regular file")
            continue
        if not path.exists():
            if wanted is None or rel in wanted:
                problems.append(f"{name}/{rel}: missing")
            continue
        checked += 1
        problems += [f"{name}/{p}" for p in check_file(path, entry, manifest_schema=schema)]
        if revisits is not None and entry.get("kind") == "warc":
            revisits.add(f"{name}/{rel}", path)
    every = {str(e.get("path")) for e in manifest.get("files") or []}
    if wanted is None or wanted >= every:  # the crawl's own counts hold for all its files only
        problems += _count_problems(name, manifest)
    for path in sorted(p for p in crawl_dir.rglob("*") if p.is_file() or p.is_symlink()):
        rel = path.relative_to(crawl_dir).as_posix()
        hidden = any(part.startswith(".") for part in rel.split("/"))
        if rel not in listed and not hidden and not rel.endswith((".open", ".tmp")):
            problems.append(f"{name}/{rel}: not listed in the manifest")
    return checked, problems


def verify_directory(root: Path) -> tuple[int, list[str]]:
    """Check every crawl under ``root`` (or ``root`` itself, a crawl directory)."""
    selection: dict[str, list[str]] | None = None
    try:
        with (root / SELECTION_FILE).open(encoding="utf-8") as fh:
            selection = json.load(fh)
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        return 0, [f"{SELECTION_FILE}: cannot read: {exc}"]
    dirs = _crawl_dirs(root)
    unmerged = _unmerged_dirs(root)
    if not dirs and not unmerged:
        return 0, [f"{root}: no crawl (no */{MANIFEST_NAME}) here"]
    checked = 0
    problems: list[str] = [_unmerged_problem(crawl_dir) for crawl_dir in unmerged]
    revisits = _Revisits()
    for crawl_dir in dirs:
        wanted = None
        if selection is not None:
            wanted = set(selection.get(crawl_dir.name, []))
        n, found = verify_crawl_dir(crawl_dir, wanted, revisits)
        checked += n
        problems += found
    if revisits.refs and dirs == [root]:
        # One crawl directory: an original may be in another crawl of the same store.
        for other in _crawl_dirs(root.parent):
            if other != root:
                for warc in sorted(other.glob("warc/*.warc.gz")):
                    revisits.add(f"{other.name}/warc/{warc.name}", warc)
    if selection is None:  # a partial download need not hold every original
        problems += revisits.problems()
    return checked, problems


def _check_remote(
    store: Store,
    crawl_id: str,
    entry: dict[str, Any],
    *,
    schema: int,
    tmp: Path,
    revisits: _Revisits | None = None,
) -> list[str]:
    rel = str(entry.get("path", ""))
    try:
        safe_relpath(rel)
    except UnsafeName as exc:
        return [f"{crawl_id}: unsafe path in the manifest: {exc}"]
    local = tmp / hashlib.sha256(f"{crawl_id}/{rel}".encode()).hexdigest()
    try:
        with store.open(f"{crawl_id}/{rel}") as src, local.open("wb") as dst:
            while chunk := src.read(CHUNK_SIZE):
                dst.write(chunk)
        found = [f"{crawl_id}/{p}" for p in check_file(local, entry, manifest_schema=schema)]
        if revisits is not None and entry.get("kind") == "warc":
            with revisits.lock:
                revisits.add(f"{crawl_id}/{rel}", local)
        return found
    except FileNotFoundError:
        return [f"{crawl_id}/{rel}: missing"]
    except (StoreError, OSError) as exc:
        return [f"{crawl_id}/{rel}: cannot read: {exc}"]
    finally:
        local.unlink(missing_ok=True)


def verify_store(store: Store, *, jobs: int = 8) -> tuple[int, list[str]]:
    """Check every crawl in a (remote) store, files read in parallel into a temporary dir."""
    crawls, problems = list_crawls(store)
    keys = set(store.list())
    checked = 0
    revisits = _Revisits()
    with (
        tempfile.TemporaryDirectory(prefix="newsarc-verify-") as tmpdir,
        ThreadPoolExecutor(max_workers=jobs) as pool,
    ):
        for crawl in crawls:
            if not crawl.merged:
                problems.append(f"{crawl.crawl_id}: {crawl.waiting}")
                continue
            manifest = crawl.manifest
            schema = int(manifest.get("schema") or 0)
            entries = list(manifest.get("files") or [])
            check = functools.partial(
                _check_remote,
                store,
                crawl.crawl_id,
                schema=schema,
                tmp=Path(tmpdir),
                revisits=revisits,
            )
            results = pool.map(check, entries)
            for found in results:
                problems += found
            checked += len(entries)
            problems += _count_problems(crawl.crawl_id, manifest)
            listed = {str(e.get("path")) for e in entries} | {MANIFEST_NAME}
            listed |= {str(p) for p in manifest.get("unhashed_logs") or []}
            listed |= lost_files(manifest)
            for key in sorted(k for k in keys if k.startswith(f"{crawl.crawl_id}/")):
                rel = key.removeprefix(f"{crawl.crawl_id}/")
                if rel not in listed:
                    problems.append(f"{key}: in the store but not listed in the manifest")
    problems += revisits.problems()
    return checked, problems
