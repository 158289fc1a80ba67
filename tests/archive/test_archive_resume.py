"""``newsarc crawl --resume``: a crawl stopped by ``--max-pages`` is continued until its frontier
drains; bad ``--resume`` values are one-line usage errors."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

import pytest

from crawler.cli import main
from crawler.demo.server import DemoServer, Route, SiteServer
from crawler.frontier import FRONTIER_NAME, Entry, FrontierLedger
from crawler.recovery import lock_crawl_dir
from tests.archive.conftest import (
    archived_paths,
    check_crawl_output,
    expected_paths,
    resume_command,
    resume_until_drained,
)
from tests.conftest import run_newsarc


@pytest.mark.slow
def test_max_pages_then_resume_covers_the_site(tmp_path: Path, demo_server: DemoServer) -> None:
    out = tmp_path / "store"
    fast = ("-s", "AUTOTHROTTLE_ENABLED=False")
    first = run_newsarc(
        "crawl", f"{demo_server.base_url}/", "--out", str(out), "--max-pages", "40", *fast
    )
    assert first.returncode == 0, first.stdout + first.stderr  # pages left unvisited: expected
    assert "pages fetched  40 " in first.stdout
    assert resume_command(first)[4] == str(out)
    runs = resume_until_drained(first, "--max-pages", "40", *fast)
    assert all(run.returncode == 0 for run in runs)
    assert "resumed from" in runs[0].stdout
    crawls = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(crawls) == 1 + len(runs) >= 3
    union: set[str] = set()
    for crawl_dir in crawls:
        check_crawl_output(crawl_dir)
        paths = archived_paths(crawl_dir)
        assert not paths & union  # nothing archived twice: each resume fetched only new pages
        union |= paths
    assert union == expected_paths(demo_server.site)


def _ledger(crawl_dir: Path, *, queued: bool = True) -> None:
    crawl_dir.mkdir(parents=True)
    ledger = FrontierLedger(crawl_dir / FRONTIER_NAME, crawl_dir.name)
    ledger.set_meta({"start_urls": ["http://127.0.0.1:9/"], "name": "x"})
    ledger.add(Entry("http://127.0.0.1:9/"))
    ledger.checkpoint()
    if not queued:
        ledger.finish("http://127.0.0.1:9/", "done")
        ledger.checkpoint()
    ledger.close()


def _one_line_error(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str, code: int = 2
) -> None:
    # In this process: every one of these stops before Scrapy (and its reactor) starts.
    assert main(args) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert message in err


def test_bad_resume_values_are_one_line_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    _ledger(store / "20260101T000000Z-x-aaaa")
    (store / "20260101T000000Z-old-bbbb" / "warc").mkdir(parents=True)
    out = ["--out", str(store)]
    _one_line_error(capsys, ["crawl", "--resume", "20990101T000000Z-x-0000", *out], "no crawl")
    _one_line_error(
        capsys, ["crawl", "--resume", "bad id!", *out], "neither a crawl id nor a directory"
    )
    _one_line_error(
        capsys, ["crawl", "--resume", str(tmp_path / "nowhere")], "no such crawl directory"
    )
    _one_line_error(
        capsys, ["crawl", "--resume", "20260101T000000Z-old-bbbb", *out], "has no frontier ledger"
    )
    _one_line_error(
        capsys,
        ["crawl", "--resume", "20260101T000000Z-x-aaaa", "http://127.0.0.1:9/", *out],
        "takes no start URLs",
    )
    _one_line_error(
        capsys,
        ["crawl", "--resume", "20260101T000000Z-x-aaaa", "--render", *out],
        "keeps the crawl's own",
    )
    fd = lock_crawl_dir(store / "20260101T000000Z-x-aaaa")  # as a running crawl holds it
    try:
        _one_line_error(
            capsys, ["crawl", "--resume", "20260101T000000Z-x-aaaa", *out], "still running"
        )
    finally:
        os.close(fd)
    _one_line_error(capsys, ["crawl", *out], "give at least one start URL")
    _one_line_error(
        capsys,
        ["crawl", "http://127.0.0.1:9/", "-s", "FRONTIER_CHECKPOINT_INTERVAL=0", *out],
        "FRONTIER_CHECKPOINT_INTERVAL must be a positive number",
    )


def test_resume_of_a_drained_crawl_has_nothing_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crawl_dir = tmp_path / "store" / "20260101T000000Z-x-aaaa"
    _ledger(crawl_dir, queued=False)
    # By directory: the store is the directory it is in. Exit 0: the goal of a resume holds.
    _one_line_error(
        capsys,
        ["crawl", "--resume", str(crawl_dir)],
        "nothing to resume: crawl 20260101T000000Z",
        0,
    )
    assert [p.name for p in crawl_dir.parent.iterdir()] == [crawl_dir.name]  # no new crawl


def _page(body: str) -> Route:
    html = f"<!doctype html><html lang=en><head><title>t</title></head><body>{body}</body></html>"
    return Route(200, {"Content-Type": "text/html; charset=utf-8"}, html.encode())


def _ledger_rows(crawl_dir: Path) -> dict[str, str]:
    with contextlib.closing(sqlite3.connect(crawl_dir / FRONTIER_NAME)) as db:
        return {str(url): str(state) for url, state in db.execute("SELECT url, state FROM urls")}


def test_urls_scrapy_normalises_are_one_ledger_row_and_a_resume_drains(tmp_path: Path) -> None:
    # Scrapy requests "HTTP://host/?q=a b" as "http://host/?q=a%20b" and "/news/über uns.html"
    # as "/news/%C3%BCber%20uns.html": the ledger must key both the way their outcome is
    # recorded, or the typed row stays queued for ever and every resume fetches it again.
    out = tmp_path / "store"
    routes = {
        "/robots.txt": Route(200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
        "/": _page('<p>front</p><a href="/news/über uns.html">über uns</a>'),
        "/news/%C3%BCber%20uns.html": _page("<p>about</p>"),
    }
    with SiteServer(routes) as site:
        start = site.base_url.replace("http://", "HTTP://") + "/?q=a b"
        first = run_newsarc("crawl", start, "--out", str(out), "--max-pages", "1")
        assert first.returncode == 0, first.stdout + first.stderr
        (crawl1,) = [p for p in out.iterdir() if p.is_dir()]
        assert sorted(_ledger_rows(crawl1).values()) == ["done", "queued"]
        second = run_newsarc(*resume_command(first))
        assert second.returncode == 0, second.stdout + second.stderr
        assert "still pending" not in second.stderr
        crawl2 = next(p for p in out.iterdir() if p.is_dir() and p != crawl1)
        assert _ledger_rows(crawl2) == {
            f"{site.base_url}/?q=a%20b": "done",
            f"{site.base_url}/news/%C3%BCber%20uns.html": "done",
        }
        third = run_newsarc("crawl", "--resume", crawl2.name, "--out", str(out))
        assert third.returncode == 0 and "nothing to resume" in third.stderr, third.stderr
        fetched = [path for _, path, _ in site.requests if path != "/robots.txt"]
    assert sorted(fetched) == ["/?q=a%20b", "/news/%C3%BCber%20uns.html"]  # each once


def test_resume_refuses_a_settings_module_other_than_the_crawls_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It used to be replaced by the crawl's own without a word.
    crawl_dir = tmp_path / "store" / "20260101T000000Z-x-aaaa"
    _ledger(crawl_dir)
    ledger = FrontierLedger(crawl_dir / FRONTIER_NAME, crawl_dir.name)
    ledger.set_meta({"settings_module": "settings.local"})
    ledger.close()
    _one_line_error(
        capsys,
        ["crawl", "--resume", str(crawl_dir), "--settings", "settings.production"],
        "--resume keeps the crawl's own settings module 'settings.local'",
    )
