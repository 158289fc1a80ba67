"""Payload digests already archived: what lets an unchanged page become a ``revisit`` record.

:class:`DigestIndex` is a small SQLite file, ``.digests.sqlite``, beside the crawl directories:
in the local store's root, or for a remote store in its spool directory (so the index is per
machine: a crawl from a machine without it simply writes full records again, never a wrong
revisit). It maps a ``WARC-Payload-Digest`` to the first ``response`` record that carried it
(target URI, ``WARC-Date``, record id, crawl and file).

The index only learns a record once the record's file is **closed, verified and stored**
(the WARC extension adds what the writer wrote into a file once the local store accepted it;
for a remote store, :class:`StoredWarcIndexExtension` reads a file with :func:`index_warc` when
the spool uploader says the store verified it, :data:`~crawler.signals.file_stored`, as the
file may come from an earlier run), so a revisit never points at a
record that could still be lost. Within a running crawl the writer also remembers the digests it
wrote itself (those records precede the revisit in the same or an earlier file, and crash
recovery keeps every record before a surviving one): :class:`WrittenDigests`, a seen-set of their
fingerprints in memory (:mod:`crawler.seen`, ~16 bytes a record) with the records themselves in
a private temporary SQLite file, not a dict of them (~400 bytes a record, the largest thing the
crawl's memory grew by per page; docs/reliability.md, L1).

Settings read (:class:`StoredWarcIndexExtension`): ``WARC_REVISIT_ENABLED``,
``NEWSARC_STORE_URI``, ``NEWSARC_SPOOL_DIR``.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.crawlinfo import CrawlInfo
from crawler.seen import SeenSet
from crawler.signals import file_stored

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

__all__ = [
    "DIGEST_INDEX_NAME",
    "DigestIndex",
    "Original",
    "StoredWarcIndexExtension",
    "WrittenDigests",
    "index_warc",
    "payload_digest",
]

logger = logging.getLogger(__name__)

DIGEST_INDEX_NAME = ".digests.sqlite"


def payload_digest(body: bytes) -> str:
    """``sha1:<base32>``, the form warcio writes in ``WARC-Payload-Digest``."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


@dataclass(frozen=True)
class Original:
    """The response record a revisit refers to."""

    uri: str
    date: str
    record_id: str
    crawl_id: str = ""
    filename: str = ""


