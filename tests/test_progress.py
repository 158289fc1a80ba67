"""Live progress (crawler/progress.py): a status line when stderr is a terminal, for
``newsarc crawl`` and ``newsarc run``; nothing at all in a pipe (cron).

The terminal is a real pseudo-terminal (``pty``): the console script sees ``isatty()`` true, as
it does for a person at a shell."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from crawler.demo.server import SiteServer
from tests.conftest import ROOT
from tests.run.test_run import FAST, _jobs, _site
from tests.sites.changing_site import ChangingSite

_CLEAR = "\r\x1b[K"  # the status line rewrites itself in place


def _on_a_terminal(*args: str, timeout: float = 120) -> tuple[int, str]:
    """Run ``newsarc ARGS`` with stderr on a pseudo-terminal; (exit status, what it showed)."""
    master, slave = pty.openpty()
    script = Path(sys.executable).with_name("newsarc")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    proc = subprocess.Popen(
        [str(script), *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
    )
    os.close(slave)
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the last writer closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        code = proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(timeout=10)
    os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")


def _settings(*pairs: str) -> list[str]:
    return [arg for pair in pairs for arg in ("-s", pair)]


@pytest.mark.slow
def test_newsarc_crawl_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    site = ChangingSite(slow=0.3)
    with SiteServer(site.handle) as server:
        common = [
            "crawl",
            server.url("/"),
            *_settings("CONCURRENT_REQUESTS=1", "PROGRESS_INTERVAL=0.2", "AUTOTHROTTLE_ENABLED=0"),
        ]
        code, shown = _on_a_terminal(*common, "--out", str(tmp_path / "tty"))
        piped = subprocess.run(
            [str(Path(sys.executable).with_name("newsarc")), *common, "--out", str(tmp_path / "p")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert code == 0, shown
    lines = [part for part in shown.split(_CLEAR) if part.startswith("newsarc: ")]
    assert lines, shown
    # Pages, their rate, items, the queue and errors, rising as the crawl goes on.
    assert all("pages (" in line and "queued" in line and "errors" in line for line in lines)
    pages = [int(line.split()[1]) for line in lines]
    assert pages == sorted(pages) and pages[-1] > pages[0]
    assert piped.returncode == 0, piped.stderr
    assert _CLEAR not in piped.stderr and "pages (" not in piped.stderr  # a pipe: none


@pytest.mark.slow
def test_newsarc_run_shows_each_sites_progress_on_a_terminal(tmp_path: Path) -> None:
    site = ChangingSite(slow=0.3)
    with SiteServer(site.handle) as server:
        settings = {**FAST, "CONCURRENT_REQUESTS": 1, "PROGRESS_INTERVAL": 0.2}
        jobs = _jobs(tmp_path, [_site(server, settings=settings)])
        code, shown = _on_a_terminal("run", str(jobs))
    assert code == 0, shown
    lines = [part for part in shown.split(_CLEAR) if part.startswith("newsarc run news: ")]
    assert any("0/1 sites done; changing: " in line and "pages (" in line for line in lines), shown
    # The line is cleared at the end; a run that succeeded leaves nothing else on the terminal
    # (the test in test_run.py checks the same run in a pipe prints nothing at all).
    assert shown.endswith(_CLEAR), shown[-200:]
