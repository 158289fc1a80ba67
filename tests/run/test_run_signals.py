"""``newsarc run`` stopped while a site's crawl cannot finish gracefully: a second signal, or the
end of the job's ``grace``, stops it at once, and every file is still valid when the run exits
``5`` (interrupted).

The site answers slowly, then a page hangs for longer than the test waits: a graceful stop
(Scrapy lets the download in flight finish) would take that long, so a run that exits well before
it was stopped at once."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import SiteServer
from tests.conftest import run_newsarc
from tests.run.test_run import (
    FAST,
    _articles,
    _assert_files_valid,
    _crawl_dirs,
    _jobs,
    _reports,
    _site,
    _start_run,
)
from tests.sites.changing_site import ChangingSite

_HANG = 45.0  # seconds the page in flight takes: far beyond what either stop may take


def _wait_for(
    condition: Callable[[], bool], running: subprocess.Popen[str], timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert running.poll() is None, running.communicate()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("grace", "signals"),
    [
        pytest.param("60s", (signal.SIGTERM, signal.SIGINT), id="second-signal"),
        pytest.param("2s", (signal.SIGTERM,), id="grace-over"),
    ],
)
def test_a_forced_stop_leaves_every_file_valid(
    tmp_path: Path, grace: str, signals: tuple[signal.Signals, ...]
) -> None:
    site = ChangingSite(slow=0.2)
    with SiteServer(site.handle) as server:
        settings = {**FAST, "CONCURRENT_REQUESTS": 1, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
        jobs = _jobs(tmp_path, [_site(server, settings=settings)], grace=grace)
        running = _start_run(jobs)
        try:
            _wait_for(
                lambda: len(ChangingSite.article_requests(server.requested_paths)) > 1, running
            )
            site.slow = _HANG  # the next page hangs
            seen = len(server.requests)
            _wait_for(lambda: len(server.requests) > seen, running)
            time.sleep(0.3)  # the hanging page is in flight
            stopped = time.monotonic()
            running.send_signal(signals[0])
            for sig in signals[1:]:
                time.sleep(0.5)
                running.send_signal(sig)
            _, stderr = running.communicate(timeout=90)
            took = time.monotonic() - stopped
        finally:
            if running.poll() is None:
                running.kill()
                running.wait()
    assert running.returncode == 5, stderr
    # At once: long before the page in flight could end (a graceful stop waits for it); with
    # one signal, only after the grace period ran out.
    assert took < _HANG / 2, took
    if len(signals) == 1:
        assert took >= 2.0, took
    assert "INTERRUPTED" in stderr
    report = _reports(tmp_path / "data")[-1]
    assert report["interrupted"] and report["exit_code"] == 5
    assert report["sites"][0]["status"] == "interrupted"
    (crawl_dir,) = _crawl_dirs(tmp_path / "data")
    _assert_files_valid(crawl_dir)  # gzip members whole, item lines JSON, manifest written
    records = 0
    for warc in (crawl_dir / "warc").glob("*.warc.gz"):
        with warc.open("rb") as handle:
            for record in ArchiveIterator(handle, check_digests="raise"):
                record.content_stream().read()
                records += 1
    assert records >= 4  # robots.txt, the listings and articles fetched before the stop
    assert _articles(crawl_dir)  # the articles captured before the stop were written


@pytest.mark.slow
def test_a_killed_run_holds_its_lock_until_its_crawls_close_and_the_next_run_loses_nothing(
    tmp_path: Path,
) -> None:
    """``kill -9`` of ``newsarc run`` itself: its site's crawl closes on its own (SIGTERM from
    the kernel), still holding the job's lock, so a run started meanwhile exits 3; the run after
    says the killed one never finished and fetches every article it had not captured."""
    import psutil

    site = ChangingSite(slow=0.3)
    with SiteServer(site.handle) as server:
        settings = {**FAST, "CONCURRENT_REQUESTS": 1, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
        jobs = _jobs(tmp_path, [_site(server, settings=settings)])
        store = tmp_path / "data"
        running = _start_run(jobs)
        try:
            _wait_for(
                lambda: len(ChangingSite.article_requests(server.requested_paths)) > 1, running
            )
            site.slow = 8.0  # the page in flight keeps the crawl's graceful close waiting
            seen = len(server.requests)
            _wait_for(lambda: len(server.requests) > seen, running)
            (child,) = psutil.Process(running.pid).children()
            running.kill()
            running.communicate(timeout=30)
            assert running.returncode == -signal.SIGKILL
            assert child.is_running()  # closing its crawl, orphaned
            overlapping = run_newsarc("run", str(jobs), timeout=60)
            assert child.is_running(), "the orphaned crawl ended before the lock was tried"
            assert overlapping.returncode == 3, overlapping.stderr
            assert "already running" in overlapping.stderr
            child.wait(timeout=90)
        finally:
            if running.poll() is None:
                running.kill()
                running.wait()
        site.slow = 0.0
        again = run_newsarc("run", str(jobs), timeout=120)
    assert again.returncode == 0, again.stderr
    assert "ended without finishing" in again.stderr  # said, though the run succeeded
    (report,) = _reports(tmp_path / "data")  # the killed run wrote none
    assert report["previous_run_unfinished"] and report["sites"][0]["status"] == "ok"
    killed, latest = _crawl_dirs(store)
    _assert_files_valid(killed)  # closed by the orphaned crawl itself
    first = {a["url"] for a in _articles(killed)}
    assert first and len(first) < 8
    captured = first | {a["url"] for a in _articles(latest)}
    assert len(captured) == 8  # none silently missing
