"""What the crawl needs from a frontier, whatever stores it; and the registry of backends.

A frontier backend keeps one row per URL the crawl queued: its :class:`Entry` (URL, kind,
priority), the order it was found in, and its state ``queued → done | failed | skipped`` (with
a reason for the last two), plus a small table of crawl metadata (the options a resume needs).
The running crawl (:class:`~crawler.frontier.extension.Frontier`) only ever talks to it through
:class:`FrontierBackend`:

* :meth:`~FrontierBackend.add` and :meth:`~FrontierBackend.finish` collect new URLs and
  outcomes in memory; :meth:`~FrontierBackend.checkpoint` commits both at once (the crawl has
  made its archive durable first), or only the new URLs (``outcomes=False``) when it could not;
  :attr:`~FrontierBackend.dirty` says whether there is anything to commit;
* :meth:`~FrontierBackend.counts`, :meth:`~FrontierBackend.pending`,
  :meth:`~FrontierBackend.urls` and :meth:`~FrontierBackend.state` read what is committed;
* :meth:`~FrontierBackend.seed` fills a new crawl's frontier in one step: its metadata, its
  start URLs, or every URL of the frontier of the crawl it resumes (their states kept);
* :meth:`~FrontierBackend.meta` / :meth:`~FrontierBackend.set_meta`, and
  :meth:`~FrontierBackend.close`.

Whatever was added or finished but not checkpointed may be lost with the process: that is the
contract, not a defect (a resume fetches those URLs again). A committed checkpoint must be
atomic: a done URL's outlinks are committed with it, or neither is.

**Adding a backend.** Write one module with a class that implements :class:`FrontierBackend`
and the class methods ``open(uri, work_dir, crawl_id)`` and ``exists(uri, work_dir)`` (see
:class:`BackendClass`),
then add one line to :data:`BACKENDS`: the URI scheme it serves and the class's dotted path.
``FRONTIER_URI`` (empty: the crawl's own SQLite ledger) chooses the backend; nothing else in
the crawl changes. The SQLite ledger (:mod:`crawler.frontier.sqlite`) is the reference
implementation.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlsplit

from scrapy.utils.misc import load_object
from w3lib.url import safe_url_string

from crawler.frontier.state import DONE, FAILED, FINAL_STATES, QUEUED, SKIPPED, STATES
from crawler.redact import strip_userinfo

__all__ = [
    "BACKENDS",
    "BACKEND_ERRORS",
    "DONE",
    "FAILED",
    "FINAL_STATES",
    "QUEUED",
    "SKIPPED",
    "STATES",
    "BackendClass",
    "Batches",
    "Entry",
    "FrontierBackend",
    "backend_class",
    "ledger_url",
    "open_backend",
    "redacted",
]


#: URI scheme → dotted path of the backend class. ``""`` is the default (``FRONTIER_URI``
#: empty): the crawl's own SQLite file in its work directory.
BACKENDS: dict[str, str] = {
    "": "crawler.frontier.sqlite.FrontierLedger",
    "sqlite": "crawler.frontier.sqlite.FrontierLedger",
    "redis": "crawler.frontier.redis.RedisFrontier",
}

#: What a backend raises when it cannot read or write its store (disk full, connection lost):
#: the crawl logs it, counts it and stops cleanly. A backend wraps any other error in OSError.
BACKEND_ERRORS: tuple[type[Exception], ...] = (OSError, sqlite3.Error)


def redacted(uri: str) -> str:
    """A frontier URI without its password, for messages and logs."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()


def ledger_url(url: str) -> str:
    """The frontier's key for ``url``: the URL as Scrapy's ``Request(url).url`` gives it.

    Scrapy normalises a request's URL (lower-case scheme and host, IDNA host, percent-encoded
    path and query: ``?q=a b`` becomes ``?q=a%20b``), and outcomes are recorded under
    ``request.url``; a URL queued in any other form would stay queued for ever. Every URL that
    enters the frontier (start URLs, deferred links, the spider's seen-set) goes through here.
    """
    # What scrapy.http.Request._set_url does (for a request without ``verbatim_url``), less
    # any ``user:password@``: Scrapy cannot fetch such a URL ("invalid hostname"), and the
    # password would reach the ledger, the logs and the items (crawler.redact).
    return safe_url_string(strip_userinfo(url), "utf-8")


class Entry(NamedTuple):
    """A URL to fetch, with what it takes to issue its request again."""

    url: str
    kind: str = "page"
    priority: int = 0


