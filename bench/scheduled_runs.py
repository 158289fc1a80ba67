"""Incremental runs: the second ``newsarc run`` of a site against the first.

A fixture site of ``--articles`` articles (default 3,000; ``tests/sites/changing_site.py``,
served from 127.0.0.1) with a paginated section (100 teasers a page), a feed and a news sitemap
with ``lastmod``. Run 1 captures everything; then ``--changed`` (default 5 %) of the articles
are edited (new text, ETag and ``lastmod``) and run 2 starts. Reported, from the server's own
request log: requests and article requests of each run, listing pages re-captured, wall time.
Targets (issue 10): run 2 fetches under 10 % of run 1's pages, and every listing page again.

    .venv/bin/python bench/scheduled_runs.py [--articles 3000] [--changed 0.05]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.demo.server import SiteServer  # noqa: E402
from tests.sites.changing_site import PROFILE, ChangingSite  # noqa: E402

SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    # The section is paginated, 100 teasers a page: its 30th page is 30 hops from the start,
    # past the default DEPTH_LIMIT (16), which would leave 13 listing pages out of both runs.
    "DEPTH_LIMIT": 0,
}


def _run(jobs: Path) -> tuple[int, float]:
    script = Path(sys.executable).with_name("newsarc")
    started = time.monotonic()
    done = subprocess.run(
        [str(script), "run", str(jobs)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode:
        print(done.stderr, file=sys.stderr)
    return done.returncode, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--changed", type=float, default=0.05)
    args = parser.parse_args()
    site = ChangingSite(args.articles + 1, page_size=100)  # the last one: sitemap only
    with (
        tempfile.TemporaryDirectory(prefix="newsarc-bench-inc-") as tmp,
        SiteServer(site.handle) as server,
    ):
        base = Path(tmp)
        (base / "p.yaml").write_text(PROFILE, encoding="utf-8")
        jobs = base / "jobs.yaml"
        jobs.write_text(
            json.dumps(
                {
                    "name": "bench",
                    "store": str(base / "data"),
                    "state": str(base / "state"),
                    "sites": [
                        {
                            "name": "changing",
                            "start_urls": [server.url("/"), server.url("/world/")],
                            "feeds": [server.url("/rss.xml")],
                            "sitemaps": [server.url("/sitemap-news.xml")],
                            "profile": "p.yaml",
                            "settings": SETTINGS,
                        }
                    ],
                }
            ),
            encoding="utf-8",
        )
        rows = []
        for run in (1, 2):
            server.clear_requests()
            code, wall = _run(jobs)
            paths = server.requested_paths
            articles = sum(ChangingSite.article_requests(paths).values())
            listings = sum(p == "/" or p.startswith("/world/") for p in paths)
            rows.append((run, code, len(paths), articles, listings, wall))
            if run == 1:
                ids = random.Random(10).sample(
                    range(1, args.articles + 1), int(args.articles * args.changed)
                )
                site.edit(ids)
    expected_listings = 1 + -(-args.articles // 100)
    print(
        f"site: {args.articles} articles, {expected_listings} listing pages, "
        f"{args.changed:.0%} edited before run 2"
    )
    print("run  exit  requests  article requests  listing pages  wall s")
    for run, code, total, articles, listings, wall in rows:
        print(f"{run:>3}  {code:>4}  {total:>8}  {articles:>16}  {listings:>13}  {wall:6.1f}")
    (_, _, total1, _, listings1, wall1), (_, _, total2, articles2, listings2, wall2) = rows
    print(
        f"run 2 / run 1 requests: {total2 / total1:.3f} (target < 0.10); "
        f"wall time {wall2 / wall1:.2f}; listing pages re-captured: {listings2} of the "
        f"{listings1} run 1 captured ({expected_listings} on the site); "
        f"articles fetched again: {articles2} (edited: {int(args.articles * args.changed)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
