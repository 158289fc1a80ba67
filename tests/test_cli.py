"""The ``newsarc`` command as a user meets it: exit codes and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.demo.server import Route, SiteServer
from tests.conftest import run_newsarc


def _assert_one_line_error(stderr: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{stderr}"
    assert "Traceback" not in stderr


def test_version() -> None:
    run = run_newsarc("--version")
    assert run.returncode == 0
    assert run.stdout.startswith("newsarc ")


def test_unknown_option_is_a_usage_error() -> None:
    run = run_newsarc("crawl", "http://example.com/", "--no-such-option")
    assert run.returncode == 2
    _assert_one_line_error(run.stderr)
    assert "--no-such-option" in run.stderr


def test_missing_command_is_a_usage_error() -> None:
    run = run_newsarc()
    assert run.returncode == 2
    _assert_one_line_error(run.stderr)


@pytest.mark.parametrize("url", ["ftp://example.com/", "example.com", "http://", "http://x:99999/"])
def test_malformed_start_url(url: str, tmp_path: Path) -> None:
    run = run_newsarc("crawl", url, "--out", str(tmp_path))
    assert run.returncode == 2
    _assert_one_line_error(run.stderr)
    assert "not a crawlable URL" in run.stderr
    assert list(tmp_path.iterdir()) == []


def test_unwritable_out(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    run = run_newsarc("crawl", "http://127.0.0.1:9/", "--out", str(blocker / "data"))
    assert run.returncode == 2
    _assert_one_line_error(run.stderr)
    assert str(blocker) in run.stderr


def test_unknown_profile(tmp_path: Path) -> None:
    run = run_newsarc(
        "crawl", "http://127.0.0.1:9/", "--out", str(tmp_path), "--profile", "no-such-profile"
    )
    assert run.returncode == 2
    _assert_one_line_error(run.stderr)
    assert "no-such-profile" in run.stderr


def test_bad_profile_names_file_line_and_key(tmp_path: Path) -> None:
    profile = tmp_path / "site.yaml"
    profile.write_text("name: site\ntimezone: Mars/Olympus\n")
    run = run_newsarc(
        "crawl", "http://127.0.0.1:9/", "--out", str(tmp_path / "out"), "--profile", str(profile)
    )
    assert run.returncode == 2
    _assert_one_line_error(run.stderr)
    assert f"{profile}:2: timezone" in run.stderr


def test_unreachable_start_url_fails_the_run(tmp_path: Path) -> None:
    with SiteServer({}) as server:
        dead = server.base_url  # the port is closed once the server stops
    run = run_newsarc("crawl", f"{dead}/", "--out", str(tmp_path), "-s", "RETRY_TIMES=0")
    assert run.returncode == 1, run.stdout + run.stderr
    _assert_one_line_error(run.stderr)
    assert "no page could be fetched" in run.stderr
    assert dead in run.stderr


def test_a_crawl_that_fetched_nothing_fails_and_keeps_what_it_wrote(tmp_path: Path) -> None:
    routes = {"/robots.txt": Route(200, {"Content-Type": "text/plain"}, b"User-agent: *\n")}
    with SiteServer(routes) as server:  # every page is a 404
        run = run_newsarc("crawl", f"{server.base_url}/", "--out", str(tmp_path))
    assert run.returncode == 1, run.stdout + run.stderr
    _assert_one_line_error(run.stderr)
    assert "HTTP 404" in run.stderr
    crawl_dir = run.crawl_dir(tmp_path)
    warcs = list((crawl_dir / "warc").glob("*.warc.gz"))
    assert warcs, "the robots.txt and 404 exchanges were fetched and must be archived"
    assert not list(crawl_dir.rglob("*.open")), "files must be closed even when the run fails"
    assert (crawl_dir / "manifest.json").exists()


def test_robots_txt_answering_503_disallows_the_site(tmp_path: Path) -> None:
    page = Route(200, {"Content-Type": "text/html"}, b"<html><body><p>hi</p></body></html>")
    routes = {"/robots.txt": Route(503, {"Content-Type": "text/html"}, b"<h1>busy</h1>"), "/": page}
    with SiteServer(routes) as server:
        # The 503s are retried after the per-host backoff (2 s doubling by default): 0.1 s here.
        run = run_newsarc(
            "crawl", f"{server.base_url}/", "--out", str(tmp_path),
            "-s", "POLITE_BACKOFF_BASE=0.1",
        )  # fmt: skip
        paths = [path for _, path, _ in server.requests]
    assert run.returncode == 1
    assert "robots.txt answered HTTP 503" in run.stderr
    assert paths and set(paths) == {"/robots.txt"}, paths
