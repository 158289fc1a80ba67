"""The scheduler's priority queue: Scrapy's downloader-aware choice at a cost that does not grow
with the number of hosts (RELIABILITY.md L3).

Scrapy's :class:`~scrapy.pqueues.DownloaderAwarePriorityQueue` keeps one priority queue per
download slot (host) and, for every request it hands out, asks the downloader how many
requests each slot with queued work has active, then takes the slot with the fewest (ties:
the first slot by name after the one chosen last, round robin; priorities honoured within a
slot). The asking is a pass over every such slot: with 5,000 hosts queued it took ~22 % of a
crawl process's samples and held the reactor (docs/reliability.md, L3).

:class:`IndexedDownloaderAwarePriorityQueue` makes the same choices from an index kept up to
date as downloads start and end (the downloader's ``request_reached_downloader`` and
``request_left_downloader`` signals, which bracket a request's stay in its slot): the slots
with queued work sit in sorted lists, one per active count, so a pop looks at the lowest count
only (a bisection finds the round robin's next slot) and a download starting or ending moves
one slot between two lists. Its per-slot queues, their files under ``JOBDIR`` and the state it
saves at close are Scrapy's (it is a subclass), so a crawl paused with one queue resumes with
the other.

One difference in timing, not in rule: Scrapy counts a request as active until the coroutine
that fetched it resumes, a moment after ``request_left_downloader``; this queue stops counting
it at the signal. The property test (tests/test_pqueues.py) drives both queues through the same
downloader and signals and expects the same pops.

**Slow hosts** (RELIABILITY.md F5). A request counts against ``CONCURRENT_REQUESTS`` from the
moment it enters the downloader, while it waits for its host's delay and while its body
trickles in, up to ``DOWNLOAD_TIMEOUT`` and again for each retry. Scrapy's rule gives a slow
host a second request only when no host with work has fewer, so each slow host holds one or
two slots; but as many slow hosts as there are slots hold all of them, and the crawl of every
other host stops. So a slot is **slow** once one of its requests has been in the downloader
``SLOW_HOSTS_SECONDS`` or more (found when it leaves, or by a scan of the requests in the
downloader at most once a second while there is a cap), until one of its requests leaves
sooner; slow slots together have at most ``SLOW_HOSTS_SHARE`` × ``CONCURRENT_REQUESTS``
requests in the downloader (at least one). At the cap the choice skips slow slots (the same
rule over the others); while only slow slots have work, the queue hands out nothing and they
wait for their share. ``SLOW_HOSTS_SHARE = 1`` is Scrapy's behaviour.

Settings: ``SCHEDULER_PRIORITY_QUEUE = "crawler.pqueues.IndexedDownloaderAwarePriorityQueue"``
(settings/base.py), ``SLOW_HOSTS_SECONDS``, ``SLOW_HOSTS_SHARE``, ``CONCURRENT_REQUESTS``; like
Scrapy's queue it refuses ``CONCURRENT_REQUESTS_PER_IP``.

Stats: ``slow_hosts/found`` (a slot became slow), ``slow_hosts/held_back`` (a request handed
out from another slot than Scrapy's rule would have chosen, or none, because of the cap).
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.pqueues import DownloaderAwarePriorityQueue, _path_safe

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.pqueues import QueueProtocol

__all__ = ["IndexedDownloaderAwarePriorityQueue", "SlotIndex"]

logger = logging.getLogger(__name__)


class SlotIndex:
    """Slot names grouped by their active download count, each group sorted by name."""

    def __init__(self) -> None:
        self._by_count: dict[int, list[str]] = {}

    def add(self, slot: str, count: int) -> None:
        bisect.insort(self._by_count.setdefault(count, []), slot)

    def remove(self, slot: str, count: int) -> None:
        names = self._by_count[count]
        del names[bisect.bisect_left(names, slot)]
        if not names:
            del self._by_count[count]

    def move(self, slot: str, old: int, new: int) -> None:
        self.remove(slot, old)
        self.add(slot, new)

    def lowest(self) -> tuple[int, list[str]] | None:
        """The fewest active downloads of any slot here, and those slots' names (sorted)."""
        if not self._by_count:
            return None
        count = min(self._by_count)  # a handful of distinct counts
        return count, self._by_count[count]

    def choose(self, last: str | None) -> str | None:
        """Scrapy's rule: the fewest active downloads; among those the first name after
        ``last`` (the slot chosen before), else the first name. ``None`` when empty."""
        lowest = self.lowest()
        return None if lowest is None else _round_robin(lowest[1], last)

    def __len__(self) -> int:
        return sum(len(names) for names in self._by_count.values())


