"""Crawl throughput: a bare Scrapy spider against ``newsarc crawl`` on the same local site.

Both crawl the demo site generated with a few thousand articles, served by a separate process
on 127.0.0.1, alternately in the same run (``--rounds``; medians are reported, so that a burst
of other load on a shared machine does not decide the ratio). Reported per crawler: pages, wall
seconds, pages/s, CPU ms per page (user+sys of the crawler process, the steadier figure on a shared
machine) and peak RSS; then newsarc's share of the bare rate. The target is at least half.

    uv run python bench/crawl_throughput.py [--articles 3000] [--max-pages 3000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = """
import sys, time
from crawler.demo.server import DemoServer
from crawler.demo.site import DemoSite
with DemoServer(DemoSite(n_articles=int(sys.argv[1]))) as server:
    print(server.base_url, flush=True)
    while True:
        time.sleep(3600)
"""


@dataclass
class Result:
    name: str
    pages: int
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_seconds / self.pages if self.pages else 0.0


def _measure(name: str, command: list[str]) -> tuple[Result, str]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{name} failed:\n{out}\n{err}")
    return Result(name, 0, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024), out


def _bare(url: str, max_pages: int) -> Result:
    result, out = _measure(
        "bare scrapy", [sys.executable, str(ROOT / "bench" / "bare_spider.py"), url, str(max_pages)]
    )
    result.pages = int(out.strip().rsplit("pages=", 1)[-1])
    return result


def _newsarc(url: str, max_pages: int) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        result, out = _measure(
            "newsarc crawl",
            [
                sys.executable,
                "-m",
                "crawler.cli",
                "crawl",
                url,
                "--out",
                tmp,
                "--max-pages",
                str(max_pages),
                "-s",
                "AUTOTHROTTLE_ENABLED=False",
                "-s",
                "CONCURRENT_REQUESTS_PER_DOMAIN=16",
            ],
        )
    line = next(line for line in out.splitlines() if "pages fetched" in line)
    result.pages = int(line.split()[2])
    return result


def _median(results: list[Result]) -> Result:
    ordered = sorted(results, key=lambda r: r.rate)
    return ordered[len(ordered) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--max-pages", type=int, default=3000)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="bare and newsarc run alternately this many times; medians are reported",
    )
    args = parser.parse_args()

    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(args.articles)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    bares: list[Result] = []
    newsarcs: list[Result] = []
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        url = f"{base_url}/"
        for _ in range(args.rounds):
            bares.append(_bare(url, args.max_pages))
            newsarcs.append(_newsarc(url, args.max_pages))
    finally:
        server.terminate()
        server.wait()

    print(
        f"site: demo site with {args.articles} articles on {base_url}, max {args.max_pages} "
        f"pages, {os.cpu_count()} CPUs, {args.rounds} round(s), median shown"
    )
    print(
        f"{'crawler':<16}{'pages':>7}{'wall s':>9}{'pages/s':>9}{'CPU ms/page':>13}"
        f"{'peak RSS MB':>13}"
    )
    bare, newsarc = _median(bares), _median(newsarcs)
    for result in (bare, newsarc):
        print(
            f"{result.name:<16}{result.pages:>7}{result.seconds:>9.1f}{result.rate:>9.1f}"
            f"{result.cpu_ms_per_page:>13.2f}{result.peak_rss_mb:>13.0f}"
        )
    rounds = ", ".join(f"{n.rate / b.rate:.2f}" for b, n in zip(bares, newsarcs, strict=True))
    ratio = newsarc.rate / bare.rate if bare.rate else 0.0
    print(
        f"newsarc / bare: {ratio:.2f} of the bare rate (target >= 0.50; per round: {rounds}); "
        f"CPU per page {newsarc.cpu_ms_per_page / bare.cpu_ms_per_page:.2f}x"
    )


if __name__ == "__main__":
    main()
