"""Faults on the wire, injected by a raw-socket server (RELIABILITY.md §3, F3, B4, B5).

No HTTP library would send these: a connection reset (RST) halfway through a body whose
``Content-Length`` promised more, a chunked body without ``Content-Length`` that never ends,
and a zstd bomb. Each page ends ``failed`` in the ledger with a named reason, nothing partial
is archived as if it were complete, and the crawl goes on to the honest pages.
"""

from __future__ import annotations

import contextlib
import gzip
import select
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import brotli
from backports import zstd
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import ROOT, crawl_items, run_newsarc

_HTML = b"<!doctype html><html lang=en><head><title>t</title></head><body>"
_CHUNKED_CAP = 64 * 1024 * 1024  # hang guard: the server gives up after this many bytes
LIMIT = 1024 * 1024  # DOWNLOAD_MAXSIZE for these crawls


def _head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Connection: close", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _honest(body: bytes, content_type: str = "text/html") -> Callable[[socket.socket], None]:
    def send(conn: socket.socket) -> None:
        headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        conn.sendall(_head("200 OK", headers) + body)

    return send


def _reset_halfway(conn: socket.socket) -> None:
    """Promise 20,000 bytes, send 10,000, then reset the connection (SO_LINGER 0: RST)."""
    body = _HTML + b"<p>" + b"half " * 4000
    conn.sendall(_head("200 OK", {"Content-Type": "text/html", "Content-Length": "20000"}))
    conn.sendall(body[:10000])
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _endless_chunks(conn: socket.socket) -> None:
    """A chunked body without Content-Length that goes on until the client hangs up."""
    conn.sendall(_head("200 OK", {"Content-Type": "text/html", "Transfer-Encoding": "chunked"}))
    chunk = b"<p>" + b"x" * (64 * 1024 - 3)
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    while sent < _CHUNKED_CAP:
        conn.sendall(frame)
        sent += len(chunk)


def _zstd_bomb() -> bytes:
    return zstd.compress(b"\0" * (50 * 1024 * 1024))


class _WireServer:
    """A threaded raw-socket HTTP/1.1 server on 127.0.0.1: path → a function of the socket."""

    def __init__(self, routes: dict[str, Callable[[socket.socket], None]]) -> None:
        self.routes = routes
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.paths: list[str] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                data = conn.recv(65536)
                if not data:
                    return
                request += data
            path = request.split(b" ", 2)[1].decode("latin-1")
            self.paths.append(path)
            handler = self.routes.get(path)
            with contextlib.suppress(OSError):  # the client gave up: that is the point
                if handler is None:
                    conn.sendall(_head("404 Not Found", {"Content-Length": "0"}))
                else:
                    handler(conn)

    def __enter__(self) -> _WireServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.listener.close()
        self._thread.join(timeout=5)


def _ledger(crawl_dir: Path) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(crawl_dir / ".frontier.sqlite") as db:
        rows = db.execute("SELECT url, state, reason FROM urls").fetchall()
    return {url.rsplit("/", 1)[-1]: (state, reason) for url, state, reason in rows}


def _response_records(crawl_dir: Path) -> dict[str, list[tuple[int, int | None, str | None]]]:
    """Per page name: (stored body length, declared Content-Length, WARC-Truncated)."""
    found: dict[str, list[tuple[int, int | None, str | None]]] = {}
    for path in (crawl_dir / "warc").glob("*.warc.gz"):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                name = record.rec_headers.get_header("WARC-Target-URI").rsplit("/", 1)[-1]
                declared = record.http_headers.get_header("Content-Length")
                body = record.raw_stream.read()  # as stored: still content-encoded
                found.setdefault(name, []).append(
                    (
                        len(body),
                        int(declared) if declared is not None else None,
                        record.rec_headers.get_header("WARC-Truncated"),
                    )
                )
    return found


