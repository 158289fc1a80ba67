"""The SQLite frontier ledger held by another process (RELIABILITY.md §3, F16).

At start (``--resume`` of a crawl whose ledger another process holds with an exclusive lock, as
a ``sqlite3`` shell inside a write transaction does): one line naming the ledger, exit 6
(state unavailable), nothing fetched, and the crawl to resume is left exactly as it was.
Mid-run: the crawl holds its own ledger exclusively from the start, so another process cannot
lock it (it gets "database is locked") and the crawl finishes undisturbed.
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.demo.server import Route, SiteServer
from tests.conftest import ROOT, run_newsarc

ROBOTS = Route(200, {"Content-Type": "text/plain"}, b"User-agent: *\n")
EXIT_STATE = 6


def _routes(pages: int, delay: float = 0.0) -> dict[str, Route]:
    links = " ".join(f'<a href="/p{i}.html">story {i}</a>' for i in range(pages))
    routes = {"/robots.txt": ROBOTS, "/": Route.html(f"<h1>News</h1><p>{links}</p>")}
    for i in range(pages):
        body = f"<article><h1>Story {i}</h1><p>{'Words of the story. ' * 60}</p></article>"
        routes[f"/p{i}.html"] = Route(200, {"Content-Type": "text/html"}, body.encode(), delay)
    return routes


def _digests(crawl_dir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(crawl_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(crawl_dir.rglob("*"))
        if p.is_file()
    }


def _hold_exclusive_lock(ledger: Path) -> sqlite3.Connection:
    db = sqlite3.connect(ledger, isolation_level=None)
    db.execute("PRAGMA locking_mode=EXCLUSIVE")
    db.execute("BEGIN EXCLUSIVE")
    db.execute("UPDATE meta SET value = value")  # a write: the lock is held until ROLLBACK
    return db


def test_a_resume_whose_ledger_another_process_holds_is_one_line_and_exit_6(
    tmp_path: Path,
) -> None:
    with SiteServer(_routes(6)) as site:
        first = run_newsarc("crawl", site.url("/"), "--out", str(tmp_path), "--max-pages", "2")
        assert first.returncode == 0, first.stdout + first.stderr
        crawl_dir = first.crawl_dir(tmp_path)
        before = _digests(crawl_dir)
        asked = len(site.requests)
        holder = _hold_exclusive_lock(crawl_dir / ".frontier.sqlite")
        try:
            run = run_newsarc("crawl", "--resume", str(crawl_dir), timeout=120)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert len(site.requests) == asked, "nothing was fetched"
    assert run.returncode == EXIT_STATE, run.stdout + run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    assert "frontier ledger" in lines[0] and "locked" in lines[0], lines[0]
    assert _digests(crawl_dir) == before, "the crawl to resume is left as it was"
    assert [p for p in tmp_path.iterdir() if p.is_dir()] == [crawl_dir], "no new crawl"


@pytest.mark.slow
def test_another_process_cannot_lock_a_running_crawls_ledger(tmp_path: Path) -> None:
    with SiteServer(_routes(12, delay=0.3)) as site:
        script = Path(sys.executable).with_name("newsarc")
        proc = subprocess.Popen(
            [str(script), "crawl", site.url("/"), "--out", str(tmp_path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and proc.poll() is None:
                if sum(1 for _, path, _ in site.requests if path.startswith("/p")) >= 3:
                    break
                time.sleep(0.05)
            (ledger,) = tmp_path.glob("*/.frontier.sqlite")
            outsider = sqlite3.connect(ledger, timeout=0.5, isolation_level=None)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    outsider.execute("BEGIN EXCLUSIVE")
                    outsider.execute("UPDATE urls SET state = 'failed'")
            finally:
                outsider.close()
            assert proc.poll() is None, "the crawl was still running when the lock was tried"
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, out + err
    with sqlite3.connect(ledger) as db:
        states = dict(db.execute("SELECT state, count(*) FROM urls GROUP BY state").fetchall())
    assert states.get("done", 0) >= 13 and set(states) == {"done"}, states
