"""The scheduler's priority queue alone: time per request against the number of hosts queued (L3).

For Scrapy's ``DownloaderAwarePriorityQueue`` and crawler/pqueues.py's
``IndexedDownloaderAwarePriorityQueue``, with H hosts each holding queued requests, a steady
state of ``--cycles`` rounds of: pop a request, start it in a real Scrapy downloader's slot
(its ``active`` set and ``request_reached_downloader``, as the downloader does), end the
oldest once ``--concurrency`` are in flight (``request_left_downloader``), and push a new
request for the host popped. Reported: microseconds per round (the median of ``--repeat``).

    uv run python bench/pqueue.py [--hosts 50 500 5000] [--cycles 20000] [--concurrency 256]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.core.downloader import Slot
from scrapy.pqueues import DownloaderAwarePriorityQueue
from scrapy.squeues import FifoMemoryQueue, LifoMemoryQueue
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.pqueues import IndexedDownloaderAwarePriorityQueue

# Nothing is fetched: no download handlers (the asyncio ones want a running loop to start).
_NO_HANDLERS = dict.fromkeys(("data", "file", "http", "https", "s3", "ftp"))


def run(cls: type[Any], hosts: int, cycles: int, concurrency: int) -> float:
    settings = {
        "DOWNLOAD_HANDLERS": _NO_HANDLERS,
        "SLOW_HOSTS_SECONDS": 10.0,
        "SLOW_HOSTS_SHARE": 1.0,
    }
    crawler = get_crawler(Spider, settings)
    crawler.engine = crawler._create_engine()
    downloader = crawler.engine.downloader
    queue = build_from_crawler(
        cls, crawler, downstream_queue_cls=FifoMemoryQueue, key="", start_queue_cls=LifoMemoryQueue
    )
    serial = 0

    def push(host: int) -> None:
        nonlocal serial
        serial += 1
        queue.push(Request(f"http://h{host}.example/{serial}"))

    for host in range(hosts):
        push(host)
        push(host)
    active: deque[Request] = deque()
    started = time.perf_counter()
    for _ in range(cycles):
        request = queue.pop()
        key = downloader.get_slot_key(request)
        request.meta["download_slot"] = key
        downloader.slots.setdefault(key, Slot(8, 0, 0)).active.add(request)
        crawler.signals.send_catch_log(signals.request_reached_downloader, request=request)
        active.append(request)
        if len(active) > concurrency:
            done = active.popleft()
            crawler.signals.send_catch_log(signals.request_left_downloader, request=done)
            downloader.slots[done.meta["download_slot"]].active.discard(done)
        push(int(key[1:].split(".", 1)[0]))
    elapsed = time.perf_counter() - started
    queue.close()
    return elapsed / cycles * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[50, 500, 5000])
    parser.add_argument("--cycles", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    classes = {
        "scrapy": DownloaderAwarePriorityQueue,
        "indexed": IndexedDownloaderAwarePriorityQueue,
    }
    for hosts in args.hosts:
        figures = {
            name: statistics.median(
                run(cls, hosts, args.cycles, args.concurrency) for _ in range(args.repeat)
            )
            for name, cls in classes.items()
        }
        print(
            f"{hosts:6d} hosts: Scrapy's {figures['scrapy']:8.1f} µs/request, "
            f"indexed {figures['indexed']:6.1f} µs/request "
            f"({figures['scrapy'] / figures['indexed']:.0f}x)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
