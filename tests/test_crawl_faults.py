"""Faults a crawl meets on the network, injected by local servers (RELIABILITY.md §3, F1, F6)."""

from __future__ import annotations

import gzip
import sqlite3
import time
import zlib
from pathlib import Path

import brotli
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import RequestHeaders, Route, SiteServer
from tests.conftest import run_newsarc
from tests.dns_server import StubDNS

ROBOTS = Route(200, {"Content-Type": "text/plain"}, b"User-agent: *\n")


def _page(body: str) -> Route:
    html = f"<!doctype html><html lang=en><head><title>t</title></head><body>{body}</body></html>"
    return Route(200, {"Content-Type": "text/html; charset=utf-8"}, html.encode())


def _ledger(crawl_dir: Path) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(crawl_dir / ".frontier.sqlite") as db:
        rows = db.execute("SELECT url, state, reason FROM urls").fetchall()
    return {url.rsplit("/", 1)[-1]: (state, reason) for url, state, reason in rows}


def _responses(crawl_dir: Path) -> list[tuple[str, str]]:
    found = []
    for path in (crawl_dir / "warc").glob("*.warc.gz"):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    target = record.rec_headers.get_header("WARC-Target-URI")
                    found.append((target.rsplit("/", 1)[-1], record.http_headers.get_statuscode()))
    return found


def test_503_twice_then_200_and_a_permanent_503(tmp_path: Path) -> None:
    hits: dict[str, int] = {}

    def routes(target: str, headers: RequestHeaders) -> Route | None:
        hits[target] = hits.get(target, 0) + 1
        if target == "/robots.txt":
            return ROBOTS
        if target == "/":
            return _page('<a href="/flaky.html">flaky</a> <a href="/down.html">down</a>')
        if target == "/flaky.html":
            return _page("<p>back</p>") if hits[target] > 2 else Route(503, {}, b"busy")
        if target == "/down.html":
            return Route(503, {}, b"down")
        return None

    with SiteServer(routes) as site:
        run = run_newsarc("crawl", site.url("/"), "--out", str(tmp_path), "-s", "RETRY_TIMES=2")
    assert run.returncode == 0, run.stderr
    assert hits["/flaky.html"] == 3, "two 503s and the 200"
    assert hits["/down.html"] == 1 + 2, "the first try and RETRY_TIMES retries"
    crawl_dir = run.crawl_dir(tmp_path)
    ledger = _ledger(crawl_dir)
    assert ledger["flaky.html"][0] == "done"
    state, reason = ledger["down.html"]
    assert state == "failed" and reason is not None and reason.startswith("http_503")
    finals = [status for name, status in _responses(crawl_dir) if name == "flaky.html"]
    assert finals[-1] == "200", finals
    assert "failed fetches 1" in run.stdout


def _never_answers(asked_before: int) -> None:
    time.sleep(HUNG_DNS)  # then NXDOMAIN, long after the crawl gave up


HUNG_DNS = 20.0  # seconds the stub sits on a query for hung.site.test


def test_nxdomain_and_a_hung_dns_server_fail_with_named_reasons(tmp_path: Path) -> None:
    with SiteServer() as site:
        site.routes = {
            "/robots.txt": ROBOTS,
            "/": _page(
                f'<a href="http://gone.site.test:{site.port}/gone.html">gone</a> '
                f'<a href="http://hung.site.test:{site.port}/hung.html">hung</a>'
            ),
        }
        table = {"site.test": "127.0.0.1", "gone.site.test": None, "hung.site.test": _never_answers}
        with StubDNS(table) as dns:
            started = time.monotonic()
            run = run_newsarc(
                "crawl", f"http://site.test:{site.port}/", "--out", str(tmp_path),
                "-s", f"NEWSARC_DNS_SERVERS={dns.server}", "-s", "RETRY_TIMES=0",
                "-s", "DNS_TIMEOUT=2",
            )  # fmt: skip
            took = time.monotonic() - started
    assert run.returncode == 0, run.stderr
    assert {"gone.site.test", "hung.site.test"} <= set(dns.queries)
    assert took < HUNG_DNS, f"the crawl waited for the hung DNS server ({took:.0f} s)"
    ledger = _ledger(run.crawl_dir(tmp_path))
    for page in ("gone.html", "hung.html"):
        state, reason = ledger[page]
        assert state == "failed" and reason is not None and "DNS lookup failed" in reason, reason


def _bombs() -> dict[str, tuple[str, bytes]]:
    """50 MiB of zeros in each encoding Scrapy decodes (a few dozen KB on the wire)."""
    zeros = b"\0" * (50 * 1024 * 1024)
    return {
        "gzip": ("gzip", gzip.compress(zeros, compresslevel=9)),
        "nested": ("gzip, gzip", gzip.compress(gzip.compress(zeros, compresslevel=9))),
        "deflate": ("deflate", zlib.compress(zeros, 9)),
        "br": ("br", brotli.compress(zeros, quality=5)),
    }


def test_decompression_bombs_stop_at_the_size_limit_and_the_crawl_goes_on(tmp_path: Path) -> None:
    bombs = _bombs()
    links = " ".join(f'<a href="/{name}.html">{name}</a>' for name in bombs)
    routes = {
        "/robots.txt": ROBOTS,
        "/": _page(f'{links} <a href="/fine.html">fine</a>'),
        "/fine.html": _page("<p>fine</p>"),
    }
    for name, (encoding, body) in bombs.items():
        headers = {"Content-Type": "text/html", "Content-Encoding": encoding}
        routes[f"/{name}.html"] = Route(200, headers, body)
    with SiteServer(routes) as site:
        run = run_newsarc("crawl", site.url("/"), "--out", str(tmp_path), "-s", "RETRY_TIMES=0")
        fetched = site.requested_paths
    assert run.returncode == 0, run.stderr
    assert "/fine.html" in fetched
    ledger = _ledger(run.crawl_dir(tmp_path))
    assert ledger["fine.html"][0] == "done"
    for name in bombs:
        state, reason = ledger[f"{name}.html"]
        assert state == "failed", (name, state, reason)
    log = (run.crawl_dir(tmp_path) / "logs" / "crawl.log").read_text()
    stopped = [
        line
        for line in log.splitlines()
        if "httpcompression" in line and "exceeded DOWNLOAD_MAXSIZE" in line
    ]
    assert len(stopped) == len(bombs), "each bomb is stopped by the size limit while decoding"