def _round_robin(names: list[str], last: str | None) -> str:
    """The first of the sorted ``names`` after ``last``, else the first."""
    if last is not None:
        after = bisect.bisect_right(names, last)
        if after < len(names):
            return names[after]
    return names[0]


def _choose(fast: SlotIndex, slow: SlotIndex, last: str | None) -> str | None:
    """:meth:`SlotIndex.choose` over the union of two indexes."""
    a, b = fast.lowest(), slow.lowest()
    if a is None or b is None:
        lowest = a or b
        return None if lowest is None else _round_robin(lowest[1], last)
    if a[0] != b[0]:
        return _round_robin(min(a, b)[1], last)
    picks = [_round_robin(a[1], last), _round_robin(b[1], last)]
    after = [name for name in picks if last is not None and name > last]
    return min(after) if after else min(picks)


class IndexedDownloaderAwarePriorityQueue(DownloaderAwarePriorityQueue):
    """Scrapy's downloader-aware priority queue, its slot choice kept in two
    :class:`SlotIndex` (slots not known to be slow, and slow ones), with a cap on the global
    slots slow hosts hold (see the module docstring)."""

    @classmethod
    def from_crawler(
        cls,
        crawler: Crawler,
        downstream_queue_cls: type[QueueProtocol],
        key: str,
        startprios: dict[str, Iterable[int]] | None = None,
        *,
        start_queue_cls: type[QueueProtocol] | None = None,
    ) -> Self:
        return cls(crawler, downstream_queue_cls, key, startprios, start_queue_cls=start_queue_cls)

    def __init__(
        self,
        crawler: Crawler,
        downstream_queue_cls: type[QueueProtocol],
        key: str,
        slot_startprios: dict[str, Iterable[int]] | None = None,
        *,
        start_queue_cls: type[QueueProtocol] | None = None,
    ) -> None:
        super().__init__(
            crawler, downstream_queue_cls, key, slot_startprios, start_queue_cls=start_queue_cls
        )
        settings = crawler.settings
        try:
            self.slow_seconds = settings.getfloat("SLOW_HOSTS_SECONDS")
            share = settings.getfloat("SLOW_HOSTS_SHARE")
        except ValueError as exc:
            raise ValueError(f"SLOW_HOSTS_SECONDS, SLOW_HOSTS_SHARE: {exc}") from exc
        if self.slow_seconds <= 0:
            raise ValueError(f"SLOW_HOSTS_SECONDS must be above 0: {self.slow_seconds!r}")
        if not 0 < share <= 1:
            raise ValueError(f"SLOW_HOSTS_SHARE must be above 0 and at most 1: {share!r}")
        total = settings.getint("CONCURRENT_REQUESTS")
        #: The most requests slow hosts may have in the downloader at once (0: no cap).
        self.slow_cap = max(1, int(share * total)) if share < 1 and total > 0 else 0
        self.stats = crawler.stats
        downloader = self._downloader_interface.downloader
        now = time.monotonic()
        # Requests in a download slot now (none when a crawl opens): their slot, since when.
        self._in_slot: dict[Request, tuple[str, float]] = {
            request: (slot, now)
            for slot, state in downloader.slots.items()
            for request in state.active
        }
        self._active: dict[str, int] = {}
        for slot, _ in self._in_slot.values():
            self._active[slot] = self._active.get(slot, 0) + 1
        self._slow: set[str] = set()  # slots found slow (queued or not)
        self._slow_active = 0  # requests of slow slots in the downloader
        self._scan_every = min(1.0, self.slow_seconds / 4)  # seconds
        self._next_scan = now
        self._fast_index = SlotIndex()
        self._slow_index = SlotIndex()
        for slot in self.pqueues:
            self._fast_index.add(slot, self._active.get(slot, 0))
        self._len = sum(len(queue) for queue in self.pqueues.values())
        crawler.signals.connect(self._reached, signal=signals.request_reached_downloader)
        crawler.signals.connect(self._left, signal=signals.request_left_downloader)

    # -- the downloader's signals ---------------------------------------------------------------

    def _reached(self, request: Request, **_: Any) -> None:
        if request in self._in_slot:
            return
        slot = request.meta.get(self._downloader_interface.downloader.DOWNLOAD_SLOT)
        if slot is None:
            return  # the downloader sets it before the signal; not a slot's request otherwise
        self._in_slot[request] = (slot, time.monotonic())
        self._count(slot, +1)

    def _left(self, request: Request, **_: Any) -> None:
        entry = self._in_slot.pop(request, None)
        if entry is None:
            return
        slot, since = entry
        self._count(slot, -1)
        self._mark(slot, slow=time.monotonic() - since >= self.slow_seconds)

    def _count(self, slot: str, step: int) -> None:
        old = self._active.get(slot, 0)
        new = old + step
        if new:
            self._active[slot] = new
        else:
            del self._active[slot]
        if slot in self._slow:
            self._slow_active += step
        if slot in self.pqueues:
            self._index_of(slot).move(slot, old, new)

    # -- slow hosts -----------------------------------------------------------------------------

    def _index_of(self, slot: str) -> SlotIndex:
        return self._slow_index if slot in self._slow else self._fast_index

    def _mark(self, slot: str, *, slow: bool) -> None:
        """A slot is slow from a request that held it ``slow_seconds`` or more (ended, or
        still there) until one of its requests leaves sooner."""
        if slow == (slot in self._slow):
            return
        count = self._active.get(slot, 0)
        queued = slot in self.pqueues
        if queued:
            self._index_of(slot).remove(slot, count)
        if slow:
            self._slow.add(slot)
            self._slow_active += count
            if self.stats is not None:
                self.stats.inc_value("slow_hosts/found")
            logger.debug("Slow host %s: a request held its download slot %s s or more",
                         slot, self.slow_seconds)  # fmt: skip
        else:
            self._slow.discard(slot)
            self._slow_active -= count
        if queued:
            self._index_of(slot).add(slot, count)

    def _scan_overdue(self) -> None:
        """Mark the slots of requests in the downloader for ``slow_seconds`` or more (a tarpit
        is slow before its first timeout); at most once a second (sooner for a threshold under
        4 s), over at most ``CONCURRENT_REQUESTS`` requests."""
        now = time.monotonic()
        if now < self._next_scan:
            return
        self._next_scan = now + self._scan_every
        for slot, since in list(self._in_slot.values()):
            if now - since >= self.slow_seconds and slot not in self._slow:
                self._mark(slot, slow=True)

    def _next(self, *, popping: bool) -> str | None:
        last = self._last_selected_slot
        if self.slow_cap:
            self._scan_overdue()
        choice = _choose(self._fast_index, self._slow_index, last)
        if not self.slow_cap or choice not in self._slow or self._slow_active < self.slow_cap:
            return choice
        if popping and self.stats is not None:
            self.stats.inc_value("slow_hosts/held_back")
        # Another host's request, or none while only slow hosts have work: they wait for
        # their share (their requests in the downloader end within DOWNLOAD_TIMEOUT).
        return self._fast_index.choose(last)

    # -- Scrapy's priority queue interface ------------------------------------------------------

    def push(self, request: Request) -> None:
        slot = self._downloader_interface.get_slot_key(request)
        if slot not in self.pqueues:
            self.pqueues[slot] = self.pqfactory(slot)
            self._index_of(slot).add(slot, self._active.get(slot, 0))
        self.pqueues[slot].push(request)  # may raise (a request a disk queue cannot store)
        self._len += 1

    def pop(self) -> Request | None:
        slot = self._next(popping=True)
        if slot is None:
            return None
        self._last_selected_slot = slot
        queue = self.pqueues[slot]
        request = queue.pop()
        if request is not None:
            self._len -= 1
        if len(queue) == 0:
            self._index_of(slot).remove(slot, self._active.get(slot, 0))
            del self.pqueues[slot]
            queue.close()
            if self.key:
                # Reclaim the slot's directory, as Scrapy's queue does; rmdir leaves it alone
                # if the downstream queues left files in it.
                with contextlib.suppress(OSError):
                    Path(self.key, _path_safe(slot)).rmdir()
        return request

    def peek(self) -> Request | None:
        slot = self._next(popping=False)
        if slot is None:
            return None
        return self.pqueues[slot].peek()

    def close(self) -> dict[str, list[int]]:
        self.crawler.signals.disconnect(self._reached, signal=signals.request_reached_downloader)
        self.crawler.signals.disconnect(self._left, signal=signals.request_left_downloader)
        self._fast_index, self._slow_index = SlotIndex(), SlotIndex()
        self._len = 0
        return super().close()

    def __len__(self) -> int:
        return self._len