def test_reset_mid_body_endless_chunks_and_a_zstd_bomb_fail_by_name_and_the_crawl_goes_on(
    tmp_path: Path,
) -> None:
    links = "".join(
        f'<a href="/{name}.html">{name}</a> ' for name in ("reset", "chunked", "zstd", "fine")
    )

    def zstd_page(conn: socket.socket) -> None:
        bomb = _zstd_bomb()
        headers = {
            "Content-Type": "text/html",
            "Content-Encoding": "zstd",
            "Content-Length": str(len(bomb)),
        }
        conn.sendall(_head("200 OK", headers) + bomb)

    routes = {
        "/robots.txt": _honest(b"User-agent: *\n", "text/plain"),
        "/": _honest(_HTML + links.encode() + b"</body></html>"),
        "/fine.html": _honest(_HTML + b"<p>fine</p></body></html>"),
        "/reset.html": _reset_halfway,
        "/chunked.html": _endless_chunks,
        "/zstd.html": zstd_page,
    }
    with _WireServer(routes) as server:
        run = run_newsarc(
            "crawl", server.url("/"), "--out", str(tmp_path), "-s", "RETRY_TIMES=1",
            "-s", f"DOWNLOAD_MAXSIZE={LIMIT}",
        )  # fmt: skip
        fetched = list(server.paths)
    assert run.returncode == 0, run.stdout + run.stderr
    assert fetched.count("/reset.html") == 2, "a reset is retried (RETRY_TIMES=1)"
    crawl_dir = run.crawl_dir(tmp_path)
    ledger = _ledger(crawl_dir)
    assert ledger["fine.html"][0] == "done", ledger
    expected = {
        "reset.html": "data_loss",
        "chunked.html": "too_large",
        "zstd.html": "too_large",
    }
    for page, reason in expected.items():
        state, detail = ledger[page]
        assert state == "failed" and detail is not None and detail.startswith(reason), (
            page,
            state,
            detail,
        )
    # Nothing partial is passed off as complete: no record of the cut pages, and no record
    # anywhere whose body is shorter than its Content-Length without WARC-Truncated. The zstd
    # bomb arrived whole: its record keeps the bytes as received (still compressed).
    records = _response_records(crawl_dir)
    assert "fine.html" in records
    for page in ("reset.html", "chunked.html"):
        assert page not in records, (page, records[page])
    assert records["zstd.html"] == [(len(_zstd_bomb()), len(_zstd_bomb()), None)]
    for page, found in records.items():
        for length, declared, truncated in found:
            assert truncated or declared is None or declared == length, page
    articles, _ = crawl_items(crawl_dir)
    assert not [a for a in articles if a["url"].rsplit("/", 1)[-1] in expected]
    log = (crawl_dir / "logs" / "crawl.log").read_text()
    assert "exceeded DOWNLOAD_MAXSIZE" in log, "the zstd bomb is stopped while decoding"
    assert "failed fetches 3" in run.stdout, run.stdout


def _story(n: int) -> bytes:
    paragraphs = "".join(
        f"<p>Part {k} of story {n}: the harbour board of town {k} met again, and {k + n} of its "
        "members asked for more time before the vote.</p>"
        for k in range(8)
    )
    return (
        f"<!doctype html><html lang=en><head><title>S{n}</title></head><body><article>"
        f"<h1>Odd header story {n}</h1>{paragraphs}</article></body></html>"
    ).encode()