class DigestIndex:
    """SQLite map from payload digest to the first stored response record with it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS digests (digest TEXT PRIMARY KEY, uri TEXT, date TEXT,"
            " record_id TEXT, crawl_id TEXT, filename TEXT)"
        )
        self._db.commit()

    def lookup(self, digest: str) -> Original | None:
        row = self._db.execute(
            "SELECT uri, date, record_id, crawl_id, filename FROM digests WHERE digest = ?",
            (digest,),
        ).fetchone()
        return Original(*row) if row else None

    def in_file(self, filename: str) -> list[tuple[str, Original]]:
        """``(digest, record)`` of every record remembered as written into ``filename``."""
        rows = self._db.execute(
            "SELECT digest, uri, date, record_id FROM written WHERE filename = ?", (filename,)
        )
        return [(d, Original(uri, date, rid, filename=filename)) for d, uri, date, rid in rows]

    def add(self, entries: list[tuple[str, Original]]) -> None:
        """Remember ``(digest, original)`` pairs; an already known digest keeps its original."""
        with self._db:
            self._db.executemany(
                "INSERT OR IGNORE INTO digests VALUES (?, ?, ?, ?, ?, ?)",
                [(d, o.uri, o.date, o.record_id, o.crawl_id, o.filename) for d, o in entries],
            )

    def close(self) -> None:
        self._db.close()


class WrittenDigests:
    """The payload digests a running writer wrote in full, each with its record.

    Membership is a :class:`~crawler.seen.SeenSet` of the digests (so a new payload, the common
    case, costs no query); the records are in a private temporary SQLite database (SQLite's own
    temporary file, deleted when the connection closes; its page cache is bounded), which also
    makes a hit exact: a fingerprint collision finds no row. What a closed file held is read
    back from there for the digest index (:meth:`in_file`).
    """

    def __init__(self) -> None:
        self._seen = SeenSet()
        self._db = sqlite3.connect("", check_same_thread=False)
        # Nothing to recover after a crash (the writer starts afresh): no journal, no fsync.
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        # Bounded page cache (SQLite's default is 2 MiB): a hit is rare, an insert touches one
        # path of the B-tree; the rest is in the OS's cache of the temporary file.
        self._db.execute("PRAGMA cache_size=-512")
        self._db.execute(
            "CREATE TABLE written (digest TEXT PRIMARY KEY, uri TEXT, date TEXT,"
            " record_id TEXT, filename TEXT) WITHOUT ROWID"
        )
        self._db.execute("CREATE INDEX written_file ON written (filename)")

    def __len__(self) -> int:
        return len(self._seen)

    def add(self, digest: str, original: Original) -> None:
        """Remember the record that carried ``digest`` (the first one is kept)."""
        self._seen.add(digest)
        self._db.execute(
            "INSERT OR IGNORE INTO written VALUES (?, ?, ?, ?, ?)",
            (digest, original.uri, original.date, original.record_id, original.filename),
        )

    def get(self, digest: str) -> Original | None:
        """The record written with ``digest``, if this writer wrote one."""
        if digest not in self._seen:
            return None
        row = self._db.execute(
            "SELECT uri, date, record_id FROM written WHERE digest = ?", (digest,)
        ).fetchone()
        return Original(*row) if row else None

    def in_file(self, filename: str) -> list[tuple[str, Original]]:
        """``(digest, record)`` of every record remembered as written into ``filename``."""
        rows = self._db.execute(
            "SELECT digest, uri, date, record_id FROM written WHERE filename = ?", (filename,)
        )
        return [(d, Original(uri, date, rid, filename=filename)) for d, uri, date, rid in rows]


def index_warc(index: DigestIndex, warc_path: Path, crawl_id: str) -> int:
    """Add the payload digests of a closed, stored WARC file's responses; return how many."""
    entries: list[tuple[str, Original]] = []
    with Path(warc_path).open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type != "response":
                continue
            headers = record.rec_headers
            digest = headers.get_header("WARC-Payload-Digest")
            if not digest or record.http_headers is None:
                continue
            if record.http_headers.get_statuscode() != "200":
                continue
            entries.append(
                (
                    digest,
                    Original(
                        uri=headers.get_header("WARC-Target-URI"),
                        date=headers.get_header("WARC-Date"),
                        record_id=headers.get_header("WARC-Record-ID"),
                        crawl_id=crawl_id,
                        filename=Path(warc_path).name,
                    ),
                )
            )
    index.add(entries)
    return len(entries)


class StoredWarcIndexExtension:
    """Adds each WARC file the spool uploader stored in a remote store to the digest index.

    Listens to :data:`~crawler.signals.file_stored` (sent from the uploader's thread, with its
    own connection to the index); off for a local store, where the WARC extension indexes
    what it wrote, and when revisits are off.
    """

    def __init__(self, index: DigestIndex) -> None:
        self.index = index

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("WARC_REVISIT_ENABLED"):
            raise NotConfigured("WARC_REVISIT_ENABLED is False: no digest index")
        info = CrawlInfo.from_crawler(crawler)
        if not info.remote:
            raise NotConfigured("the store is a local directory: the WARC extension indexes")
        ext = cls(DigestIndex(info.local_root / DIGEST_INDEX_NAME))
        crawler.signals.connect(ext.file_stored, signal=file_stored)
        return ext

    def file_stored(self, path: Path, key: str, crawl_id: str) -> None:
        """Stored and verified: later revisits may now point at this file's records."""
        if not path.name.endswith(".warc.gz"):
            return
        try:
            index_warc(self.index, path, crawl_id)
        except (OSError, sqlite3.Error, ArchiveLoadFailed) as exc:
            logger.error("Could not add %s to the digest index: %s", key, exc)
