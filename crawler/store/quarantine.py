"""Quarantine: closed spool files that fail verification are moved aside, never deleted.

A file that the spool uploader cannot describe or verify (a ``.warc.gz`` cut short or failing
its gzip CRC, a ``.jsonl.gz`` whose stream is incomplete, a file it may not read) is not a
crash leftover (those are ``.open``/``.tmp`` files, repaired by :mod:`crawler.recovery`):
it was verified when it was closed, so something damaged it since (the disk, a copy cut short,
a person). Sending it would put a broken file into the archive; keeping it where it is would
block its crawl forever. So it is moved, within its crawl directory, to

    <crawl_dir>/.quarantine/<its relative path>          (the file, byte for byte)
    <crawl_dir>/.quarantine/<its relative path>.reason.json   (path, reason, time)

Hidden directories are not crawl output: the uploader, the manifest's file list and the local
store's listing skip them, so the rest of the crawl goes on; the manifest names the quarantined
files under ``quarantined``. An operator inspects them and deletes or repairs them by hand.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.store.local import fsync_dir

__all__ = ["QUARANTINE_DIR", "quarantine_file", "quarantined"]

#: Directory, inside a crawl directory, holding the files moved aside.
QUARANTINE_DIR = ".quarantine"
_REASON_SUFFIX = ".reason.json"


def quarantine_file(crawl_dir: Path, path: Path, reason: str) -> Path:
    """Move ``path`` (a file below ``crawl_dir``) into quarantine; return where it went.

    The reason is written first, then the file renamed (same file system: atomic, no copy). A
    file already in quarantine under the same name is never overwritten: a numbered name is
    used instead. Raises :class:`OSError` when the move fails (the file then stays put).
    """
    rel = path.relative_to(crawl_dir).as_posix()
    target = crawl_dir / QUARANTINE_DIR / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    base, serial = target, 0
    while target.exists() or _reason_path(target).exists():
        serial += 1
        target = base.with_name(f"{base.name}.{serial}")
    note = {"path": rel, "reason": reason, "quarantined_at": datetime.now(UTC).isoformat()}
    with _reason_path(target).open("x", encoding="utf-8") as fh:
        fh.write(json.dumps(note, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.rename(path, target)
    fsync_dir(target.parent)
    fsync_dir(path.parent)
    return target


def quarantined(crawl_dir: Path) -> list[dict[str, Any]]:
    """What is in ``crawl_dir``'s quarantine: ``{path, reason, quarantined_as}``, by path."""
    folder = Path(crawl_dir) / QUARANTINE_DIR
    if not folder.is_dir():
        return []
    entries = []
    for note_path in sorted(folder.rglob(f"*{_REASON_SUFFIX}")):
        try:
            note = json.loads(note_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a torn note (crash between note and rename): its file was never moved
        moved = note_path.with_name(note_path.name.removesuffix(_REASON_SUFFIX))
        if not moved.is_file():
            continue
        entries.append(
            {
                "path": str(note.get("path", "")),
                "reason": str(note.get("reason", "")),
                "quarantined_as": moved.relative_to(crawl_dir).as_posix(),
            }
        )
    return sorted(entries, key=lambda e: (e["path"], e["quarantined_as"]))


def _reason_path(target: Path) -> Path:
    return target.with_name(target.name + _REASON_SUFFIX)
