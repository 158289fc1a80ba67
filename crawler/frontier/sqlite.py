"""The SQLite frontier backend: ``<work_dir>/.frontier.sqlite``, the crawl's own ledger.

The default backend (``FRONTIER_URI`` empty, or ``sqlite:``): one file in the crawl's work
directory, hidden (not crawl output, never listed in the manifest, never uploaded by the spool),
owned by one process. One table ``urls`` (a B-tree keyed by URL: kind, priority, discovery
order, state, reason, the crawl that recorded the outcome) and one ``meta`` table. It is the
reference implementation of :class:`~crawler.frontier.base.FrontierBackend`.

Nothing touches the disk per request: :meth:`FrontierLedger.add` and
:meth:`FrontierLedger.finish` collect batches in memory, :meth:`FrontierLedger.checkpoint`
writes both in one transaction (WAL, ``synchronous=NORMAL``: after a power loss the ledger may
be a little older, never inconsistent).

SQLite keeps its file open, so a ledger removed or replaced (renamed over) while the crawl runs
would go on taking every checkpoint into a file nobody can open again, and the crawl would end
"finished" with its ledger lost. Each checkpoint therefore checks that the path still names the
file it opened; when it does not, the checkpoint is committed to the open file all the same,
copied to ``.frontier.sqlite.recovered`` beside it (so nothing is lost: renamed back, it resumes
the crawl), and :class:`LedgerReplaced` raised: the frontier stops the crawl
(``frontier_write_failed``; ``newsarc crawl`` exits 6, state unavailable).

A ledger overwritten in place (the same file written by another process: ``cp other.sqlite``
onto it, a truncation) cannot be seen that way, and SQLite, holding the file exclusively, does
not look: the next checkpoint would mix its pages into whatever is there now. Only this
connection writes the ledger and its WAL file, so after each of its writes their size, mtime
and ctime are remembered, and each checkpoint first compares them: a change is
:class:`LedgerOverwritten` (a :class:`LedgerReplaced`: the crawl stops the same way), raised
before the checkpoint is written. No copy is saved: pages read from the file now are not the
crawl's. SQLite's close still copies the write-ahead log it holds into the file (Python 3.11's
``sqlite3`` cannot turn that off), so the file is neither the other process's nor the crawl's:
``.frontier.sqlite.overwritten`` (0600) is written beside it, naming what happened, and a
ledger with that mark beside it is not opened again (a ``--resume`` is one line, exit 6; remove
the mark to open it anyway). (A write in the same clock tick as the crawl's own, keeping the
size, is not seen: file times have the kernel's tick.)
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.frontier.base import STATES, Batches, Entry, ledger_url

if TYPE_CHECKING:
    from typing import Self

__all__ = [
    "FRONTIER_NAME",
    "OVERWRITTEN_SUFFIX",
    "RECOVERED_SUFFIX",
    "FrontierLedger",
    "LedgerOverwritten",
    "LedgerReplaced",
]

#: The ledger's file name in the crawl's work directory.
FRONTIER_NAME = ".frontier.sqlite"
#: Added to the ledger's name for the copy saved when the ledger file was removed or replaced.
RECOVERED_SUFFIX = ".recovered"
#: Added to the ledger's name for the mark left when it was overwritten in place.
OVERWRITTEN_SUFFIX = ".overwritten"


class LedgerReplaced(sqlite3.DatabaseError):
    """The ledger's path no longer names the file the crawl has open (removed or replaced)."""


class LedgerOverwritten(LedgerReplaced):
    """The ledger (or its WAL file) was written by another process since the crawl's last
    write: overwritten in place, truncated."""


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


