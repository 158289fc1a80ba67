"""Incremental state between runs of a site: what was captured, so the next run skips it.

One SQLite file per site (``newsarc run`` keeps it under the job's ``state:`` directory and, for
an ``s3://`` store, uploads it beside the store's data). Table ``pages``: every page URL
captured, its page type (``article``, ``listing``, ``other``), the digest of its content, its
validators (``ETag``, ``Last-Modified``) and when it was fetched. Table ``runs`` holds the run
history :mod:`crawler.run.report` compares each run with.

Policy, applied by the spider through :meth:`IncrementalState.wants`:

* a URL never captured is fetched;
* listing and other pages (home, sections) are fetched every run: their headline blocks change;
* an article already captured is *not* requested again, unless a sitemap's ``lastmod`` or a
  feed entry's ``updated`` date is later than its capture; then it is requested with
  ``If-None-Match``/``If-Modified-Since``. A ``304`` leaves it as it was; a ``200`` is compared
  by digest (title and text of the article, else the body), because some servers keep their
  validators while the content changes: same digest → ``unchanged``, else ``changed``.

Feeds and sitemaps are fetched every run, conditionally where their server gave validators:
table ``sources`` keeps each one's ``ETag``/``Last-Modified`` and its body as fetched
(zlib-compressed, up to :data:`SOURCE_BODY_MAX` bytes; a larger one is not kept and is fetched
in full each run). A ``304`` is then read from the kept body, exactly as the ``200`` it stands
for: its entries are followed again (an entry a killed or limited run did not capture is not
lost), and articles captured since are skipped by the policy above.

What a page gave is committed only once the page's WARC records and items are durable: on the
frontier's :data:`~crawler.signals.frontier_checkpointed` signal, for exactly the URLs that
checkpoint marked done (without a frontier ledger: when the spider closes). A kill loses at most
the pages since the last checkpoint, which the next run fetches again.

Settings read: ``INCREMENTAL_STATE`` (path of the SQLite file; unset: off),
``FRONTIER_ENABLED``, ``NEWSARC_CRAWL_ID``.
Stats written: ``incremental/known`` (URLs in the state at start), ``incremental/skipped``
(known articles not requested), ``incremental/revisited`` (requested again because a feed or
sitemap said they changed), ``incremental/new``, ``incremental/changed``,
``incremental/unchanged`` (each also per page type: ``incremental/new/article``, …),
``incremental/not_modified`` (304), ``incremental/sources_not_modified`` (feeds and sitemaps
read from the kept body), ``incremental/sources_lost`` (a 304 with no kept body),
``incremental/committed``,
``incremental/commit_failed``.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.signals import frontier_checkpointed

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["IncrementalState", "PageRecord", "content_digest", "open_state_db", "parse_lastmod"]

logger = logging.getLogger(__name__)

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"
#: Largest compressed feed or sitemap body kept for conditional requests (bytes).
SOURCE_BODY_MAX = 4 << 20

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    page_type TEXT NOT NULL,
    digest TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    fetched_at TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    crawl_id TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sources (
    url TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    body BLOB NOT NULL,
    fetched_at TEXT NOT NULL,
    crawl_id TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    crawl_id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    status TEXT NOT NULL,
    articles INTEGER NOT NULL,
    headlines INTEGER NOT NULL,
    report TEXT NOT NULL
);
"""


def open_state_db(path: Path) -> sqlite3.Connection:
    """Open (creating) a site's state file; WAL, so a reader never blocks the crawl."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, timeout=10)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(_SCHEMA)
    return db


def content_digest(title: str | None, text: str | None, body: bytes) -> str:
    """What "changed" means: the article's title and text when there is one, else the body."""
    if text:
        data = f"{title or ''}\n\n{text}".encode()
        return "a:" + hashlib.sha256(data).hexdigest()
    return "b:" + hashlib.sha256(body).hexdigest()


