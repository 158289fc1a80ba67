"""The life of one URL in a running crawl, as a pure state machine (no Scrapy, no I/O).

Every request path reports to :class:`UrlStates` with one event per thing that happened to a
tracked URL; the event that completes the URL's work returns its terminal :class:`Outcome`,
exactly once. The owner (:class:`~crawler.frontier.extension.Frontier`) writes it to the
backend (``done`` / ``failed`` / ``skipped``) or leaves the URL ``queued`` for a resume.

A URL's work is open while any of these is:

* a **fetch**: from :meth:`~UrlStates.scheduled` until the fetch ends — its callback finished
  (:meth:`~UrlStates.finished`, :meth:`~UrlStates.not_archived`), it failed with no response
  (:meth:`~UrlStates.fetch_failed`), or the scheduler dropped it
  (:meth:`~UrlStates.dropped`, :meth:`~UrlStates.offsite`). Retries and redirects continue the
  same fetch. A URL can have more than one (the spider asks for a page again in the browser);
* a **callback**: from :meth:`~UrlStates.response_started` to the end of its output;
* an **item**: from :meth:`~UrlStates.output` until it left the pipelines
  (:meth:`~UrlStates.item_left`, :meth:`~UrlStates.item_error`).

The outcome is decided by the events, later ones overriding earlier ones, except that an item
error holds the URL ``queued`` against a callback error: the default is ``done`` when a fetch's
callback finished, the failure's state for a failed fetch (``failed``, or ``skipped`` for
robots.txt), ``failed`` when the callback raised, ``queued`` when the response was not archived
or an item of it was not written (so a resume fetches it again: at least once, never at most
once). Events for a URL that is not open (never scheduled, or already terminal) change nothing,
and so does an event a URL cannot see in its state (an item leaving that was never counted):
a stray report can neither end a URL early nor end it twice.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "DONE",
    "FAILED",
    "FINAL_STATES",
    "QUEUED",
    "SKIPPED",
    "STATES",
    "Outcome",
    "UrlStates",
    "UrlWork",
]

QUEUED, DONE, FAILED, SKIPPED = "queued", "done", "failed", "skipped"
#: Every state a URL has in the frontier.
STATES = (QUEUED, DONE, FAILED, SKIPPED)
#: The states a URL leaves the queue for.
FINAL_STATES = (DONE, FAILED, SKIPPED)


class Outcome(NamedTuple):
    """A URL's terminal state: ``done``, ``failed``, ``skipped``, or ``queued`` (left for a
    resume), with a reason."""

    state: str
    reason: str | None = None

    @property
    def final(self) -> bool:
        """Whether the URL leaves the queue (False: it stays ``queued``)."""
        return self.state != QUEUED


_KEPT_QUEUED = Outcome(QUEUED)


class UrlWork:
    """What is still open for one URL, and the outcome the events so far decided."""

    __slots__ = ("callbacks", "fetches", "items", "outcome")

    def __init__(self) -> None:
        self.fetches = 1
        self.callbacks = 0
        self.items = 0
        self.outcome: Outcome | None = None

    @property
    def open(self) -> bool:
        return bool(self.fetches or self.callbacks or self.items)

    def terminal(self) -> Outcome:
        return self.outcome if self.outcome is not None else _KEPT_QUEUED


class UrlStates:
    """The open URLs of a crawl; each event method returns the URL's :class:`Outcome` when that
    event completed its work, else None."""

    def __init__(self) -> None:
        self._open: dict[str, UrlWork] = {}

    def __contains__(self, url: object) -> bool:
        return url in self._open

    def __len__(self) -> int:
        return len(self._open)

    def get(self, url: str) -> UrlWork | None:
        return self._open.get(url)

    def _settle(self, url: str, work: UrlWork) -> Outcome | None:
        if work.open:
            return None
        del self._open[url]
        return work.terminal()

    # -- a fetch starts -------------------------------------------------------------------

    def scheduled(self, url: str) -> None:
        """A tracked request for ``url`` was scheduled: one more fetch open."""
        work = self._open.get(url)
        if work is None:
            self._open[url] = UrlWork()
        else:
            work.fetches += 1

    def handed_off(self, url: str) -> None:
        """The scheduled request for ``url`` left this process unfetched (queued in a shared
        frontier, whoever takes it fetches it): that fetch is closed with no outcome here."""
        work = self._open.get(url)
        if work is None or not work.fetches:
            return
        work.fetches -= 1
        if not work.open and work.outcome is None:
            del self._open[url]

    # -- the response's callback --------------------------------------------------------------

    def response_started(self, url: str) -> bool:
        """A response of ``url`` reached its callback; False when the URL is not open (its
        output is then not counted)."""
        work = self._open.get(url)
        if work is None or not work.fetches:
            return False
        work.callbacks += 1
        return True

    def output(self, url: str) -> None:
        """The callback yielded an item: it must leave the pipelines first."""
        work = self._open.get(url)
        if work is not None and work.callbacks:
            work.items += 1

    def callback_failed(self, url: str, reason: str) -> None:
        """The callback raised: ``failed``, unless an item error holds the URL queued."""
        work = self._open.get(url)
        # An item error (a queued outcome) holds the URL queued.
        if work is not None and (work.outcome is None or work.outcome.final):
            work.outcome = Outcome(FAILED, reason)

    def failed_in_callback(self, url: str, state: str, reason: str) -> None:
        """The errback saw a failure that carries a response which passed the spider
        middlewares (an HTTP error status): its callback's end ends the fetch; this sets the
        outcome."""
        work = self._open.get(url)
        if work is not None:
            work.outcome = Outcome(state, reason)

    def finished(self, url: str) -> Outcome | None:
        """The callback ran to its end (its outlinks are queued): the fetch ends, ``done``
        unless an earlier event decided otherwise."""
        work = self._open.get(url)
        if work is None or not work.callbacks:
            return None
        work.callbacks -= 1
        work.fetches -= 1
        if work.outcome is None:
            work.outcome = Outcome(DONE)
        return self._settle(url, work)

    def not_archived(self, url: str) -> Outcome | None:
        """The callback of a response whose WARC record was not written ended: the fetch ends
        and the URL stays queued, whatever was decided before."""
        work = self._open.get(url)
        if work is None or not work.callbacks:
            return None
        work.callbacks -= 1
        work.fetches -= 1
        work.outcome = None
        return self._settle(url, work)

    # -- items ----------------------------------------------------------------------------

    def item_left(self, url: str) -> Outcome | None:
        """An item of ``url`` was written or dropped."""
        work = self._open.get(url)
        if work is None or not work.items:
            return None
        work.items -= 1
        return self._settle(url, work)

    def item_error(self, url: str, reason: str) -> Outcome | None:
        """An item of ``url`` was not written (a pipeline raised): the URL stays queued."""
        work = self._open.get(url)
        if work is None or not work.items:
            return None
        work.items -= 1
        work.outcome = Outcome(QUEUED, reason)
        return self._settle(url, work)

    # -- a fetch ends without a callback ------------------------------------------------------

    def _end_fetch(self, url: str, outcome: Outcome) -> Outcome | None:
        work = self._open.get(url)
        if work is None or not work.fetches:
            return None
        work.fetches -= 1
        work.outcome = outcome
        return self._settle(url, work)

    def fetch_failed(self, url: str, state: str, reason: str) -> Outcome | None:
        """The fetch failed after retries (``failed``) or was refused (``skipped``) before a
        response reached a callback."""
        return self._end_fetch(url, Outcome(state, reason))

    def dropped(self, url: str, *, redirected: bool) -> Outcome | None:
        """The scheduler dropped the request as a duplicate: a redirect to a URL already seen
        is ``done`` (that URL is fetched), anything else ``skipped``."""
        if redirected:
            return self._end_fetch(url, Outcome(DONE, "redirect to a URL already seen"))
        return self._end_fetch(url, Outcome(SKIPPED, "duplicate"))

    def offsite(self, url: str, reason: str) -> Outcome | None:
        """A ``request_scheduled`` handler (the offsite filter) refused the request."""
        return self._end_fetch(url, Outcome(SKIPPED, reason))
