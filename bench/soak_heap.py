"""What holds the crawl's memory per URL: tracemalloc on a crawl of the soak site (L1, L2).

``bench/soak.py`` reports RSS; this says which allocation sites the growth comes from. The soak
site (``--pages`` pages, ten links each) is served from a separate process as in soak.py, and
``newsarc crawl`` runs *in this process* under :mod:`tracemalloc` (so ~3x slower). A thread takes
a snapshot when the site has answered a quarter of the pages and another at three quarters;
their difference, divided by the pages between, is the memory each page left behind, grouped by
where it was allocated (the innermost frame and the first frame in this project's code).

Not part of the test suite. Run from the checkout:

    uv run python bench/soak_heap.py [--pages 8000] [--top 15] [--hosts 0]

With ``--hosts N`` the pages are spread over N host names as in ``soak.py --hosts``; with
``--pages`` ≤ ``--hosts`` every page is on a host not seen before, so the growth is per host.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import shutil
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.soak import many_hosts, serve  # noqa: E402

_PROJECT = tuple(str(ROOT / part) for part in ("crawler", "spiders", "pipelines"))


def _where(trace: tracemalloc.StatisticDiff) -> str:
    frames = list(trace.traceback)  # most recent call first
    inner = frames[0]
    ours = next((f for f in frames if f.filename.startswith(_PROJECT)), None)
    short = lambda f: f"{Path(f.filename).name}:{f.lineno}"  # noqa: E731
    return short(inner) + (f"  (from {short(ours)})" if ours and ours is not inner else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=8000)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument(
        "--hosts", type=int, default=0, help="host names (0: one host); also reports per host"
    )
    args = parser.parse_args()
    tracemalloc.start(6)

    from crawler.cli import main as newsarc  # noqa: PLC0415 (imported under tracemalloc)

    port, served = multiprocessing.Value("i", 0), multiprocessing.Value("l", 0)
    peak, ready = multiprocessing.Value("i", 0), multiprocessing.Event()
    site = multiprocessing.Process(
        target=serve,
        args=(args.pages, args.hosts),
        kwargs={
            "port_out": port,
            "served": served,
            "peak": peak,
            "peak_connections": multiprocessing.Value("i", 0),
            "window": multiprocessing.Array("d", 2),
            "ready": ready,
        },
        daemon=True,
    )
    site.start()
    ready.wait(30)
    marks = (args.pages // 4, 3 * args.pages // 4)
    snaps: list[tuple[int, tracemalloc.Snapshot]] = []

    def sample() -> None:
        for mark in marks:
            while served.value < mark:
                time.sleep(0.05)
            gc.collect()
            snaps.append((served.value, tracemalloc.take_snapshot()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = Path(tempfile.mkdtemp(prefix="newsarc-heap-"))
    try:
        with many_hosts(port.value, args.hosts) as (start, extra):
            code = newsarc(
                ["crawl", start, "--out", str(out), "-s", "NEWSARC_MAX_PAGES_PER_HOST=0",
                 "-s", "LOG_LEVEL=WARNING", *extra]
            )  # fmt: skip
    finally:
        site.terminate()
        site.join(5)
        shutil.rmtree(out, ignore_errors=True)
    if len(snaps) < 2:
        print(f"exit {code}: the crawl ended before both marks", file=sys.stderr)
        return 1
    (a, first), (b, second) = snaps
    keep = [tracemalloc.Filter(False, tracemalloc.__file__)]
    diff = second.filter_traces(keep).compare_to(first.filter_traces(keep), "traceback")
    pages = b - a
    total = sum(d.size_diff for d in diff)
    print(
        f"exit {code}; {pages} pages between snapshots ({a} → {b}); traced memory grew "
        f"{total / 2**20:.1f} MiB: {total / pages:.0f} bytes a page"
    )
    # Pages are fetched in about the order of their numbers and page k is on host k mod hosts,
    # so the pages between the snapshots brought this many hosts the crawl had not seen.
    new_hosts = max(0, min(b, args.hosts) - min(a, args.hosts))
    if new_hosts:
        print(f"{new_hosts} new hosts between snapshots: {total / new_hosts:.0f} bytes a host")
    print(f"{'bytes/page':>10} {'blocks/page':>11}  allocated at")
    for d in diff[: args.top]:
        print(f"{d.size_diff / pages:10.0f} {d.count_diff / pages:11.2f}  {_where(d)}")
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
