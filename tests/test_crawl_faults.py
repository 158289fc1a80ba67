"""Faults a crawl meets on the network, injected by local servers (RELIABILITY.md §3, F1, F6)."""

from __future__ import annotations

import contextlib
import gzip
import socket
import sqlite3
import threading
import zlib
from pathlib import Path

import brotli
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import RequestHeaders, Route, SiteServer
from tests.conftest import crawl_items, run_newsarc
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
        # The per-host backoff between the 503s is 2 s doubling by default; 0.1 s here (the
        # counts below do not depend on it).
        run = run_newsarc(
            "crawl", site.url("/"), "--out", str(tmp_path), "-s", "RETRY_TIMES=2",
            "-s", "POLITE_BACKOFF_BASE=0.1",
        )  # fmt: skip
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


def test_nxdomain_and_a_hung_dns_server_fail_with_named_reasons(tmp_path: Path) -> None:
    released = threading.Event()

    def never_answers(asked_before: int) -> None:
        released.wait(300)  # then NXDOMAIN: only once the crawl is over

    with SiteServer() as site:
        site.routes = {
            "/robots.txt": ROBOTS,
            "/": _page(
                f'<a href="http://gone.site.test:{site.port}/gone.html">gone</a> '
                f'<a href="http://hung.site.test:{site.port}/hung.html">hung</a>'
            ),
        }
        table = {"site.test": "127.0.0.1", "gone.site.test": None, "hung.site.test": never_answers}
        with StubDNS(table) as dns:
            try:
                # No wall-clock threshold: the hung server answers only after the crawl has
                # ended, so a crawl that waited for it instead of giving up after DNS_TIMEOUT
                # never ends, and the hang guard (timeout) fails the test.
                run = run_newsarc(
                    "crawl", f"http://site.test:{site.port}/", "--out", str(tmp_path),
                    "-s", f"NEWSARC_DNS_SERVERS={dns.server}", "-s", "RETRY_TIMES=0",
                    "-s", "DNS_TIMEOUT=2", timeout=120,
                )  # fmt: skip
            finally:
                released.set()
    assert run.returncode == 0, run.stderr
    assert {"gone.site.test", "hung.site.test"} <= set(dns.queries)
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
    # Counted per host, and a host serving several is reported (log and summary).
    assert f"'newsarc/bombs/127.0.0.1': {len(bombs)}" in log
    assert "127.0.0.1 serves decompression bombs" in log
    assert f"{len(bombs)} decompression bomb(s)" in run.stdout + run.stderr
    assert f"127.0.0.1 {len(bombs)} (several)" in run.stdout + run.stderr


class _LyingServer:
    """Serves ``/short.html`` with a ``Content-Length`` 5,000 bytes above what it sends, then
    hangs up (robots.txt is honest); a raw socket server, as no HTTP library would lie."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.paths: list[str] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                request = connection.recv(65536).decode("latin-1")
                path = request.split(" ", 2)[1] if request.count(" ") >= 2 else "/"
                self.paths.append(path)
                if path == "/robots.txt":
                    body, declared = b"User-agent: *\n", None
                else:
                    body = b"<html><head><title>Short</title></head><body><p>" + b"cut " * 500
                    declared = len(body) + 5000
                head = (
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
                    f"Content-Length: {declared if declared is not None else len(body)}\r\n\r\n"
                )
                with contextlib.suppress(OSError):
                    connection.sendall(head.encode() + body)

    def __enter__(self) -> _LyingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        # close() alone does not wake a thread blocked in accept() on Linux (the join would sit
        # out its timeout): shutdown() does.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self._thread.join(timeout=5)


def test_a_body_shorter_than_its_content_length_is_never_passed_off_as_complete(
    tmp_path: Path,
) -> None:
    with _LyingServer() as lying, SiteServer() as site:
        short = f"http://127.0.0.1:{lying.port}/short.html"
        site.routes = {"/robots.txt": ROBOTS, "/": _page(f'<a href="{short}">short</a>')}
        run = run_newsarc(
            "crawl", site.url("/"), "--out", str(tmp_path), "-s", "RETRY_TIMES=1",
            "-s", f"NEWSARC_ALLOWED_HOSTS=127.0.0.1:{lying.port}",
        )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert lying.paths.count("/short.html") == 2, "tried, then retried once"
    crawl_dir = run.crawl_dir(tmp_path)
    state, reason = _ledger(crawl_dir)["short.html"]
    assert state == "failed", (state, reason)
    for path in (crawl_dir / "warc").glob("*.warc.gz"):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                declared = record.http_headers.get_header("Content-Length")
                body = record.raw_stream.read()  # as stored: still content-encoded
                truncated = record.rec_headers.get_header("WARC-Truncated")
                assert truncated or declared is None or int(declared) == len(body), (
                    record.rec_headers.get_header("WARC-Target-URI")
                )
    articles, _ = crawl_items(crawl_dir)
    assert [a for a in articles if a["url"].endswith("/short.html")] == []
