"""Faults on the wire, injected by a raw-socket server (RELIABILITY.md §3, F3, B4, B5).

No HTTP library would send these: a connection reset (RST) halfway through a body whose
``Content-Length`` promised more, a chunked body without ``Content-Length`` that never ends,
and a zstd bomb. Each page ends ``failed`` in the ledger with a named reason, nothing partial
is archived as if it were complete, and the crawl goes on to the honest pages.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import struct
import threading
from collections.abc import Callable
from pathlib import Path

from backports import zstd
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import crawl_items, run_newsarc

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
