"""CPU per page of ``extract_page`` from two checkouts, alternately, on the real page sets.

The issue-14 criterion "median ms per page no higher than today" compares the extractor with an
earlier one on the same pages. This runs each checkout's ``crawler.extract`` in its own process
(this checkout's harness loads the pages: ``bench/realpages.py``), ``--rounds`` times in turn,
and prints per set the median and mean CPU milliseconds (``time.process_time``, steadier than
wall time on a shared machine) of one ``extract_page`` call per page, after one warm-up call.

    uv run python bench/extract_cpu.py BEFORE_DIR AFTER_DIR [--rounds 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in a fresh process with the checkout first on sys.path; prints "set median mean count".
PROBE = """
import importlib.util, statistics, sys, time
checkout, harness = sys.argv[1], sys.argv[2]
sys.path.insert(0, checkout)
spec = importlib.util.spec_from_file_location("realpages", harness)
realpages = importlib.util.module_from_spec(spec)
sys.modules["realpages"] = realpages
spec.loader.exec_module(realpages)
import crawler
from crawler.extract import PageInput, extract_page
if not crawler.__file__.startswith(checkout):
    sys.exit(f"crawler imported from {crawler.__file__}, not {checkout}")
for name in ("article-extraction", "trafilatura-eval-dev"):
    pages = realpages.load_set(name)
    run = lambda p: extract_page(PageInput(url=p.url, html=p.html, fetched_at=realpages.FETCHED))
    run(pages[0])
    times = []
    for page in pages:
        start = time.process_time()
        run(page)
        times.append(1000 * (time.process_time() - start))
    print(name, statistics.median(times), statistics.mean(times), len(times), flush=True)
"""


def _probe(checkout: Path) -> dict[str, tuple[float, float, int]]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(checkout.resolve()), str(ROOT / "bench/realpages.py")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        sys.exit(f"extraction from {checkout} failed:\n{proc.stderr[-2000:]}")
    rows = [line.split() for line in proc.stdout.splitlines() if line.strip()]
    return {r[0]: (float(r[1]), float(r[2]), int(r[3])) for r in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs=2, type=Path, metavar="CHECKOUT")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    for round_ in range(args.rounds):
        for checkout in args.checkouts:
            for name, (median, mean, count) in _probe(checkout).items():
                print(
                    f"round {round_} {checkout} {name}: {count} pages, CPU ms a page median "
                    f"{median:.1f}, mean {mean:.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