def _with_head(lines: list[bytes], body: bytes) -> Callable[[socket.socket], None]:
    """A 200 whose header lines are sent exactly as given (then the body)."""

    def send(conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nConnection: close\r\n" + b"".join(f + b"\r\n" for f in lines)
        conn.sendall(head + b"\r\n" + body)

    return send


def _odd_header_routes() -> dict[str, Callable[[socket.socket], None]]:
    def typed(n: int, *extra: bytes, length: int | None = None) -> list[bytes]:
        size = len(_story(n)) if length is None else length
        return [b"Content-Type: text/html", b"Content-Length: %d" % size, *extra]

    return {
        # Archived as received (what the HTTP client lets through).
        "/duplicate-length.html": _with_head(
            typed(1, b"Content-Length: %d" % len(_story(1))), _story(1)
        ),
        "/odd-bytes.html": _with_head(
            typed(2, b"X-Odd: caf\xc3\xa9 \xff\xfe", b"X-Ctl: a\x01b"), _story(2)
        ),
        "/many.html": _with_head(
            typed(3, *(b"X-H%d: v%d" % (i, i) for i in range(1000))), _story(3)
        ),
        "/folded.html": _with_head(typed(4, b"X-Folded: first", b"  second part"), _story(4)),
        # Refused by the HTTP client: failed by name.
        "/conflicting-length.html": _with_head(
            typed(5, b"Content-Length: %d" % (len(_story(5)) + 50)), _story(5)
        ),
        "/bad-name.html": _with_head(typed(6, b"Bad Name: x"), _story(6)),
        "/huge-header.html": _with_head(typed(7, b"X-Huge: " + b"h" * 65536), _story(7)),
    }


def test_odd_headers_are_archived_as_received_or_fail_by_name(tmp_path: Path) -> None:
    """RELIABILITY.md B13: duplicate and conflicting Content-Length, non-ASCII and control bytes,
    1,000 headers, obs-fold, an invalid header name and a 64 KiB header line. Each page is
    either archived with its header bytes as received and extracted, or fails with a named
    reason and leaves no record and no item; the crawl goes on."""
    routes = _odd_header_routes()
    links = "".join(f'<a href="{path}">{path}</a> ' for path in routes)
    routes["/robots.txt"] = _honest(b"User-agent: *\n", "text/plain")
    routes["/"] = _honest(_HTML + links.encode() + b"</body></html>")
    with _WireServer(routes) as server:
        run = run_newsarc("crawl", server.url("/"), "--out", str(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    crawl_dir = run.crawl_dir(tmp_path)
    ledger = _ledger(crawl_dir)
    archived = ("duplicate-length.html", "odd-bytes.html", "many.html", "folded.html")
    refused = {
        "conflicting-length.html": "bad_response: the response head was refused: Invalid "
        "response: conflicting Content-Length headers",
        "bad-name.html": "bad_response: the response head was refused: invalid header name",
        "huge-header.html": "no_response: the connection closed before a whole response head",
    }
    for page in archived:
        assert ledger[page] == ("done", None), (page, ledger[page])
    for page, reason in refused.items():
        state, detail = ledger[page]
        assert state == "failed" and (detail or "").startswith(reason), (page, state, detail)
    records = _response_records(crawl_dir)
    assert set(archived) <= set(records) and not set(refused) & set(records), sorted(records)
    for page in archived:
        ((length, declared, truncated),) = records[page]
        assert declared == length and truncated is None, page
    # The header bytes as the server sent them: not re-encoded, not percent-encoded.
    warc = b"".join(gzip.decompress(p.read_bytes()) for p in (crawl_dir / "warc").glob("*.warc.gz"))
    assert b"\r\nX-Odd: caf\xc3\xa9 \xff\xfe\r\n" in warc
    assert b"\r\nX-Ctl: a\x01b\r\n" in warc
    assert sum(f"\r\nX-H{i}: v{i}\r\n".encode() in warc for i in range(1000)) == 1000
    articles, _ = crawl_items(crawl_dir)
    assert sorted(a["url"].rsplit("/", 1)[-1] for a in articles) == sorted(archived)
    assert f"failed fetches {len(refused)}" in run.stdout, run.stdout


def _hung_up(conn: socket.socket, seconds: float) -> bool:
    """Whether the client closed (or reset) the connection within ``seconds``."""
    readable, _, _ = select.select([conn], [], [], seconds)
    if not readable:
        return False
    try:
        return not conn.recv(1)
    except OSError:
        return True


def _stalling_routes(
    held: dict[str, float],
    released: threading.Event,
    *,
    slow_body: bytes,
    fine_page: bytes,
    trickled: list[int] | None = None,
) -> dict[str, Callable[[socket.socket], None]]:
    """A site for timeout tests: ``/slow.html`` sends ``slow_body`` (with its Content-Length)
    one byte a second, ``/silent.html`` reads the request and never answers, ``/fine.html`` is
    ``fine_page``. ``held[path]`` is set to the seconds from the request read to the client's
    hang-up; ``released`` lets both handlers go; ``trickled`` gets the byte count sent so far."""

    def trickle(conn: socket.socket) -> None:
        since = time.monotonic()
        conn.sendall(
            _head("200 OK", {"Content-Type": "text/html", "Content-Length": str(len(slow_body))})
        )
        for sent, byte in enumerate(slow_body, 1):
            conn.sendall(bytes([byte]))
            if trickled is not None:
                trickled.append(sent)
            if _hung_up(conn, 1.0):
                held["/slow.html"] = time.monotonic() - since
                return
            if released.is_set():
                return

    def silent(conn: socket.socket) -> None:
        since = time.monotonic()
        while not released.is_set():  # the request was read; no answer comes
            if _hung_up(conn, 0.05):
                held["/silent.html"] = time.monotonic() - since
                return

    return {
        "/robots.txt": _honest(b"User-agent: *\n", "text/plain"),
        "/": _honest(_HTML + b'<a href="/slow.html">s</a> <a href="/silent.html">q</a> '
                     b'<a href="/fine.html">f</a></body></html>'),
        "/fine.html": _honest(fine_page),
        "/slow.html": trickle,
        "/silent.html": silent,
    }  # fmt: skip


TIMEOUT = 4.0  # DOWNLOAD_TIMEOUT, seconds


def test_a_slow_body_and_a_silent_server_end_at_the_download_timeout(tmp_path: Path) -> None:
    """RELIABILITY.md F5 (plain HTTP): a body trickling at one byte a second and a server that
    accepts the request and never answers both fail as ledger ``timeout`` once DOWNLOAD_TIMEOUT
    (4 s here) has passed, long before the trickle would end; the honest page is archived.
    Measured on the wire: from the request read to the client's hang-up is the timeout ±10 %."""
    trickled: list[int] = []
    held: dict[str, float] = {}  # path → seconds from the request read to the hang-up
    released = threading.Event()

    routes = _stalling_routes(
        held, released, trickled=trickled,
        slow_body=_HTML + b"<p>" + b"s" * 200 + b"</p></body></html>",
        fine_page=_HTML + b"<p>fine</p></body></html>",
    )  # fmt: skip
    with _WireServer(routes) as server:
        try:
            run = run_newsarc(
                "crawl", server.url("/"), "--out", str(tmp_path),
                "-s", f"DOWNLOAD_TIMEOUT={TIMEOUT}", "-s", "RETRY_TIMES=0",
            )  # fmt: skip
        finally:
            released.set()
    assert run.returncode == 0, run.stdout + run.stderr
    ledger = _ledger(run.crawl_dir(tmp_path))
    assert ledger["fine.html"][0] == "done", ledger
    for page in ("slow.html", "silent.html"):
        state, detail = ledger[page]
        assert state == "failed" and (detail or "").startswith("timeout"), (page, state, detail)
    # Cut off at the timeout (4 bytes in), not at the end of the trickle (~240 bytes) nor at
    # Scrapy's default timeout (30 s: 30 bytes).
    assert trickled and max(trickled) < 10, max(trickled, default=0)
    # On the wire: the client hung up DOWNLOAD_TIMEOUT ±10 % after the server read the request
    # (the client's clock starts a connect earlier, a millisecond on loopback).
    assert set(held) == {"/slow.html", "/silent.html"}, held
    for path, seconds in held.items():
        assert 0.9 * TIMEOUT <= seconds <= 1.1 * TIMEOUT, (path, seconds)
    records = _response_records(run.crawl_dir(tmp_path))
    assert "slow.html" not in records and "silent.html" not in records


# Runs `newsarc` and prints the process's peak RSS (ru_maxrss) on stderr as it exits.
_PEAK_RSS = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: print('PEAK_RSS', resource.getrusage(resource.RUSAGE_SELF)"
    ".ru_maxrss * 1024, file=sys.stderr))\n"
    "from crawler.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _encoded(encoding: str, body: bytes) -> Callable[[socket.socket], None]:
    def send(conn: socket.socket) -> None:
        headers = {
            "Content-Type": "text/html",
            "Content-Encoding": encoding,
            "Content-Length": str(len(body)),
        }
        conn.sendall(_head("200 OK", headers) + body)

    return send


def _deflated(wbits: int, mebibytes: int) -> bytes:
    """``mebibytes`` MiB of zeros, compressed a block at a time (never held whole)."""
    block = b"\0" * (1024 * 1024)
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return b"".join(packer.compress(block) for _ in range(mebibytes)) + packer.flush()


def _peak_rss_of_crawl(routes: dict[str, Callable[[socket.socket], None]], out: Path) -> int:
    limit = _RSS_LIMIT
    with _WireServer(routes) as server:
        proc = subprocess.run(
            [sys.executable, "-c", _PEAK_RSS, "crawl", server.url("/"), "--out", str(out),
             "-s", f"DOWNLOAD_MAXSIZE={limit}", "-s", "RETRY_TIMES=0",
             "-s", "NEWSARC_EXTRACT_WORKERS=0"],
            capture_output=True, text=True, cwd=ROOT, timeout=180, check=False,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return int(proc.stderr.rsplit("PEAK_RSS", 1)[1].split()[0])


_RSS_LIMIT = 16 * 1024 * 1024


def test_huge_bodies_and_bombs_raise_the_crawls_peak_rss_by_less_than_twice_the_limit(
    tmp_path: Path,
) -> None:
    """RELIABILITY.md B4/B5: a crawl meeting an endless chunked body (no Content-Length) and
    five 50 MiB decompression bombs (gzip, nested gzip, deflate, br, zstd) peaks less than
    2 × ``DOWNLOAD_MAXSIZE`` above the same crawl without them. (Each bomb's partly decoded body
    stayed alive through the error Scrapy chains to its failure: +52 MiB at a 16 MiB limit.)"""
    pages = {
        f"/p{i}.html": _honest(_HTML + f"<article><h1>Story {i}</h1><p>{'Words. ' * 300}</p>"
                               "</article>".encode())
        for i in range(6)
    }  # fmt: skip
    hostile = {
        "/chunked.html": _endless_chunks,
        "/gzip.html": _encoded("gzip", _deflated(31, 50)),
        "/nested.html": _encoded("gzip, gzip", gzip.compress(_deflated(31, 50))),
        "/deflate.html": _encoded("deflate", _deflated(15, 50)),
        "/br.html": _encoded("br", brotli.compress(b"\0" * (50 * 1024 * 1024), quality=5)),
        "/zstd.html": _encoded("zstd", _zstd_bomb()),
    }
    robots = {"/robots.txt": _honest(b"User-agent: *\n", "text/plain")}

    def site(extra: dict[str, Callable[[socket.socket], None]]) -> dict[str, Any]:
        links = " ".join(f'<a href="{path}">{path}</a>' for path in [*pages, *extra])
        return {**robots, **pages, **extra, "/": _honest(_HTML + links.encode())}

    plain = _peak_rss_of_crawl(site({}), tmp_path / "plain")
    attacked = _peak_rss_of_crawl(site(hostile), tmp_path / "hostile")
    print(f"peak RSS: plain {plain >> 20} MiB, with bombs {attacked >> 20} MiB")
    assert attacked - plain < 2 * _RSS_LIMIT, (plain >> 20, attacked >> 20)
    (crawl_dir,) = [p for p in (tmp_path / "hostile").iterdir() if p.is_dir()]
    ledger = _ledger(crawl_dir)
    for path in hostile:
        assert ledger[path.lstrip("/")][0] == "failed", (path, ledger[path.lstrip("/")])
