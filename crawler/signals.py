"""Every custom signal and request meta key newsarc adds to Scrapy's, in one place.

A plain module of constants, one docstring each (no imports from the rest of ``crawler``), so
that any component can import it without pulling in another. Signals are sent and connected
through ``crawler.signals`` like Scrapy's own (:mod:`scrapy.signals`); request meta keys share
the ``newsarc_`` prefix (keys starting with ``_newsarc_`` are bookkeeping of one component,
set and removed by it alone).
"""

from __future__ import annotations

__all__ = [
    "META_BROWSER_EXCHANGES",
    "META_FETCHED_AT",
    "META_FRONTIER_IGNORED",
    "META_FRONTIER_STARTED",
    "META_KIND",
    "META_URL",
    "META_WARC",
    "archive_write_failed",
    "file_stored",
    "frontier_checkpointed",
    "frontier_sync",
    "warc_file_closed",
]

# --- signals --------------------------------------------------------------------------------

frontier_sync = object()
"""Sent at every frontier checkpoint, before the ledger is written: receivers (the WARC
extension, the JSON Lines pipeline) make what they wrote so far durable (fsync) and raise if
they cannot; the checkpoint then does not mark the URLs finished since the last one."""

frontier_checkpointed = object()
"""Sent after a checkpoint whose archive sync succeeded and whose commit went through, with
``urls``: the URLs it marked ``done``. State kept beside the crawl (the incremental state of
``newsarc run``) commits what those pages gave, and nothing earlier."""

archive_write_failed = object()
"""Sent by a writer of crawl output that could not write (disk full, …): the frontier gives back
its reserved space and checkpoints at once, while the files can still be closed."""

file_stored = object()
"""Sent by the spool uploader (:mod:`crawler.spool`, from its worker thread) once a crawl
file is in the remote store and verified there, before its local copy is deleted. Arguments:
``path`` (the local file, still there), ``key`` (its key in the store), ``crawl_id``. The WARC
side listens (:class:`crawler.warc.dedup.StoredWarcIndexExtension`): a stored WARC file's
records may now be the originals of revisits. Not sent for a local store, where files are
written in place."""

warc_file_closed = object()
"""Sent by the WARC extension once a WARC file is closed, verified and has its final name, with
``path`` (the local file) and ``records`` (how many it holds, as verification counted them).
The manifest takes the count from here instead of decompressing the file once more."""

# --- request meta keys ----------------------------------------------------------------------

META_KIND = "newsarc_frontier_kind"
"""Set by the spider on every request the frontier tracks: the URL's kind (``page``, ``feed``,
``sitemap``: which callback handles it on a resume)."""

META_URL = "newsarc_frontier_url"
"""Set by the frontier: the ledger URL a request fetches. Scrapy copies meta to retries and
redirects, so they continue the same fetch."""

META_FRONTIER_LEASED = "_newsarc_frontier_leased"
"""Set by the leasing scheduler on a request it took from a shared frontier under a lease:
retries and redirects (which copy meta) continue that fetch in this worker."""

META_FRONTIER_STARTED = "_newsarc_frontier_seen"
"""Set by the frontier's spider middleware while a tracked response's callback runs."""

META_FRONTIER_IGNORED = "_newsarc_frontier_ignored"
"""Set by the frontier on a request refused at scheduling before it was tracked: never queue it."""

META_WARC = "newsarc_warc"
"""Set by the WARC extension: the :class:`~crawler.items.WarcRef` of the response's record
(absent when the record was not written)."""

META_FETCHED_AT = "newsarc_fetched_at"
"""Set by the WARC extension: the capture time (ISO 8601, UTC), the record's ``WARC-Date``."""

META_BROWSER_EXCHANGES = "newsarc_browser_exchanges"
"""Set by the render handler on a rendered page's response: the
:class:`~crawler.warc.exchange.BrowserExchanges` of the browser's own network responses, which
the WARC extension takes out of the meta and writes before the page's DOM record."""
