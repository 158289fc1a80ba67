"""CPU per page of ``newsarc crawl`` from two checkouts, alternately, on the same local site.

The crawl throughput ratio (``bench/crawl_throughput.py``) needs a quiet machine; CPU time is the
steadier figure on a shared one. This runs the same crawl of the demo site (served by nginx as
there) from each checkout in turn, ``--rounds`` times, and reports CPU milliseconds (user+sys)
per page of the crawl process alone and of it with its children (extraction and index workers),
per round and as medians, with each crawl's wall time (start to exit, the figure the
throughput ratio divides; noisy on a shared machine). Both checkouts run with this
environment's Python.

    uv run python bench/crawl_cpu.py BEFORE_DIR AFTER_DIR [--articles 3000] [--max-pages 3000]
                                     [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl_throughput import _nginx_site

# Runs newsarc in the checkout and reports the crawl process's own CPU time on stderr at exit.
WRAPPER = """
import atexit, resource, runpy, sys
def _report():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    sys.stderr.write(f"SELF_CPU {usage.ru_utime + usage.ru_stime}\\n")
atexit.register(_report)
sys.argv[0] = "newsarc"
runpy.run_module("crawler.cli", run_name="__main__", alter_sys=True)
"""


def _crawl(checkout: Path, url: str, max_pages: int) -> tuple[int, float, float, float]:
    """(pages, CPU s of the crawl process, CPU s of it and its children, wall s) of one crawl."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-c", WRAPPER, "crawl", url, "--out", tmp, "--max-pages",
             str(max_pages), "-s", "AUTOTHROTTLE_ENABLED=False",
             "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"],
            cwd=checkout, capture_output=True, text=True, check=False,
        )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"crawl from {checkout} failed:\n{proc.stdout}\n{proc.stderr}")
    pages = int(
        next(line for line in proc.stdout.splitlines() if "pages fetched" in line).split()[2]
    )
    own = float(
        next(line for line in proc.stderr.splitlines() if line.startswith("SELF_CPU ")).split()[1]
    )
    total = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return pages, own, total, wall


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs=2, type=Path, metavar="CHECKOUT")
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--max-pages", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if nginx is None:
        sys.exit("nginx is not installed (make bench installs it)")
    runs: dict[Path, list[tuple[float, float, float]]] = {c: [] for c in args.checkouts}
    with _nginx_site(nginx, args.articles) as base_url:
        for round_ in range(args.rounds):
            for checkout in args.checkouts:
                pages, own, total, wall = _crawl(checkout, f"{base_url}/", args.max_pages)
                runs[checkout].append((1000 * own / pages, 1000 * total / pages, wall))
                print(
                    f"round {round_} {checkout}: {pages} pages, CPU ms/page crawl process "
                    f"{runs[checkout][-1][0]:.2f}, with children {runs[checkout][-1][1]:.2f}, "
                    f"wall {wall:.2f} s (load {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
    for checkout, values in runs.items():
        print(
            f"{checkout}: median CPU ms/page crawl process {_median([v[0] for v in values]):.2f}, "
            f"with children {_median([v[1] for v in values]):.2f}; "
            f"median wall {_median([v[2] for v in values]):.2f} s"
        )


if __name__ == "__main__":
    main()
