"""``newsarc datasets verify``: every file of every crawl against its manifest.

For each file the manifest lists: size and SHA-256; for a WARC file, every gzip member complete
(a file cut inside a record is an error naming the file and the record's offset), intact (CRC)
and holding a WARC record, and the record count; for a JSON Lines file, a complete gzip stream
and the item count. For each crawl: the item and record counts of its files against the crawl's
own counts, files missing, and files present but not listed. Every mismatch is reported; the
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
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.datasets.catalog import UnsafeName, item_kind, list_crawls, safe_relpath
from crawler.exceptions import StoreError
from crawler.manifest import MANIFEST_NAME
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


def verify_crawl_dir(crawl_dir: Path, wanted: set[str] | None = None) -> tuple[int, list[str]]:
    """Check one crawl directory; ``wanted``: the only paths that must be there (a download's
    selection; None: all). Returns the number of files checked and the problems."""
    name = crawl_dir.name
    try:
        manifest = _load_manifest(crawl_dir / MANIFEST_NAME)
    except (OSError, ValueError) as exc:
        return 0, [f"{name}/{MANIFEST_NAME}: cannot read: {exc}"]
    schema = int(manifest.get("schema") or 0)
    problems: list[str] = []
    listed = {str(p) for p in manifest.get("unhashed_logs") or []} | {MANIFEST_NAME}
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
    if not dirs:
        return 0, [f"{root}: no crawl (no */{MANIFEST_NAME}) here"]
    checked = 0
    problems: list[str] = []
    for crawl_dir in dirs:
        wanted = None
        if selection is not None:
            wanted = set(selection.get(crawl_dir.name, []))
        n, found = verify_crawl_dir(crawl_dir, wanted)
        checked += n
        problems += found
    return checked, problems


def _check_remote(
    store: Store, crawl_id: str, entry: dict[str, Any], *, schema: int, tmp: Path
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
        return [f"{crawl_id}/{p}" for p in check_file(local, entry, manifest_schema=schema)]
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
    with (
        tempfile.TemporaryDirectory(prefix="newsarc-verify-") as tmpdir,
        ThreadPoolExecutor(max_workers=jobs) as pool,
    ):
        for crawl in crawls:
            manifest = crawl.manifest
            schema = int(manifest.get("schema") or 0)
            entries = list(manifest.get("files") or [])
            check = functools.partial(
                _check_remote, store, crawl.crawl_id, schema=schema, tmp=Path(tmpdir)
            )
            results = pool.map(check, entries)
            for found in results:
                problems += found
            checked += len(entries)
            problems += _count_problems(crawl.crawl_id, manifest)
            listed = {str(e.get("path")) for e in entries} | {MANIFEST_NAME}
            listed |= {str(p) for p in manifest.get("unhashed_logs") or []}
            for key in sorted(k for k in keys if k.startswith(f"{crawl.crawl_id}/")):
                rel = key.removeprefix(f"{crawl.crawl_id}/")
                if rel not in listed:
                    problems.append(f"{key}: in the store but not listed in the manifest")
    return checked, problems
