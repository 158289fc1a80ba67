"""A WARC write that fails on a rendered page fails the crawl exactly as on a plain page.

The crawl writes into a small tmpfs (needs root to mount; skipped otherwise). The article's HTML
carries a megabyte of incompressible data that its own script removes once the page loads: the
browser's document response does not fit on the disk, the rendered DOM would. Rendered or not,
the write that fails ends the crawl the same way: ``archive_write_failed`` (the frontier gives
back half its reserved space and checkpoints), the spider closed with ``warc_write_failed``,
exit status 1, and the article neither archived nor done: it stays queued for a resume.
"""

from __future__ import annotations

import base64
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from crawler.demo.server import Route, SiteServer
from crawler.frontier import FRONTIER_NAME, FrontierLedger
from tests.archive.conftest import tiny_disk
from tests.conftest import Run, crawl_items, run_newsarc
from tests.render.conftest import crawl_stats
from tests.sites.js_site import home_html, numbered_article_html

pytestmark = [pytest.mark.browser, pytest.mark.slow]

__all__ = ["tiny_disk"]  # the fixture, imported for the test below

ARTICLE = "/news/story-0.html"
_JUNK = base64.b64encode(random.Random(9).randbytes(1024 * 1024)).decode("ascii")


def _routes() -> dict[str, Route]:
    article = numbered_article_html(0).replace(
        "</body>",
        f'<script type="text/plain" id="junk">{_JUNK}</script>'
        '<script>document.getElementById("junk").remove()</script></body>',
    )
    return {
        "/robots.txt": Route.text("User-agent: *\n"),
        "/": Route.html(home_html([ARTICLE])),
        ARTICLE: Route.html(article),
    }


def _outcome(run: Run, out: Path, base: str) -> dict[str, Any]:
    crawl_dir = run.crawl_dir(out)
    log = (crawl_dir / "logs" / "crawl.log").read_text(encoding="utf-8")
    finish = re.findall(r"'finish_reason': '([^']+)'", log)
    ledger = FrontierLedger(crawl_dir / FRONTIER_NAME, crawl_dir.name)
    try:
        states = {path: ledger.state(base + path) for path in ("/", ARTICLE)}
    finally:
        ledger.close()
    articles, _ = crawl_items(crawl_dir)
    errors = [line for line in run.stderr.splitlines() if "WARC" in line]
    return {
        "exit": run.returncode,
        "errors": [re.sub(r"\d{8}T\d{6}Z-[\w.-]+", "<crawl>", line) for line in errors],
        "finish_reason": finish[-1:],
        "warc/write_failed": crawl_stats(crawl_dir).get("warc/write_failed"),
        "signalled": "Disk full: released half of the frontier's reserved space" in log,
        "states": states,
        "article_items": [a["url"] for a in articles if a["url"] == base + ARTICLE],
    }


def test_a_write_failure_fails_a_rendered_crawl_as_it_fails_a_plain_one(
    tiny_disk: Path,
) -> None:
    # Room for the crawl's log, ledger and small pages, not for the article's megabyte.
    subprocess.run(["mount", "-o", "remount,size=768k", str(tiny_disk)], check=True)
    outcomes = {}
    with SiteServer(_routes()) as server:
        for mode in ("never", "always"):
            out = tiny_disk / mode
            run = run_newsarc(
                "crawl",
                server.url("/"),
                "--out",
                str(out),
                "--render",
                mode,
                *("-s", "FRONTIER_RESERVE_BYTES=65536", "-s", "AUTOTHROTTLE_ENABLED=False"),
                *("-s", "NEWSARC_DISK_RESERVE_BYTES=0"),  # the disk is to fill up
            )
            outcomes[mode] = _outcome(run, out, server.base_url)
            shutil.rmtree(out)  # the next crawl gets the whole disk
    plain, rendered = outcomes["never"], outcomes["always"]
    assert rendered == plain
    assert plain == {
        "exit": 1,
        "errors": [
            "newsarc: crawl failed: the WARC archive could not be written or stored completely "
            "(see logs/crawl.log)"
        ],
        "finish_reason": ["warc_write_failed"],
        "warc/write_failed": 1.0,
        "signalled": True,
        "states": {"/": ("done", None), ARTICLE: ("queued", None)},
        "article_items": [],
    }
