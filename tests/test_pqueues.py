"""crawler/pqueues.py: the indexed downloader-aware queue makes Scrapy's choices (L3).

Both queues are driven through one real Scrapy downloader: a download starts as
``Downloader._enqueue_request`` starts one (the request in its slot's ``active`` set, then
``request_reached_downloader``) and ends as ``Downloader._download`` ends one
(``request_left_downloader``, then out of ``active``).
"""

from __future__ import annotations

import functools
import random
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy import Request, Spider, signals
from scrapy.core.downloader import Slot
from scrapy.crawler import Crawler
from scrapy.pqueues import DownloaderAwarePriorityQueue
from scrapy.squeues import FifoMemoryQueue, LifoMemoryQueue, PickleFifoDiskQueue
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.pqueues import IndexedDownloaderAwarePriorityQueue, SlotIndex

HOSTS = [f"h{k}.example" for k in range(5)]


# No cap on slow hosts: Scrapy's rule exactly (the cap is tested on its own below).
_SCRAPYS_RULE = {"SLOW_HOSTS_SECONDS": 10.0, "SLOW_HOSTS_SHARE": 1.0}


def _new_crawler(settings: dict[str, Any]) -> Crawler:
    # A real engine and downloader; no download handlers (nothing is fetched, and the
    # asyncio ones want a running loop to start).
    handlers = dict.fromkeys(("data", "file", "http", "https", "s3", "ftp"))
    crawler = get_crawler(Spider, {"DOWNLOAD_HANDLERS": handlers, **settings})
    crawler.engine = crawler._create_engine()
    return crawler


@functools.cache
def _crawler() -> Crawler:
    return _new_crawler(_SCRAPYS_RULE)


def _queue(cls: type[DownloaderAwarePriorityQueue], crawler: Crawler, **kw: Any) -> Any:
    kw.setdefault("downstream_queue_cls", FifoMemoryQueue)
    kw.setdefault("key", "")
    return build_from_crawler(cls, crawler, start_queue_cls=LifoMemoryQueue, **kw)


def _start(crawler: Crawler, request: Request) -> None:
    assert crawler.engine is not None
    downloader = crawler.engine.downloader
    key = downloader.get_slot_key(request)
    request.meta[downloader.DOWNLOAD_SLOT] = key
    downloader.slots.setdefault(key, Slot(8, 0, 0)).active.add(request)
    crawler.signals.send_catch_log(signals.request_reached_downloader, request=request)


def _finish(crawler: Crawler, request: Request) -> None:
    assert crawler.engine is not None
    crawler.signals.send_catch_log(signals.request_left_downloader, request=request)
    slot = crawler.engine.downloader.slots[request.meta["download_slot"]]
    slot.active.remove(request)


def _peek(queue: Any) -> str | None:
    """The URL ``peek`` gives, or the error. Scrapy's per-slot ``ScrapyPriorityQueue.peek``
    (both queues use it) raises KeyError once a pop emptied a priority while start requests
    are queued (its ``pop`` leaves ``curprio`` as it was then; scrapy/scrapy PR 7267, closed;
    the bug is still in 2.19); Scrapy's scheduler never peeks."""
    try:
        request = queue.peek()
    except KeyError as exc:
        return f"KeyError {exc}"
    return None if request is None else request.url


_OPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("push"),
            st.integers(0, len(HOSTS) - 1),
            st.integers(-2, 2),  # priority
            st.booleans(),  # a start request (its own queue within the slot)
            st.booleans(),  # an explicit download_slot shared by two hosts
        ),
        st.tuples(st.just("pop")),
        st.tuples(st.just("peek")),
        st.tuples(st.just("start"), st.integers(0, 50)),
        st.tuples(st.just("finish"), st.integers(0, 50)),
    ),
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(ops=_OPS)
def test_the_same_pops_as_scrapys_queue_on_any_push_pop_start_finish_sequence(
    ops: list[tuple[Any, ...]],
) -> None:
    crawler = _crawler()
    assert crawler.engine is not None
    crawler.engine.downloader.slots.clear()
    scrapys = _queue(DownloaderAwarePriorityQueue, crawler)
    ours = _queue(IndexedDownloaderAwarePriorityQueue, crawler)
    popped: list[Request] = []  # handed out, not yet in the downloader
    active: list[Request] = []
    try:
        for n, op in enumerate(ops):
            if op[0] == "push":
                _, host, priority, start, shared = op
                meta: dict[str, Any] = {"is_start_request": start}
                if shared and host < 2:
                    meta["download_slot"] = "shared"
                request = Request(f"http://{HOSTS[host]}/{n}", priority=priority, meta=meta)
                scrapys.push(request)
                ours.push(request)
            elif op[0] == "pop":
                expected = scrapys.pop()
                assert ours.pop() is expected, (n, ops[: n + 1])
                if expected is not None:
                    popped.append(expected)
            elif op[0] == "peek":
                assert _peek(ours) == _peek(scrapys), (n, ops[: n + 1])
            elif op[0] == "start" and popped:
                request = popped.pop(op[1] % len(popped))
                _start(crawler, request)
                active.append(request)
            elif op[0] == "finish" and active:
                _finish(crawler, active.pop(op[1] % len(active)))
            assert len(ours) == len(scrapys)
            assert bool(ours) == bool(scrapys)
        while (expected := scrapys.pop()) is not None:  # and what is left, in the same order
            assert ours.pop() is expected
        assert ours.pop() is None and len(ours) == 0
    finally:
        ours.close()
        for request in active:
            _finish(crawler, request)


