"""Safe defaults, checked through whole crawls against local servers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil

from crawler.demo.server import RequestHeaders, Route, SiteServer
from tests.conftest import ROOT, crawl_items, run_newsarc

ROBOTS = Route(200, {"Content-Type": "text/plain"}, b"User-agent: *\n")


def _page(body: str) -> Route:
    html = f"<!doctype html><html lang=en><head><title>t</title></head><body>{body}</body></html>"
    return Route(200, {"Content-Type": "text/html; charset=utf-8"}, html.encode())


def test_links_and_redirects_to_other_local_services_are_refused(tmp_path: Path) -> None:
    with SiteServer({"/": _page("<p>canary</p>")}) as canary:
        secret = f"{canary.base_url}/latest/meta-data/"
        routes = {
            "/robots.txt": ROBOTS,
            "/": _page(
                '<a href="/go">go</a> <a href="/moved">moved</a> '
                f'<a href="{secret}">direct</a> '
                f'<a href="http://localhost:{canary.port}/x">by name</a> '
                '<a href="http://169.254.169.254/latest/">metadata</a>'
            ),
            "/go": Route.redirect(secret, status=302),
            "/moved": Route.redirect(f"http://2130706433:{canary.port}/", status=301),
        }
        with SiteServer(routes) as site:
            run = run_newsarc("crawl", f"{site.base_url}/", "--out", str(tmp_path))
        assert canary.requests == [], "nothing may reach another service on the loopback"
    assert run.returncode == 0, run.stdout + run.stderr
    log = (run.crawl_dir(tmp_path) / "logs" / "crawl.log").read_text()
    assert "blocked_ip" in log or "Refused" in log


def test_oversized_responses_are_not_fetched(tmp_path: Path) -> None:
    routes = {
        "/robots.txt": ROBOTS,
        "/": _page('<a href="/huge.html">huge</a>'),
        "/huge.html": _page("<p>" + "x" * 300_000 + "</p>"),
    }
    with SiteServer(routes) as site:
        run = run_newsarc(
            "crawl", f"{site.base_url}/", "--out", str(tmp_path), "-s", "DOWNLOAD_MAXSIZE=100000"
        )
    assert run.returncode == 0, run.stderr
    assert "failed fetches 1" in run.stdout
    articles, _ = crawl_items(run.crawl_dir(tmp_path))
    assert articles == []


def test_redirect_chains_are_capped(tmp_path: Path) -> None:
    routes: dict[str, Route] = {"/robots.txt": ROBOTS, "/": _page('<a href="/r0">start</a>')}
    for hop in range(30):
        routes[f"/r{hop}"] = Route.redirect(f"/r{hop + 1}")
    with SiteServer(routes) as site:
        run = run_newsarc("crawl", f"{site.base_url}/", "--out", str(tmp_path))
        requested = [p for _, p, _ in site.requests if p.startswith("/r") and p[2:].isdigit()]
    assert run.returncode == 0, run.stderr
    assert len(requested) <= 6, requested  # the first request plus REDIRECT_MAX_TIMES=5


def test_a_running_crawl_listens_on_no_socket(tmp_path: Path) -> None:
    """Scrapy's telnet console and remote-control endpoint stay off."""
    released = threading.Event()

    def routes(path: str, headers: RequestHeaders) -> Route | None:
        if path == "/":
            # The page is held until the sockets are checked, so the crawl is surely running
            # then (and no fixed delay is sat out afterwards).
            released.wait(60)
            return Route.html("<html><body>held</body></html>")
        return ROBOTS if path == "/robots.txt" else None

    with SiteServer(routes) as site:
        script = Path(sys.executable).with_name("newsarc")
        proc = subprocess.Popen(
            [str(script), "crawl", f"{site.base_url}/", "--out", str(tmp_path)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while not [p for _, p, _ in site.requests if p == "/"]:
                assert time.monotonic() < deadline, "the crawl never requested the page"
                time.sleep(0.1)
            parent = psutil.Process(proc.pid)
            listening = [
                conn
                for process in [parent, *parent.children(recursive=True)]
                for conn in process.net_connections(kind="inet")
                if conn.status == psutil.CONN_LISTEN
            ]
            assert listening == []
        finally:
            released.set()
            proc.wait(timeout=60)


def test_a_missing_robots_txt_allows_the_site(tmp_path: Path) -> None:
    """RFC 9309: robots.txt answering 4xx means no restrictions (only 5xx disallows)."""
    with SiteServer({"/": _page("<h1>Hello</h1><p>A page.</p>")}) as site:
        run = run_newsarc("crawl", f"{site.base_url}/", "--out", str(tmp_path))
        requested = [path for _, path, _ in site.requests]
    assert run.returncode == 0, run.stdout + run.stderr
    assert requested == ["/robots.txt", "/"]


def test_requests_waiting_together_for_robots_txt_all_obey_it(tmp_path: Path) -> None:
    """Start URLs of one site wait together for its robots.txt; each must be checked against it.

    Scrapy 2.19's RobotsTxtMiddleware awaits the shared robots.txt Deferred with asFuture(),
    whose callback passes no result on: only the first waiter gets the parser and every later
    one gets None, which lets the request through unchecked. (A resumed crawl starts this way
    with many queued URLs.)
    """
    rules = b"User-agent: *\nDisallow: /private/\n"
    # A slow robots.txt: every start request is waiting for it when it arrives.
    routes = {"/robots.txt": Route(200, {"Content-Type": "text/plain"}, rules, delay=0.5)}
    routes |= {f"/p{n}": _page(f"<p>public {n}</p>") for n in range(3)}
    routes |= {f"/private/{n}": _page(f"<p>secret {n}</p>") for n in range(3)}
    with SiteServer(routes) as site:
        paths = ["/p0", "/private/0", "/p1", "/private/1", "/p2", "/private/2"]
        run = run_newsarc(
            "crawl", *[f"{site.base_url}{path}" for path in paths], "--out", str(tmp_path)
        )
        requested = [path for _, path, _ in site.requests]
    assert run.returncode == 0, run.stdout + run.stderr
    assert not [path for path in requested if path.startswith("/private/")], requested
    assert {"/p0", "/p1", "/p2"} <= set(requested)


def test_only_the_first_500_kib_of_a_huge_robots_txt_is_read(tmp_path: Path) -> None:
    """RELIABILITY.md B10: a 5 MB robots.txt is parsed up to ROBOTSTXT_MAX_SIZE (500 KiB); a
    rule past the cut is ignored, one before it obeyed, and the cut is logged."""
    padding = b"# " + b"x" * 60 + b"\n"
    rules = (
        b"User-agent: *\nDisallow: /early/\n"
        + padding * (5_000_000 // len(padding))
        + b"Disallow: /late/\n"
    )
    routes = {
        "/robots.txt": Route(200, {"Content-Type": "text/plain"}, rules),
        "/": _page('<a href="/early/a.html">early</a> <a href="/late/b.html">late</a>'),
        "/early/a.html": _page("<p>early</p>"),
        "/late/b.html": _page("<p>late</p>"),
    }
    with SiteServer(routes) as site:
        run = run_newsarc("crawl", f"{site.base_url}/", "--out", str(tmp_path))
        requested = [path for _, path, _ in site.requests]
    assert run.returncode == 0, run.stdout + run.stderr
    assert "/late/b.html" in requested, requested  # its rule lies past the first 500 KiB
    assert "/early/a.html" not in requested, requested
    log = (run.crawl_dir(tmp_path) / "logs" / "crawl.log").read_text(encoding="utf-8")
    assert f"is {len(rules)} bytes: only its first" in log


def _ledger(crawl_dir: Path) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(crawl_dir / ".frontier.sqlite") as db:
        rows = db.execute("SELECT url, state, reason FROM urls").fetchall()
    return {urlsplit(url).path: (state, reason) for url, state, reason in rows}


def _refresh(target: str) -> Route:
    head = f'<meta http-equiv="refresh" content="0; url={target}">'
    return Route.html(f"<html><head>{head}<title>r</title></head><body>moved</body></html>")


def test_redirect_loops_fail_by_name_and_meta_refresh_loops_are_bounded(tmp_path: Path) -> None:
    """RELIABILITY.md B9: an HTTP loop A → B → A and a meta-refresh loop end at once as ledger
    ``failed(redirect_loop: …)``; an endless meta-refresh chain stops at REDIRECT_MAX_TIMES
    (``too_many_redirects``), as an endless HTTP chain does."""
    routes: dict[str, Route] = {
        "/robots.txt": ROBOTS,
        "/": _page(
            '<a href="/a">a</a> <a href="/m0">refresh loop</a> <a href="/n0">refresh chain</a> '
            '<a href="/r0">http chain</a>'
        ),
        "/a": Route.redirect("/b"),
        "/b": Route.redirect("/a"),
        "/m0": _refresh("/m1"),
        "/m1": _refresh("/m0"),
    }
    for hop in range(30):
        routes[f"/n{hop}"] = _refresh(f"/n{hop + 1}")
        routes[f"/r{hop}"] = Route.redirect(f"/r{hop + 1}")
    with SiteServer(routes) as site:
        run = run_newsarc("crawl", f"{site.base_url}/", "--out", str(tmp_path))
        requested = [p for _, p, _ in site.requests]
    assert run.returncode == 0, run.stderr
    assert requested.count("/a") == 1 and requested.count("/b") == 1, requested
    assert requested.count("/m0") == 1 and requested.count("/m1") == 1, requested
    assert len([p for p in requested if p.startswith("/n")]) == 6, requested  # 1 + 5 refreshes
    ledger = _ledger(run.crawl_dir(tmp_path))
    for start in ("/a", "/m0"):
        state, reason = ledger[start]
        assert state == "failed" and reason is not None, (start, state, reason)
        assert reason.startswith("redirect_loop: "), reason
    for start in ("/n0", "/r0"):
        assert ledger[start] == (
            "failed",
            "too_many_redirects: more redirects than REDIRECT_MAX_TIMES",
        ), start
    assert "failed fetches 4" in run.stdout


def test_a_robots_txt_redirected_to_another_host_or_made_of_garbage(tmp_path: Path) -> None:
    """RELIABILITY.md B10: a robots.txt that redirects to another host (as example.com →
    www.example.com does) is followed, and its rules apply to the site that redirected (RFC
    9309 §2.3.1.2); one of binary garbage is read as no rules: the crawl goes on, no crash."""
    with SiteServer(
        {"/robots.txt": Route.text("User-agent: *\nDisallow: /private/\n")}
    ) as elsewhere:
        routes = {
            "/robots.txt": Route.redirect(elsewhere.url("/robots.txt"), 301),
            "/": _page('<a href="/a.html">a</a> <a href="/private/p.html">p</a>'),
            "/a.html": _page("<p>a</p>"),
            "/private/p.html": _page("<p>p</p>"),
        }
        with SiteServer(routes) as site:
            # The other host is on the loopback too: the SSRF guard must be told it is allowed.
            run = run_newsarc(
                "crawl", site.url("/"), "--out", str(tmp_path / "redirected"),
                "-s", f"NEWSARC_ALLOWED_HOSTS=127.0.0.1:{elsewhere.port}",
            )  # fmt: skip
            requested = [p for _, p, _ in site.requests]
        assert run.returncode == 0, run.stdout + run.stderr
        assert [p for _, p, _ in elsewhere.requests] == ["/robots.txt"]
        assert "/a.html" in requested and "/private/p.html" not in requested, requested
    garbage = bytes(range(256)) * 16 + b"\x00\xff" * 1000
    routes["/robots.txt"] = Route(200, {"Content-Type": "text/plain"}, garbage)
    with SiteServer(routes) as site:
        run = run_newsarc("crawl", site.url("/"), "--out", str(tmp_path / "garbage"))
        requested = [p for _, p, _ in site.requests]
    assert run.returncode == 0, run.stdout + run.stderr
    assert {"/", "/a.html", "/private/p.html"} <= set(requested), requested