class FrontierLedger(Batches):
    """The SQLite file: queued URLs and outcomes, written in batches by :meth:`checkpoint`.

    :meth:`add` and :meth:`finish` only touch memory; :meth:`checkpoint` writes both batches in
    one transaction. Whatever was not checkpointed is lost with the process, by design: the
    caller makes the archive durable first, then checkpoints.
    """

    def __init__(self, path: Path, crawl_id: str | None = None) -> None:
        self.path = Path(path)
        self.crawl_id = crawl_id
        mark = self.path.with_name(self.path.name + OVERWRITTEN_SUFFIX)
        if mark.exists():
            raise LedgerOverwritten(
                f"the ledger {self.path} was overwritten in place by another process while a "
                f"crawl had it open (see {mark.name}): it holds neither that crawl's state nor "
                f"the other process's; not opened (remove {mark.name} to open it anyway)"
            )
        # Owner-only, created so before SQLite opens it (its -wal and -shm files take the same
        # mode): the ledger keeps the crawl's options.
        with contextlib.suppress(FileExistsError):
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        self._db = sqlite3.connect(self.path, isolation_level=None)
        # One process owns a ledger: no shared-memory WAL index (-shm file) is needed, and
        # another process cannot write to it meanwhile.
        self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
        self._db.execute("PRAGMA journal_mode=WAL")
        # Commits are ordered in the WAL: after a power loss the ledger may be a little older,
        # never inconsistent (a done URL's outlinks are in the same transaction).
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        Batches.__init__(self)
        (last,) = self._db.execute("SELECT max(seq) FROM urls").fetchone()
        self._seq = int(last or 0)
        self._file = _identity(self.path)
        self._written = self._fingerprint()

    @classmethod
    def open(cls, uri: str, work_dir: Path, crawl_id: str | None = None) -> Self:
        """The ledger of the crawl in ``work_dir`` (``uri`` names no more than the backend)."""
        return cls(Path(work_dir) / FRONTIER_NAME, crawl_id)

    @classmethod
    def exists(cls, uri: str, work_dir: Path) -> bool:
        return (Path(work_dir) / FRONTIER_NAME).is_file()

    def close(self) -> None:
        self._db.close()

    # -- batches (memory only) ----------------------------------------------------------------

    def checkpoint(self, *, outcomes: bool = True) -> int:
        """Write the batches in one transaction; return the rows written.

        With ``outcomes=False`` only the newly queued URLs are written; the outcomes wait for a
        checkpoint whose archive sync succeeded.
        """
        new = list(self._new.values())
        done = list(self._outcomes.items()) if outcomes else []
        if not new and not done:
            return 0
        self._check_unwritten()
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
        finally:
            self._written = self._fingerprint()
        self._new.clear()
        self._seq += len(new)
        if outcomes:
            self._outcomes.clear()
        self._check_in_place()
        return len(new) + len(done)

    def _fingerprint(self) -> tuple[tuple[int, int, int] | None, ...]:
        """Size, mtime and ctime of the ledger and its WAL file (None: not there)."""
        marks: list[tuple[int, int, int] | None] = []
        for path in (self.path, self.path.with_name(self.path.name + "-wal")):
            try:
                info = os.stat(path)
            except FileNotFoundError:
                marks.append(None)
            else:
                marks.append((info.st_size, info.st_mtime_ns, info.st_ctime_ns))
        return tuple(marks)

    def _check_unwritten(self) -> None:
        """Raise :class:`LedgerOverwritten` when the ledger or its WAL file changed since this
        connection last wrote them (another process wrote into the same file)."""
        try:
            if _identity(self.path) != self._file:
                return  # renamed over or removed: _check_in_place says so, after the commit
        except FileNotFoundError:
            return
        now = self._fingerprint()
        if now == self._written:
            return
        changed = [
            name
            for name, before, after in zip(
                (self.path.name, self.path.name + "-wal"), self._written, now, strict=True
            )
            if before != after
        ]
        message = (
            f"the ledger {self.path} was overwritten in place while the crawl had it open "
            f"({' and '.join(changed)} written by another process since the last checkpoint); "
            "no checkpoint written into it, not to be resumed from: the WARC files hold every "
            "page archived"
        )
        mark = self.path.with_name(self.path.name + OVERWRITTEN_SUFFIX)
        try:
            fd = os.open(mark, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, (message + "\n").encode())
            finally:
                os.close(fd)
        except OSError as exc:
            message += f" (the mark {mark.name} could not be written: {exc.strerror or exc})"
        raise LedgerOverwritten(message)

    def _check_in_place(self) -> None:
        """Raise :class:`LedgerReplaced` (after saving a copy) when the path names another file
        than the one open, or none."""
        try:
            now: tuple[int, int] | None = _identity(self.path)
        except FileNotFoundError:
            now = None
        if now == self._file:
            return
        what = "removed" if now is None else "replaced by another file"
        saved = self.path.with_name(self.path.name + RECOVERED_SUFFIX)
        try:
            self._save_copy(saved)
        except (OSError, sqlite3.Error) as exc:
            kept = f"its content could not be saved ({exc})"
        else:
            kept = f"its content is saved as {saved}: rename it back to {self.path.name} to resume"
        raise LedgerReplaced(
            f"the ledger {self.path} was {what} while the crawl had it open; {kept}"
        )

    def _save_copy(self, target: Path) -> None:
        """Copy the open ledger to ``target`` (0600: it holds the crawl's options), atomically."""
        partial = target.with_name(target.name + ".part")
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        copy = sqlite3.connect(partial)
        try:
            self._db.backup(copy)
            # One self-contained file (no -wal beside it), whatever renames it back.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
        os.replace(partial, target)

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
        self._check_unwritten()
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    [(k, json.dumps(v)) for k, v in values.items()],
                )
        finally:
            self._written = self._fingerprint()

    def meta(self) -> dict[str, Any]:
        return {str(k): json.loads(v) for k, v in self._db.execute("SELECT key, value FROM meta")}

    def copy_from(self, other: Path) -> int:
        """Seed this (empty) ledger with every URL of the ledger file ``other``: queued ones
        stay queued, finished ones keep their state (a resume must not fetch them again)."""
        return self._seed({}, (), other)

    def seed(
        self,
        meta: dict[str, Any],
        *,
        start_urls: Iterable[str] = (),
        previous_crawl_dir: Path | None = None,
    ) -> int:
        """Fill a new crawl's ledger in one transaction: every URL of the ledger of the crawl
        in ``previous_crawl_dir`` (in their states), ``start_urls`` queued, and ``meta``. A kill
        leaves all of it or nothing, never a ledger without its start URLs or its options.
        Returns the URLs added.
        """
        previous = None if previous_crawl_dir is None else previous_crawl_dir / FRONTIER_NAME
        return self._seed(meta, start_urls, previous)

    def _seed(self, meta: dict[str, Any], start_urls: Iterable[str], copy_from: Path | None) -> int:
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
            self._written = self._fingerprint()
        (last,) = db.execute("SELECT max(seq) FROM urls").fetchone()
        self._seq = int(last or 0)
        return added


def _identity(path: Path) -> tuple[int, int]:
    """The (device, inode) pair naming the file at ``path``."""
    info = os.stat(path)
    return info.st_dev, info.st_ino