def test_a_slot_busy_in_the_downloader_waits_for_the_idle_ones() -> None:
    """The rule itself, without the reference: fewest active first, round robin by name among
    equals, priorities (then arrival) honoured within a slot."""
    crawler = _crawler()
    assert crawler.engine is not None
    crawler.engine.downloader.slots.clear()
    queue = _queue(IndexedDownloaderAwarePriorityQueue, crawler)

    def pop() -> Request:
        request = queue.pop()
        assert request is not None
        return request

    try:
        for host in ("a", "b", "c"):
            for page, priority in ((1, 0), (2, 5), (3, 0)):
                queue.push(Request(f"http://{host}.example/{page}", priority=priority))
        first = pop()
        assert first.url == "http://a.example/2"  # all idle: the first name, its top priority
        _start(crawler, first)  # a: 1 active
        second = pop()
        assert second.url == "http://b.example/2"  # b and c idle: the first after a
        _start(crawler, second)  # b: 1 active
        assert pop().url == "http://c.example/2"  # handed out, not in the downloader yet
        assert pop().url == "http://c.example/1"  # c is still the only idle slot
        _finish(crawler, first)  # a idle again: a and c idle, c chosen last, so a
        assert pop().url == "http://a.example/1"
        assert len(queue) == 4
        _finish(crawler, second)
    finally:
        queue.close()


