"""Rendered crawls never hang and never leak pages: browser crashes and hostile pages."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from crawler.demo.server import SiteServer
from tests.conftest import crawl_items, run_newsarc
from tests.render.conftest import crawl_stats
from tests.sites.js_site import (
    HOSTILE_PAGES,
    JS_ARTICLE,
    MOST_READ,
    PLAIN_ARTICLE,
    numbered_site_routes,
    serve_js_site,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def _browser_process(root: psutil.Process) -> psutil.Process | None:
    """The chromium browser process (not a renderer/GPU/utility child) under ``root``."""
    with contextlib.suppress(psutil.Error):
        for proc in root.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                cmdline = proc.cmdline()
                if (
                    cmdline
                    and "chromium" in cmdline[0]
                    and not any(arg.startswith("--type=") for arg in cmdline)
                ):
                    return proc
    return None


def test_killing_chromium_mid_crawl_retries_its_pages(tmp_path: Path) -> None:
    pages = 10
    seen: set[int] = set()
    with SiteServer(numbered_site_routes(pages, delay=0.7)) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("newsarc")),
                "crawl",
                server.url("/"),
                "--out",
                str(tmp_path),
                "--render",
                "always",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            root = psutil.Process(proc.pid)
            killed = None
            deadline = time.monotonic() + 60
            while killed is None and time.monotonic() < deadline and proc.poll() is None:
                seen.update(p.pid for p in root.children(recursive=True))
                in_flight = [p for p in server.requested_paths if p.startswith("/news/")]
                browser = _browser_process(root)
                if browser is not None and len(in_flight) >= 2:
                    browser.send_signal(signal.SIGKILL)
                    killed = browser.pid
                time.sleep(0.05)
            assert killed is not None, "the crawl never had the browser rendering two pages"
            stdout, stderr = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            # chromium's helpers (crashpad) get re-parented to PID 1: end what this test started.
            for pid in seen:
                with contextlib.suppress(psutil.Error):
                    psutil.Process(pid).kill()
    assert proc.returncode == 0, stdout + stderr
    crawl_dir = next(p for p in tmp_path.iterdir() if p.is_dir())
    articles, _ = crawl_items(crawl_dir)
    assert len(articles) == pages  # every page rendered in the end
    stats = crawl_stats(crawl_dir)
    assert stats["render/browser_disconnected"] == 1
    # In-flight pages were retried: by scrapy-playwright on a new page, or rescheduled by us.
    assert stats.get("render/page_retried", 0) + stats.get("render/retried", 0) >= 1
    assert stats.get("render/retried", 0) == stats.get("retry/reason_count/browser_crashed", 0)
    assert stats["playwright/browser_count"] >= 2  # restarted after the crash
    assert stats["render/pages_opened"] == stats["render/pages_closed"]
    assert stats["render/pages_left_open"] == 0
    # Only the site's missing /world/ section failed, no rendered page.
    assert stats.get("newsarc/fetch_failed", 0) == stats.get("newsarc/fetch_failed/http_404", 0)


def test_hostile_pages_are_cut_off_without_hurting_the_rest(tmp_path: Path) -> None:
    with serve_js_site(home_links=[*HOSTILE_PAGES, JS_ARTICLE, PLAIN_ARTICLE]) as server:
        run = run_newsarc(
            "crawl",
            server.url("/"),
            "--out",
            str(tmp_path),
            "--render",
            "always",
            # A page budget a good page meets even with the hostile ones burning both cores
            # (at 6 s the script-filled article was cut off now and then on a busy machine).
            "-s",
            "RENDER_PAGE_TIMEOUT=12",
            "-s",
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT=3000",
            "-s",
            "RENDER_SETTLE_TIMEOUT=2",
            # Recycle contexts often: every two pages.
            "-s",
            "RENDER_CONTEXT_MAX_PAGES=2",
            "-s",
            "PLAYWRIGHT_MAX_CONTEXTS=3",
            # The hang guard (no wall-clock threshold): three hostile pages with 12-second
            # budgets, four at a time, end far below it; a page that is never cut off does not.
            timeout=120,
        )
    assert run.returncode == 0, run.stdout + run.stderr
    crawl_dir = run.crawl_dir(tmp_path)
    articles, headlines = crawl_items(crawl_dir)
    base = server.base_url
    assert {base + JS_ARTICLE, base + PLAIN_ARTICLE} <= {a["url"] for a in articles}
    assert {item["title"] for item in MOST_READ} <= {h["title"] for h in headlines}
    stats = crawl_stats(crawl_dir)
    # The endless script never fires `load`: cut off at the navigation timeout.
    log = (crawl_dir / "logs" / "crawl.log").read_text()
    assert f"Failed {base}/hostile/loop.html: rendering" in log
    assert stats["render/timeout"] >= 1
    assert stats["render/pages_opened"] == stats["render/pages_closed"]
    assert stats["render/pages_left_open"] == 0
    assert stats["render/contexts_recycled"] >= 2
    assert stats["playwright/context_count"] >= 3
    assert stats["playwright/context_count/max_concurrent"] <= 3
