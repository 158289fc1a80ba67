"""The durable frontier of a crawl: every URL it queued, and what became of it.

One shape, eight modules:

* :mod:`~crawler.frontier.base` — what the crawl needs from a frontier, whatever stores it
  (:class:`FrontierBackend`: add URLs, record outcomes, checkpoint, pending counts, seed a new
  crawl from a previous one), :class:`Entry`, the states ``queued → done | failed | skipped``,
  and the registry of backends, :data:`BACKENDS`;
* :mod:`~crawler.frontier.sqlite` — the SQLite ledger ``<work_dir>/.frontier.sqlite``, the
  default backend;
* :mod:`~crawler.frontier.redis` — the frontier in a shared Redis (``FRONTIER_URI=redis://…``),
  with leases for many workers (imported only when a URI names it);
* :mod:`~crawler.frontier.scheduler` — the Scrapy scheduler of a crawl over the Redis
  frontier: requests queued there (as versioned JSON, :mod:`~crawler.frontier.requests`), work
  taken under leases, so several workers share one crawl;
* :mod:`~crawler.frontier.state` — the life of one URL as a pure state machine: every request
  path feeds it events and it ends each URL in exactly one terminal state;
* :mod:`~crawler.frontier.extension` — :class:`Frontier`, the Scrapy extension that owns the
  backend and the state machine, checkpoints, and keeps the disk-full reserve; everything else
  reaches it with :func:`frontier_of` (the crawler's extension);
* :mod:`~crawler.frontier.middlewares` — the spider middleware that reports callback output and
  the offsite filter that reports what it refuses;
* :mod:`~crawler.frontier.resume` — ``newsarc crawl --resume``: find, lock and repair the crawl
  to continue, and seed the new crawl's frontier from it.

Its signals and request meta keys are in :mod:`crawler.signals`.

**Adding a backend** (as Redis was): write ``crawler/frontier/<name>.py`` with
a class implementing :class:`~crawler.frontier.base.FrontierBackend` plus the class methods
``open(uri, work_dir, crawl_id)`` and ``exists(uri, work_dir)``, and add one line to
:data:`~crawler.frontier.base.BACKENDS`, e.g. ``"redis": "crawler.frontier.redis.RedisFrontier"``;
``-s FRONTIER_URI=redis://host/0`` then selects it. Nothing else changes: the extension, the
state machine, the spider and resume only use the interface.
"""

from __future__ import annotations

from crawler.frontier.base import (
    BACKENDS,
    DONE,
    FAILED,
    QUEUED,
    SKIPPED,
    STATES,
    Entry,
    FrontierBackend,
    backend_class,
    ledger_url,
    open_backend,
)
from crawler.frontier.extension import RESERVE_NAME, Frontier, frontier_of
from crawler.frontier.sqlite import FRONTIER_NAME, FrontierLedger
from crawler.frontier.state import Outcome, UrlStates

__all__ = [
    "BACKENDS",
    "DONE",
    "FAILED",
    "FRONTIER_NAME",
    "QUEUED",
    "RESERVE_NAME",
    "SKIPPED",
    "STATES",
    "Entry",
    "Frontier",
    "FrontierBackend",
    "FrontierLedger",
    "Outcome",
    "UrlStates",
    "backend_class",
    "frontier_of",
    "ledger_url",
    "open_backend",
]
