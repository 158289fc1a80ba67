"""F5 for the browser: a rendered page whose server never finishes is cut at its navigation
budget (``PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT``) ±10 %, timed on the wire by the server."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from tests.conftest import run_newsarc
from tests.test_crawl_faults_wire import _HTML, _stalling_routes, _WireServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BROWSER = Path("/usr/bin/chromium")
NAVIGATION_TIMEOUT = 8.0  # seconds (PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT, in ms below)


def test_a_rendered_page_whose_server_never_finishes_is_cut_at_its_budget(
    tmp_path: Path,
) -> None:
    if not BROWSER.exists():
        pytest.skip(f"{BROWSER} is not installed")
    held: dict[str, float] = {}  # path → seconds from the request read to the hang-up
    released = threading.Event()

    # One byte a second: `load` would come after ~7 minutes.
    routes = _stalling_routes(
        held, released,
        slow_body=_HTML + b"<p>" + b"s" * 400 + b"</p></body></html>",
        fine_page=_HTML + b"<article><h1>Fine</h1><p>fine</p></article></body>",
    )  # fmt: skip
    with _WireServer(routes) as server:
        try:
            run = run_newsarc(
                "crawl", server.url("/"), "--out", str(tmp_path), "--render", "always",
                "-s", f"PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT={NAVIGATION_TIMEOUT * 1000:.0f}",
                "-s", "RENDER_PAGE_TIMEOUT=60", "-s", "DOWNLOAD_TIMEOUT=60",
                "-s", "RETRY_TIMES=0", "-s", "RENDER_RETRY_TIMES=0",
                "-s", "RENDER_SETTLE_TIMEOUT=1",
            )  # fmt: skip
        finally:
            released.set()
    assert run.returncode == 0, run.stdout + run.stderr
    crawl_dir = run.crawl_dir(tmp_path)
    with sqlite3.connect(crawl_dir / ".frontier.sqlite") as db:
        rows = db.execute("SELECT url, state, reason FROM urls").fetchall()
    ledger = {url.rsplit("/", 1)[-1]: (state, reason) for url, state, reason in rows}
    assert ledger["fine.html"][0] == "done", ledger
    for page in ("slow.html", "silent.html"):
        state, reason = ledger[page]
        assert state == "failed" and "render_timeout" in (reason or ""), (page, ledger)
    # Each page was asked for once (no retry) and let go at the budget: the browser (through
    # its egress proxy) hung up NAVIGATION_TIMEOUT ±10 % after the server read the request.
    assert server.paths.count("/slow.html") == 1 and server.paths.count("/silent.html") == 1
    assert set(held) == {"/slow.html", "/silent.html"}, held
    for path, seconds in held.items():
        assert 0.9 * NAVIGATION_TIMEOUT <= seconds <= 1.1 * NAVIGATION_TIMEOUT, (path, seconds)
