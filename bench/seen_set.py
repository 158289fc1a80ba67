"""L2: 10 million distinct URLs into the seen-set (crawler/seen.py) beside a set of the strings.

Each structure is built in its own process (so RSS is its own): ``--n`` distinct URLs of news
shape (~75 characters) are added one by one, then looked up again (hits, as the spider meets a
link again) and ``--n`` other URLs are looked up (misses: new links; for the seen-set every hit
among them is a false positive, reported against the design rate ``n / 2**64``). Every URL is
a new string built in the loop, as a link from a parsed page is; the time to build them is
measured alone and taken off, so the figures are per insert / lookup.

Reported per structure: RSS growth (MB, and bytes per URL), ns per insert, per hit and per
miss; then the ratios seen-set / set. The target (docs/reliability.md, L2): within budget
(<= 1 GB RSS) and false positives <= 1e-6.

Not part of the test suite. Run from the checkout:

    uv run python bench/seen_set.py [--n 10000000]
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_SECTIONS = ("world", "politics", "business", "sport", "culture", "science", "local", "opinion")


def url(i: int) -> str:
    return (
        f"https://www.example-news.co.uk/{_SECTIONS[i & 7]}/2026/{1 + i % 12:02d}/"
        f"{1 + i % 28:02d}/council-budget-river-story-{i}.html"
    )


def _build(n: int, offset: int) -> float:
    """Seconds to build ``n`` URLs (taken off every timed loop)."""
    start = time.perf_counter()
    for i in range(offset, offset + n):
        url(i)
    return time.perf_counter() - start


def _insert(seen: Any, n: int) -> float:
    add = seen.add
    start = time.perf_counter()
    for i in range(n):
        add(url(i))
    return time.perf_counter() - start - _build(n, 0)


def _lookup(seen: Any, n: int, offset: int) -> tuple[float, int]:
    found = 0
    start = time.perf_counter()
    for i in range(offset, offset + n):
        if url(i) in seen:
            found += 1
    return time.perf_counter() - start - _build(n, offset), found


def measure(kind: str, n: int) -> dict[str, Any]:
    from crawler.seen import SeenSet  # noqa: PLC0415

    process = psutil.Process()
    gc.collect()
    rss_before = process.memory_info().rss
    seen: Any = SeenSet() if kind == "seen" else set()
    insert = _insert(seen, n)
    gc.collect()
    rss_after = process.memory_info().rss
    hit_s, hits = _lookup(seen, n, 0)
    miss_s, missed = _lookup(seen, n, n)  # n URLs never added
    assert hits == n, f"{kind}: {n - hits} URLs added were not found"
    return {
        "kind": kind,
        "n": n,
        "rss_mb": (rss_after - rss_before) / 2**20,
        "bytes_per_url": (rss_after - rss_before) / n,
        "insert_ns": insert / n * 1e9,
        "hit_ns": hit_s / n * 1e9,
        "miss_ns": miss_s / n * 1e9,
        "false_positives": missed,
        "design_rate": n / 2.0**64 if kind == "seen" else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--one", choices=("seen", "set"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.n)))
        return 0
    results = {}
    for kind in ("seen", "set"):
        started = time.monotonic()
        out = subprocess.run(
            [sys.executable, __file__, "--one", kind, "--n", str(args.n)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results[kind] = r = json.loads(out)
        print(
            f"{'SeenSet' if kind == 'seen' else 'set of str':>10}: {r['n']:,} URLs, RSS +"
            f"{r['rss_mb']:.0f} MB ({r['bytes_per_url']:.1f} B/URL); insert {r['insert_ns']:.0f} "
            f"ns, hit {r['hit_ns']:.0f} ns, miss {r['miss_ns']:.0f} ns; false positives "
            f"{r['false_positives']} in {r['n']:,} misses (design rate {r['design_rate']:.1e}); "
            f"{time.monotonic() - started:.0f} s",
            flush=True,
        )
    s, b = results["seen"], results["set"]
    print(
        f"ratios SeenSet/set: RSS {s['rss_mb'] / b['rss_mb']:.2f}, insert "
        f"{s['insert_ns'] / b['insert_ns']:.2f}, hit {s['hit_ns'] / b['hit_ns']:.2f}, miss "
        f"{s['miss_ns'] / b['miss_ns']:.2f}"
    )
    ok = s["rss_mb"] <= 1024 and s["false_positives"] / s["n"] <= 1e-6
    print(f"L2 (<= 1 GB RSS, false positives <= 1e-6): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
