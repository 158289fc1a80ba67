"""Frontier ledger cost per page: the bookkeeping a crawl adds for every page it fetches.

Two figures:

1. **Accounting and checkpoints alone** (in process): for each page, what the crawl calls —
   ``track`` for the request, ``response_started``, one ``response_output`` + ``item_left`` per
   item, ``track`` per new outlink, ``response_finished`` — and a checkpoint (one SQLite
   transaction, WAL) every ``--batch`` pages, i.e. every 5 s at ``batch/5`` pages/s. Request and
   response objects are built before the clock starts. The archive sync is not included (it is
   one fsync per file per checkpoint, not per page).
2. **Whole crawl, ledger on and off** (``--crawl``): ``newsarc crawl`` of the demo site with
   ``FRONTIER_ENABLED`` True and False, alternately, reporting CPU ms per page of the crawler
   process (user+sys), the steadier figure on a shared machine.

    uv run python bench/frontier.py [--pages 20000] [--items 10] [--links 5] [--batch 500]
    uv run python bench/frontier.py --crawl [--articles 1000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crawl_throughput import python_site  # bench/ is on sys.path when this runs as a script
from scrapy.http import HtmlResponse, Request
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.frontier import FRONTIER_NAME, Frontier, FrontierLedger
from crawler.items import WarcRef
from crawler.signals import META_KIND

ROOT = Path(__file__).resolve().parent.parent


def accounting(pages: int, items: int, links: int, batch: int) -> None:
    ref = WarcRef("f.warc.gz", 0, 1, "<urn:uuid:x>")
    with tempfile.TemporaryDirectory() as tmp:
        frontier = Frontier(
            Path(tmp),
            "bench",
            MemoryStatsCollector(get_crawler()),
            interval=5,
            reserve_bytes=0,
            require_warc=True,
        )
        frontier.ledger = FrontierLedger(Path(tmp) / FRONTIER_NAME, "bench")
        base = "https://news.example/section/2025/01/01/article-number-"
        requests = [Request(f"{base}{i}.html", meta={META_KIND: "page"}) for i in range(pages)]
        outlinks = [
            [Request(f"{base}{i}-{j}.html", meta={META_KIND: "page"}) for j in range(links)]
            for i in range(pages)
        ]
        item = object()
        start = time.process_time()
        for i, request in enumerate(requests):
            frontier.track(request)
            request.meta["newsarc_warc"] = ref
            response = HtmlResponse(request.url, body=b"", request=request)
            url = frontier.response_started(response)
            assert url is not None
            for _ in range(items):
                frontier.response_output(url)
            for child in outlinks[i]:
                frontier.track(child)
            frontier.response_finished(url, response)
            for _ in range(items):
                frontier.item_left(item, response=response)
            if i % batch == batch - 1:
                frontier.checkpoint()
        frontier.checkpoint()
        cpu = time.process_time() - start
        counts = frontier.ledger.counts()
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        frontier.ledger.close()
    # Building the HtmlResponse is in the loop: measure it alone and take it out.
    start = time.process_time()
    for request in requests:
        HtmlResponse(request.url, body=b"", request=request)
    cpu -= time.process_time() - start
    print(
        f"{pages} pages, {items} items and {links} new outlinks each, checkpoint every {batch}: "
        f"{cpu * 1e6 / pages:.1f} us CPU per page; ledger {counts['done']} done, "
        f"{counts['queued']} queued, {size / 1e6:.1f} MB on disk"
    )


def crawl(articles: int, rounds: int) -> None:
    with python_site(articles) as base_url:
        url = base_url + "/"
        results: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(rounds):
            for enabled in (False, True):
                before = os.times()
                with tempfile.TemporaryDirectory() as tmp:
                    out = subprocess.run(
                        [
                            sys.executable,
                            "-m",
                            "crawler.cli",
                            "crawl",
                            url,
                            "--out",
                            tmp,
                            "-s",
                            "AUTOTHROTTLE_ENABLED=False",
                            "-s",
                            "CONCURRENT_REQUESTS_PER_DOMAIN=16",
                            "-s",
                            f"FRONTIER_ENABLED={enabled}",
                        ],
                        capture_output=True,
                        text=True,
                        cwd=ROOT,
                        check=True,
                    ).stdout
                after = os.times()
                cpu = (after.children_user - before.children_user) + (
                    after.children_system - before.children_system
                )
                line = next(line for line in out.splitlines() if "pages fetched" in line)
                pages = int(line.split()[2])
                results[enabled].append(cpu * 1000 / pages)
                state = "on " if enabled else "off"
                print(f"  ledger {state}: {pages} pages, {cpu * 1000 / pages:.2f} CPU ms/page")
    on, off = min(results[True]), min(results[False])
    print(f"best of {rounds}: ledger off {off:.2f}, on {on:.2f} CPU ms/page ({on - off:+.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--links", type=int, default=5)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--crawl", action="store_true")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if args.crawl:
        crawl(args.articles, args.rounds)
    else:
        accounting(args.pages, args.items, args.links, args.batch)


if __name__ == "__main__":
    main()