class Batches:
    """The in-memory batches every backend keeps between checkpoints: new URLs and outcomes.

    A backend subclasses it, calls ``Batches.__init__(self)`` and writes ``_new`` and
    ``_outcomes`` at its checkpoint (then clears them).
    """

    def __init__(self) -> None:
        self._new: dict[str, Entry] = {}
        self._outcomes: dict[str, tuple[str, str | None]] = {}

    def add(self, entry: Entry) -> None:
        """Queue ``entry`` at the next checkpoint (ignored if the URL is already known).

        The URL is keyed as :func:`ledger_url` gives it, the form its outcome is recorded under.
        """
        url = ledger_url(entry.url)
        self._new.setdefault(url, entry._replace(url=url))

    def finish(self, url: str, state: str, reason: str | None = None) -> None:
        """Record the outcome of ``url`` at the next checkpoint."""
        if state not in FINAL_STATES:
            raise ValueError(f"not a final state: {state!r}")
        self._outcomes[url] = (state, reason)

    @property
    def dirty(self) -> bool:
        return bool(self._new or self._outcomes)


class FrontierBackend(Protocol):
    """Storage of a crawl's frontier (see the module docstring for the contract)."""

    def add(self, entry: Entry) -> None:
        """Queue ``entry`` at the next checkpoint (ignored if its URL is known), keyed as
        :func:`ledger_url` gives it."""

    def finish(self, url: str, state: str, reason: str | None = None) -> None:
        """Record the outcome of ``url`` (one of :data:`FINAL_STATES`) at the next checkpoint;
        raises ValueError for any other state."""

    @property
    def dirty(self) -> bool:
        """Whether :meth:`checkpoint` has anything to write."""

    def checkpoint(self, *, outcomes: bool = True) -> int:
        """Commit the batches atomically and return the rows written; with ``outcomes=False``
        only the new URLs (the outcomes wait for the next checkpoint). Raises ``OSError`` or
        the store's own error when it cannot write; the batches are then kept."""

    def counts(self) -> dict[str, int]:
        """Committed URLs per state, every state of :data:`STATES` present."""

    def pending(self) -> Iterator[Entry]:
        """Committed queued URLs, highest priority first, then in the order they were found."""

    def urls(self) -> Iterator[str]:
        """Every committed URL, whatever its state."""

    def state(self, url: str) -> tuple[str, str | None] | None:
        """The committed state and reason of ``url`` (None: not in the frontier)."""

    def meta(self) -> dict[str, Any]:
        """The crawl metadata (JSON values)."""

    def set_meta(self, values: dict[str, Any]) -> None:
        """Store JSON values under their keys, at once."""

    def seed(
        self,
        meta: dict[str, Any],
        *,
        start_urls: Iterable[str] = (),
        previous_crawl_dir: Path | None = None,
    ) -> int:
        """Fill a new crawl's frontier atomically: ``meta``, ``start_urls`` queued, and every
        URL of the frontier of the crawl in ``previous_crawl_dir`` in its state (a resume must
        not fetch finished ones again). Returns the URLs added."""

    def close(self) -> None:
        """Release the store (uncommitted batches are dropped)."""


class BackendClass(Protocol):
    """What :data:`BACKENDS` names: a class that opens its backend from a URI."""

    def open(self, uri: str, work_dir: Path, crawl_id: str | None = None) -> FrontierBackend:
        """Open (or create) the frontier at ``uri`` for the crawl whose local directory is
        ``work_dir``; ``crawl_id`` is the crawl that records outcomes."""
        ...

    def exists(self, uri: str, work_dir: Path) -> bool:
        """Whether the crawl in ``work_dir`` has a frontier at ``uri``, without opening it (a
        running crawl may hold it)."""
        ...


def backend_class(uri: str) -> BackendClass:
    """The backend class :data:`BACKENDS` gives for ``uri``'s scheme (``FRONTIER_URI``).

    Raises ValueError for a scheme no backend serves.
    """
    scheme = uri.partition(":")[0].lower()
    try:
        path = BACKENDS[scheme]
    except KeyError:
        known = ", ".join(sorted(s for s in BACKENDS if s))
        raise ValueError(
            f"FRONTIER_URI {uri!r}: no frontier backend for {scheme!r} (known: {known})"
        ) from None
    cls: BackendClass = load_object(path)
    return cls


def open_backend(uri: str, work_dir: Path, crawl_id: str | None = None) -> FrontierBackend:
    """Open the frontier named by ``uri`` for the crawl in ``work_dir`` (:func:`backend_class`)."""
    return backend_class(uri).open(uri, Path(work_dir), crawl_id)
