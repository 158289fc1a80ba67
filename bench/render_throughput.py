"""Rendered crawl throughput and memory: ``newsarc crawl --render always`` against plain HTTP.

All runs crawl the same demo site (served from this process on 127.0.0.1). Reported:

* plain-HTTP pages/s (``--render never``);
* rendered pages/s with 4 and with 8 concurrent browser pages (``RENDER_CONCURRENT_PAGES``,
  ``PLAYWRIGHT_MAX_PAGES_PER_CONTEXT``);
* memory of the crawler plus its browser (the whole process tree: summed RSS, which counts
  chromium's shared pages once per process, and summed PSS, which does not) after 100 and after
  1,000 rendered pages, and their ratio (the goal: at most 1.5).

It takes several minutes (rendering costs ~0.7 CPU-seconds a page); it is not run in CI.

    uv run python bench/render_throughput.py [--pages 1000] [--compare-pages 300]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.demo.server import DemoServer  # noqa: E402
from crawler.demo.site import DemoSite  # noqa: E402

_NOT_PAGES = ("/static/", "/img/", "/robots.txt", "/rss", "/sitemap", "/favicon")
_PAGES_STAT = re.compile(r"'newsarc/pages_fetched': (\d+)")
_ELAPSED_STAT = re.compile(r"'elapsed_time_seconds': ([\d.]+)")


@dataclass
class Run:
    name: str
    pages: int
    seconds: float
    memory: dict[int, tuple[float, float]] = field(default_factory=dict)
    """Pages served → (summed RSS MB, summed PSS MB) of the crawl's process tree."""

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def _tree_memory(root: psutil.Process) -> tuple[float, float]:
    rss = pss = 0
    for proc in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            info = proc.memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
    return rss / 2**20, pss / 2**20


def _pages_served(server: DemoServer) -> int:
    return sum(
        1
        for method, path, _ in server.requests
        if method == "GET" and not path.startswith(_NOT_PAGES)
    )


def crawl(
    server: DemoServer,
    name: str,
    pages: int,
    render: str,
    *,
    concurrent: int,
    marks: tuple[int, ...],
) -> Run:
    server.clear_requests()
    with tempfile.TemporaryDirectory() as out:
        command = [
            str(Path(sys.executable).with_name("newsarc")),
            "crawl",
            server.url("/"),
            "--out",
            out,
            "--max-pages",
            str(pages),
            "--render",
            render,
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
            "-s",
            f"RENDER_CONCURRENT_PAGES={concurrent}",
            "-s",
            f"PLAYWRIGHT_MAX_PAGES_PER_CONTEXT={concurrent}",
            "-s",
            "RENDER_SETTLE_TIMEOUT=0.5",
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
        started = time.monotonic()
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        root = psutil.Process(proc.pid)
        memory: dict[int, tuple[float, float]] = {}
        pending = list(marks)
        while proc.poll() is None:
            served = _pages_served(server)
            while pending and served >= pending[0]:
                memory[pending.pop(0)] = _tree_memory(root)
            time.sleep(0.2)
        wall = time.monotonic() - started
        log = next(Path(out).glob("*/logs/crawl.log")).read_text()
    fetched = _PAGES_STAT.search(log)
    elapsed = _ELAPSED_STAT.search(log)
    return Run(
        name,
        int(fetched.group(1)) if fetched else 0,
        float(elapsed.group(1)) if elapsed else wall,
        memory,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000, help="pages of the memory run")
    parser.add_argument("--compare-pages", type=int, default=300, help="pages of the other runs")
    args = parser.parse_args()
    if not Path("/usr/bin/chromium").exists():
        sys.exit("render_throughput: /usr/bin/chromium is missing (apt-get install chromium)")
    with DemoServer(DemoSite(n_articles=max(args.pages, args.compare_pages) + 100)) as server:
        runs = [
            crawl(server, "plain HTTP", args.compare_pages, "never", concurrent=4, marks=()),
            crawl(
                server, "rendered, 8 pages", args.compare_pages, "always", concurrent=8, marks=()
            ),
            crawl(
                server,
                "rendered, 4 pages",
                args.pages,
                "always",
                concurrent=4,
                marks=(100, args.pages),
            ),
        ]
    print(f"{'run':<20} {'pages':>6} {'seconds':>8} {'pages/s':>8}")
    for run in runs:
        print(f"{run.name:<20} {run.pages:>6} {run.seconds:>8.1f} {run.rate:>8.2f}")
    memory = runs[-1].memory
    for mark, (rss, pss) in sorted(memory.items()):
        print(
            f"memory after {mark:>5} rendered pages: RSS sum {rss:7.0f} MB, PSS sum {pss:7.0f} MB"
        )
    if 100 in memory and args.pages in memory:
        ratio = memory[args.pages][1] / memory[100][1]
        print(f"PSS after {args.pages} / after 100: {ratio:.2f} (goal: at most 1.5)")


if __name__ == "__main__":
    main()