def parse_lastmod(value: Any) -> datetime | None:
    """A sitemap ``lastmod`` (W3C datetime: a date, or a time with offset) as aware UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PageRecord:
    """One captured page, as the state file keeps it."""

    url: str
    page_type: str
    digest: str
    etag: str | None
    last_modified: str | None
    fetched_at: str
    changed_at: str


class IncrementalState:
    """The running crawl's view of its site's state: what to skip, what changed, what to commit."""

    def __init__(
        self,
        path: Path,
        crawl_id: str | None,
        stats: StatsCollector,
        *,
        commit_on_checkpoint: bool = True,
    ) -> None:
        self.path = path
        self.crawl_id = crawl_id
        self.stats = stats
        self.commit_on_checkpoint = commit_on_checkpoint
        db = open_state_db(path)
        try:
            rows = db.execute(
                "SELECT url, page_type, digest, etag, last_modified, fetched_at, changed_at "
                "FROM pages"
            ).fetchall()
            sources = db.execute("SELECT url, etag, last_modified FROM sources").fetchall()
        finally:
            db.close()
        self.known: dict[str, PageRecord] = {row[0]: PageRecord(*row) for row in rows}
        #: Feeds and sitemaps with a kept body: url → (ETag, Last-Modified).
        self.sources: dict[str, tuple[str | None, str | None]] = {
            url: (etag, last_modified) for url, etag, last_modified in sources
        }
        self._pending_sources: dict[str, tuple[str, str | None, str | None, bytes, str]] = {}
        self._pending: dict[str, PageRecord] = {}
        self._held: set[str] = set()
        stats.set_value("incremental/known", len(self.known))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("INCREMENTAL_STATE")
        if not path:
            raise NotConfigured("INCREMENTAL_STATE is not set: every page is fetched")
        assert crawler.stats is not None
        state = cls(
            Path(path),
            crawler.settings.get("NEWSARC_CRAWL_ID"),
            crawler.stats,
            commit_on_checkpoint=crawler.settings.getbool("FRONTIER_ENABLED"),
        )
        crawler.signals.connect(state.checkpointed, signal=frontier_checkpointed)
        crawler.signals.connect(state.spider_closed, signal=signals.spider_closed)
        return state

    # -- before a request ---------------------------------------------------------------------

    def wants(self, url: str, changed_since: datetime | None = None) -> bool:
        """Whether ``url`` should be requested in this run (see the module docstring)."""
        record = self.known.get(url)
        if record is None or record.page_type != "article":
            return True
        if changed_since is not None:
            fetched = parse_lastmod(record.fetched_at)
            if fetched is None or changed_since > fetched:
                self.stats.inc_value("incremental/revisited")
                self._held.discard(url)
                self.stats.set_value("incremental/skipped", len(self._held))
                return True
        self._held.add(url)
        self.stats.set_value("incremental/skipped", len(self._held))
        return False

    def held(self, url: str) -> bool:
        """Whether :meth:`wants` held ``url`` back in this run (a later source may still
        say it changed)."""
        return url in self._held

    def conditional_headers(self, url: str) -> dict[str, str]:
        """``If-None-Match``/``If-Modified-Since`` for a page captured before (else none)."""
        record = self.known.get(url)
        if record is None:
            return {}
        headers = {}
        if record.etag:
            headers["If-None-Match"] = record.etag
        if record.last_modified:
            headers["If-Modified-Since"] = record.last_modified
        return headers

    def source_headers(self, url: str) -> dict[str, str]:
        """``If-None-Match``/``If-Modified-Since`` for a feed or sitemap whose body is kept."""
        etag, last_modified = self.sources.get(url, (None, None))
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

    def source_body(self, url: str) -> bytes | None:
        """The kept body of a feed or sitemap its server answered 304 for (None: not kept)."""
        try:
            db = open_state_db(self.path)
            try:
                row = db.execute("SELECT body FROM sources WHERE url = ?", (url,)).fetchone()
            finally:
                db.close()
            body = zlib.decompress(row[0]) if row is not None else None
        except (sqlite3.Error, zlib.error) as exc:
            logger.error("Could not read the kept body of %s from %s: %s", url, self.path, exc)
            body = None
        if body is None:
            self.stats.inc_value("incremental/sources_lost")
        else:
            self.stats.inc_value("incremental/sources_not_modified")
        return body

    def source_fetched(
        self,
        url: str,
        *,
        kind: str,
        etag: str | None,
        last_modified: str | None,
        body: bytes,
        fetched_at: datetime,
    ) -> None:
        """Keep a feed's or sitemap's validators and body (committed at the next checkpoint);
        without validators, or too large, nothing is kept (and the next run asks in full)."""
        if not (etag or last_modified):
            self._drop_source(url, fetched_at)
            return
        packed = zlib.compress(body, 6)
        if len(packed) > SOURCE_BODY_MAX:
            self._drop_source(url, fetched_at)
            return
        now = fetched_at.astimezone(UTC).isoformat()
        self._pending_sources[url] = (kind, etag, last_modified, packed, now)

    def _drop_source(self, url: str, fetched_at: datetime) -> None:
        if url in self.sources:  # its validators no longer hold: forget the kept body
            self._pending_sources[url] = ("", None, None, b"", fetched_at.isoformat())

    # -- after a response ---------------------------------------------------------------------

    def page_fetched(
        self,
        url: str,
        *,
        page_type: str,
        digest: str,
        etag: str | None,
        last_modified: str | None,
        fetched_at: datetime,
    ) -> str:
        """Record a captured page (committed at the next checkpoint); new, changed or unchanged."""
        record = self.known.get(url)
        now = fetched_at.astimezone(UTC).isoformat()
        if record is None:
            outcome, changed_at = NEW, now
        elif record.digest != digest:
            outcome, changed_at = CHANGED, now
        else:
            outcome, changed_at = UNCHANGED, record.changed_at
        self._pending[url] = PageRecord(
            url, page_type, digest, etag, last_modified, now, changed_at
        )
        self.stats.inc_value(f"incremental/{outcome}")
        self.stats.inc_value(f"incremental/{outcome}/{page_type}")
        return outcome

    def not_modified(self, url: str, fetched_at: datetime) -> None:
        """A 304: the page is as captured before; only its check time moves."""
        self.stats.inc_value("incremental/not_modified")
        record = self.known.get(url)
        if record is not None:
            now = fetched_at.astimezone(UTC).isoformat()
            self._pending[url] = PageRecord(
                url,
                record.page_type,
                record.digest,
                record.etag,
                record.last_modified,
                now,
                record.changed_at,
            )

    # -- commits ------------------------------------------------------------------------------

    def checkpointed(self, urls: list[str]) -> None:
        """The frontier made these pages durable: commit what they gave."""
        if self.commit_on_checkpoint:
            self.commit(urls)

    def spider_closed(self) -> None:
        # With a ledger, its last checkpoint (after this) commits; pages whose items did not
        # reach the disk stay uncommitted and are fetched again by the next run.
        if not self.commit_on_checkpoint:  # no ledger: the crawl's files are closed by now
            self.commit([*self._pending, *self._pending_sources])

    def commit(self, urls: list[str]) -> int:
        rows = [self._pending.pop(url) for url in urls if url in self._pending]
        sources = [
            (url, self._pending_sources.pop(url)) for url in urls if url in self._pending_sources
        ]
        if not rows and not sources:
            return 0
        try:
            db = open_state_db(self.path)
            try:
                with db:
                    db.execute("BEGIN IMMEDIATE")
                    db.executemany(
                        "INSERT OR REPLACE INTO pages (url, page_type, digest, etag, "
                        "last_modified, fetched_at, changed_at, crawl_id) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            (
                                r.url,
                                r.page_type,
                                r.digest,
                                r.etag,
                                r.last_modified,
                                r.fetched_at,
                                r.changed_at,
                                self.crawl_id,
                            )
                            for r in rows
                        ],
                    )
                    self._commit_sources(db, sources)
            finally:
                db.close()
        except sqlite3.Error as exc:
            self.stats.inc_value("incremental/commit_failed")
            logger.error("Could not write the incremental state %s: %s", self.path, exc)
            for r in rows:  # kept for the next checkpoint
                self._pending.setdefault(r.url, r)
            for url, source in sources:
                self._pending_sources.setdefault(url, source)
            return 0
        for url, (kind, etag, last_modified, _, _) in sources:
            if kind:
                self.sources[url] = (etag, last_modified)
            else:
                self.sources.pop(url, None)
        for r in rows:
            self.known[r.url] = r
        self.stats.inc_value("incremental/committed", len(rows) + len(sources))
        return len(rows) + len(sources)

    def _commit_sources(
        self,
        db: sqlite3.Connection,
        sources: list[tuple[str, tuple[str, str | None, str | None, bytes, str]]],
    ) -> None:
        gone = [(url,) for url, (kind, *_) in sources if not kind]
        kept = [
            (url, kind, etag, last_modified, body, fetched_at, self.crawl_id)
            for url, (kind, etag, last_modified, body, fetched_at) in sources
            if kind
        ]
        db.executemany("DELETE FROM sources WHERE url = ?", gone)
        db.executemany(
            "INSERT OR REPLACE INTO sources (url, kind, etag, last_modified, body, fetched_at, "
            "crawl_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            kept,
        )
