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
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

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


def _wait_for_pages(proc: subprocess.Popen[str], site: SiteServer, pages: int) -> None:
    """Until the crawl has asked for ``pages`` of the site's /p pages, or ended (at most 90 s)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        if sum(1 for _, path, _ in site.requests if path.startswith("/p")) >= pages:
            return
        time.sleep(0.05)


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
            _wait_for_pages(proc, site, 3)
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


def _archived(crawl_dir: Path) -> dict[str, bytes]:
    """URL path → payload of its WARC response record (reading every record to its end)."""
    found = {}
    for path in sorted((crawl_dir / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    target = record.rec_headers.get_header("WARC-Target-URI")
                    found[urlsplit(target).path] = record.content_stream().read()
    return found


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["removed", "replaced"])
def test_a_ledger_removed_or_replaced_mid_run_stops_the_crawl_loudly_and_loses_nothing(
    tmp_path: Path, fault: str
) -> None:
    """RELIABILITY.md F16, mid-run: SQLite keeps writing to the file it opened, so a ledger
    deleted or renamed over while the crawl runs used to take every checkpoint into a file no
    one could open again, and the crawl ended "finished" with its ledger gone. Now the next
    checkpoint notices: the crawl stops (``frontier_write_failed``), exit 6 with one error line
    naming the ledger, every page fetched is in the WARC, and the ledger's content is saved
    beside it (0600), every URL the WARC holds in it as done."""
    pages = 40
    routes = _routes(pages, delay=0.3)
    with SiteServer(routes) as site:
        script = Path(sys.executable).with_name("newsarc")
        proc = subprocess.Popen(
            [str(script), "crawl", site.url("/"), "--out", str(tmp_path),
             "-s", "FRONTIER_CHECKPOINT_INTERVAL=0.3"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            _wait_for_pages(proc, site, 3)
            assert proc.poll() is None, "the crawl was still running when its ledger went"
            (ledger,) = tmp_path.glob("*/.frontier.sqlite")
            if fault == "removed":
                ledger.unlink()
            else:
                other = ledger.with_name("other.sqlite")
                sqlite3.connect(other).close()
                other.replace(ledger)
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        fetched = {path for _, path, _ in site.requests if path.startswith("/p")}
        crawl_dir = ledger.parent
        saved = crawl_dir / ".frontier.sqlite.recovered"
        db = sqlite3.connect(saved)
        states = dict(db.execute("SELECT url, state FROM urls").fetchall())
        db.close()
        mode = saved.stat().st_mode & 0o777
        saved.replace(ledger)  # as the error says: renamed back, it resumes the crawl
        resumed = run_newsarc("crawl", "--resume", str(crawl_dir), timeout=180)
        refetched = [p for _, p, _ in site.requests if p.startswith("/p")][len(fetched) :]
    assert proc.returncode == EXIT_STATE, out + err
    errors = [line for line in err.splitlines() if line.startswith("newsarc: error: ")]
    assert len(errors) == 1 and "Traceback" not in err, err
    assert "frontier ledger" in errors[0] and fault in errors[0], errors[0]
    log = (crawl_dir / "logs" / "crawl.log").read_text(encoding="utf-8")
    assert "'finish_reason': 'frontier_write_failed'" in log, log[-2000:]
    assert len(fetched) < pages, "the crawl stopped before the end"
    archived = _archived(crawl_dir)
    for path in fetched:  # every page the server sent is in the WARC, as sent
        assert archived.get(path) == routes[path].body, path
    assert mode == 0o600
    done = {urlsplit(url).path for url, state in states.items() if state == "done"}
    assert {p for p in archived if p.startswith("/p")} <= done, (sorted(archived), states)
    # The saved ledger resumes the crawl: the rest is fetched, nothing done is fetched again.
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert not set(refetched) & done and fetched | set(refetched) == {
        f"/p{i}.html" for i in range(pages)
    }, (sorted(done), refetched)


@pytest.mark.slow
def test_a_ledger_overwritten_in_place_mid_run_stops_the_crawl_before_it_writes_again(
    tmp_path: Path,
) -> None:
    """F16, the same inode: another process writes another database into the ledger file
    (``cp other.sqlite ledger`` keeps the inode). SQLite, holding the file exclusively, does
    not look, so the crawl went on mixing its pages into it. Now the next checkpoint sees the
    file changed since the crawl's own last write: it stops (exit 6, one error line naming the
    ledger), writes no checkpoint into it, every page the server sent is in the WARC, and the
    ledger is marked so that a resume refuses it."""
    pages = 40
    routes = _routes(pages, delay=0.3)
    other = tmp_path / "other.sqlite"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE unrelated (x)")
    db.executemany("INSERT INTO unrelated VALUES (?)", [(i,) for i in range(500)])
    db.commit()
    db.close()
    foreign = other.read_bytes()
    out = tmp_path / "out"
    with SiteServer(routes) as site:
        script = Path(sys.executable).with_name("newsarc")
        proc = subprocess.Popen(
            [str(script), "crawl", site.url("/"), "--out", str(out),
             "-s", "FRONTIER_CHECKPOINT_INTERVAL=0.3"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            _wait_for_pages(proc, site, 3)
            assert proc.poll() is None, "the crawl was still running when its ledger was written"
            (ledger,) = out.glob("*/.frontier.sqlite")
            inode = ledger.stat().st_ino
            with ledger.open("r+b") as fh:  # in place: the same inode
                fh.write(foreign)
                fh.truncate()
            assert ledger.stat().st_ino == inode
            out_text, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        fetched = {path for _, path, _ in site.requests if path.startswith("/p")}
        # SQLite's close copies its WAL into the file: neither ledger now, so it is marked,
        # and a resume refuses it (one line, exit 6) instead of building on it.
        asked = len(site.requests)
        resumed = run_newsarc("crawl", "--resume", str(ledger.parent), timeout=120)
        assert len(site.requests) == asked
    assert proc.returncode == EXIT_STATE, out_text + err
    errors = [line for line in err.splitlines() if line.startswith("newsarc: error: ")]
    assert len(errors) == 1 and "Traceback" not in err, err
    assert "frontier ledger" in errors[0] and "overwritten in place" in errors[0], errors[0]
    crawl_dir = ledger.parent
    log = (crawl_dir / "logs" / "crawl.log").read_text(encoding="utf-8")
    assert "'finish_reason': 'frontier_write_failed'" in log, log[-2000:]
    assert len(fetched) < pages, "the crawl stopped before the end"
    archived = _archived(crawl_dir)
    for path in fetched:  # every page the server sent is in the WARC, as sent
        assert archived.get(path) == routes[path].body, path
    assert not (crawl_dir / ".frontier.sqlite.recovered").exists()  # no copy of mixed pages
    mark = crawl_dir / ".frontier.sqlite.overwritten"
    assert mark.stat().st_mode & 0o777 == 0o600
    assert "overwritten in place" in mark.read_text(encoding="utf-8")
    assert resumed.returncode == EXIT_STATE, resumed.stdout + resumed.stderr
    (line,) = resumed.stderr.strip().splitlines()
    assert line.startswith("newsarc: error: --resume: the ledger ") and "overwritten" in line, line
