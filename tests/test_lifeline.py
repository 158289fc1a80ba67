"""Worker processes end with the crawl process, even after ``kill -9`` (crawler/lifeline.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from crawler.demo.server import Route, SiteServer

BROWSER = "/usr/bin/chromium"
BROWSER_PARAM = pytest.param(True, marks=[pytest.mark.browser, pytest.mark.slow])
ROBOTS = Route(200, {"Content-Type": "text/plain"}, b"User-agent: *\n")


def _reparented_since(start: float, cwd: Path) -> list[psutil.Process]:
    """Processes started in ``cwd`` since ``start`` and re-parented to PID 1 (chromium's crash
    handlers are, at once). The crawl runs in a directory of its own, so that another test's
    processes running at the same time (pytest-xdist) are not taken for its own."""
    return [
        process
        for process in psutil.process_iter(["ppid", "create_time", "cwd"])
        if process.info["ppid"] == 1
        and (process.info["create_time"] or 0) >= start
        and process.info["cwd"] == str(cwd)
    ]


def _started(crawl: psutil.Process, render: bool) -> bool:
    spawned = browser = 0
    for child in crawl.children(recursive=True):
        try:
            spawned += any("multiprocessing" in arg for arg in child.cmdline())
            browser += child.name() == "chromium"
        except psutil.NoSuchProcess:
            continue
    return spawned >= 3 and (browser > 0 or not render)


def _wait_gone(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    return alive


@pytest.mark.parametrize("render", [False, BROWSER_PARAM], ids=["plain", "browser"])
def test_a_killed_crawl_leaves_no_worker_behind(render: bool, tmp_path: Path) -> None:
    if render and not Path(BROWSER).exists():
        pytest.skip(f"{BROWSER} is not installed")
    links = "".join(f'<a href="/slow{i}">{i}</a>' for i in range(8))
    routes = {
        "/robots.txt": ROBOTS,
        "/": Route.html(f"<html><body><p>start</p>{links}</body></html>"),
        **{f"/slow{i}": Route.html("<html><body>slow</body></html>", delay=20) for i in range(8)},
    }
    with SiteServer(routes) as site:
        script = Path(sys.executable).with_name("newsarc")
        workdir = tmp_path / "cwd"
        workdir.mkdir()
        start = time.time() - 1  # create_time has a coarser clock
        proc = subprocess.Popen(
            [
                str(script),
                "crawl",
                site.url("/"),
                "--out",
                str(tmp_path / "out"),
                # Both worker pools on, whatever the machine's CPU count.
                *("-s", "NEWSARC_EXTRACT_WORKERS=1", "-s", "WARC_INDEX_WORKER=True"),
                *(["--render"] if render else []),
            ],
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            crawl = psutil.Process(proc.pid)
            deadline = time.monotonic() + 60
            # The extraction worker, the CDXJ index worker and multiprocessing's tracker; with
            # --render also playwright's driver and the browser, whose crash handlers chromium
            # re-parents to PID 1.
            while not _started(crawl, render):
                assert proc.poll() is None, "the crawl ended before it could be killed"
                assert time.monotonic() < deadline, "the crawl never started its workers"
                time.sleep(0.1)
            workers = crawl.children(recursive=True) + _reparented_since(start, workdir)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            alive = _wait_gone(workers, timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert alive == [], f"left behind by the killed crawl: {[p.cmdline() for p in alive]}"