def _layout(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_a_jobdir_queue_written_by_either_queue_is_read_by_the_other(tmp_path: Path) -> None:
    """Persistence: the same files and state under JOBDIR, so a crawl paused with Scrapy's
    queue resumes with ours and back."""
    crawler = _crawler()
    assert crawler.engine is not None
    crawler.engine.downloader.slots.clear()
    pick = random.Random(7)
    requests = [
        Request(f"http://{pick.choice(HOSTS)}/{n}", priority=pick.randint(-1, 1)) for n in range(60)
    ]
    dirs = {"scrapy": tmp_path / "scrapy", "ours": tmp_path / "ours"}
    classes = {"scrapy": DownloaderAwarePriorityQueue, "ours": IndexedDownloaderAwarePriorityQueue}
    states = {}
    for name, cls in classes.items():
        queue = _queue(cls, crawler, downstream_queue_cls=PickleFifoDiskQueue, key=str(dirs[name]))
        for request in requests:
            queue.push(request)
        states[name] = queue.close()
    assert states["scrapy"] == states["ours"]
    assert _layout(dirs["scrapy"]) == _layout(dirs["ours"])
    # Crosswise: each queue resumes what the other one wrote, and they pop the same order.
    resumed = {
        "ours": _queue(
            IndexedDownloaderAwarePriorityQueue, crawler, downstream_queue_cls=PickleFifoDiskQueue,
            key=str(dirs["scrapy"]), startprios=states["scrapy"],
        ),
        "scrapy": _queue(
            DownloaderAwarePriorityQueue, crawler, downstream_queue_cls=PickleFifoDiskQueue,
            key=str(dirs["ours"]), startprios=states["ours"],
        ),
    }  # fmt: skip
    assert len(resumed["ours"]) == len(resumed["scrapy"]) == len(requests)
    urls: dict[str, list[str]] = {"ours": [], "scrapy": []}
    for name, queue in resumed.items():
        while (request := queue.pop()) is not None:
            urls[name].append(request.url)
        queue.close()
    assert urls["ours"] == urls["scrapy"]
    assert sorted(urls["ours"]) == sorted(r.url for r in requests)
    assert _layout(dirs["ours"]) == _layout(dirs["scrapy"])  # the emptied slots' dirs removed


@pytest.mark.filterwarnings("ignore::scrapy.exceptions.ScrapyDeprecationWarning")  # the setting
def test_it_refuses_a_per_ip_limit_as_scrapys_queue_does() -> None:
    crawler = _new_crawler({**_SCRAPYS_RULE, "CONCURRENT_REQUESTS_PER_IP": 2})
    with pytest.raises(ValueError, match="CONCURRENT_REQUESTS_PER_IP"):
        _queue(IndexedDownloaderAwarePriorityQueue, crawler)


@pytest.mark.parametrize(
    ("name", "value"),
    [("SLOW_HOSTS_SECONDS", 0), ("SLOW_HOSTS_SHARE", 0), ("SLOW_HOSTS_SHARE", 1.5)],
)
def test_slow_host_settings_out_of_range_are_refused_by_name(name: str, value: float) -> None:
    crawler = _new_crawler({**_SCRAPYS_RULE, name: value})
    with pytest.raises(ValueError, match=name):
        _queue(IndexedDownloaderAwarePriorityQueue, crawler)


def test_slow_hosts_hold_at_most_their_share_of_the_global_slots() -> None:
    """F5: cap 2 of 4 slots. Three hosts' requests stay in the downloader past
    SLOW_HOSTS_SECONDS (0.2 s here): the two still there are found by the scan, the one that
    left by its time. At the cap the queue hands out another host's request where Scrapy's rule
    would take a slow host's, and nothing while only slow hosts have work; a slow request
    leaving frees the share."""
    crawler = _new_crawler(
        {"CONCURRENT_REQUESTS": 4, "SLOW_HOSTS_SHARE": 0.5, "SLOW_HOSTS_SECONDS": 0.2}
    )
    assert crawler.stats is not None
    queue = _queue(IndexedDownloaderAwarePriorityQueue, crawler)
    assert queue.slow_cap == 2

    def pop() -> str | None:
        request = queue.pop()
        return request.url.split("//", 1)[1] if request else None

    try:
        for host in ("s1", "s2", "s3"):
            for page in (1, 2):
                queue.push(Request(f"http://{host}/{page}"))
        slow = [queue.pop() for _ in range(3)]
        for request in slow:
            assert request is not None
            _start(crawler, request)
        time.sleep(0.3)
        _finish(crawler, slow[0])  # s1: slow by the time it took; s2, s3 by the scan
        queue.push(Request("http://a-fast/1"))
        queue.push(Request("http://a-fast/2"))
        assert pop() == "a-fast/1"  # a-fast and s1 idle: a-fast first by name
        assert crawler.stats.get_value("slow_hosts/held_back") is None
        assert pop() == "a-fast/2"  # Scrapy's rule: s1 (idle, after a-fast); s2, s3 at the cap
        assert crawler.stats.get_value("slow_hosts/held_back") == 1
        assert crawler.stats.get_value("slow_hosts/found") == 3
        assert pop() is None and len(queue) == 3  # only slow hosts have work: they wait
        _finish(crawler, slow[1])  # s2 leaves (slow): s3's is the one slow request left
        s1_2 = queue.pop()
        assert s1_2 is not None and s1_2.url == "http://s1/2"
        _start(crawler, s1_2)  # two slow requests in the downloader: the cap again
        assert pop() is None and len(queue) == 2
        _finish(crawler, s1_2)  # soon: s1 is not slow now, and s3's is the one slow request
        assert pop() == "s2/2"
        assert pop() == "s3/2" and len(queue) == 0
        _finish(crawler, slow[2])
    finally:
        queue.close()


def test_a_host_is_slow_no_more_once_a_request_leaves_it_soon() -> None:
    crawler = _new_crawler(
        {"CONCURRENT_REQUESTS": 2, "SLOW_HOSTS_SHARE": 0.5, "SLOW_HOSTS_SECONDS": 0.2}
    )
    queue = _queue(IndexedDownloaderAwarePriorityQueue, crawler)
    try:
        for page in range(4):
            queue.push(Request(f"http://s1/{page}"))
        first = queue.pop()
        assert first is not None
        _start(crawler, first)
        time.sleep(0.3)
        assert queue.pop() is None  # s1 is slow, at its share (1 of 2)
        _finish(crawler, first)
        second = queue.pop()
        assert second is not None
        _start(crawler, second)
        _finish(crawler, second)  # at once: s1 is not slow now
        third, fourth = queue.pop(), queue.pop()
        assert third is not None and fourth is not None
        assert crawler.stats is not None and crawler.stats.get_value("slow_hosts/found") == 1
    finally:
        queue.close()


def test_the_index_keeps_names_sorted_within_a_count() -> None:
    index = SlotIndex()
    for name, count in (("c", 0), ("a", 0), ("b", 1), ("d", 0)):
        index.add(name, count)
    assert index.choose(None) == "a"
    assert index.choose("a") == "c"
    assert index.choose("d") == "a"  # wraps around
    index.move("a", 0, 2)
    assert index.choose(None) == "c" and len(index) == 4
    for name, count in (("c", 0), ("d", 0)):
        index.remove(name, count)
    assert index.choose("zzz") == "b"
