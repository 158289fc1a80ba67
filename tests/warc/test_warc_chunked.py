"""A real chunked, gzip-encoded response through Scrapy into the WARC.

Scrapy hands over the de-chunked body, so the record cannot be byte-exact: it must be
self-consistent (no ``Transfer-Encoding: chunked`` over a de-chunked body, a matching
``Content-Length``), keep the content-encoding, and carry a ``WARC-Payload-Digest`` over the
transfer-decoded entity as WARC 1.1 defines it. The server is a raw socket, because the stdlib
HTTP server cannot send chunked bodies by itself.
"""

from __future__ import annotations

import gzip
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.warc.dedup import payload_digest
from tests.conftest import run_newsarc

PAGE = (
    b"<html><head><title>Chunked</title></head><body><article><h1>Chunked page</h1>"
    + b"<p>Words of a chunked article body. </p>" * 40
    + b"</article></body></html>"
)
ENTITY = gzip.compress(PAGE, mtime=0)


def _chunked(data: bytes, size: int = 100) -> bytes:
    out = b"".join(
        b"%x\r\n%s\r\n" % (len(data[i : i + size]), data[i : i + size])
        for i in range(0, len(data), size)
    )
    return out + b"0\r\n\r\n"


def _serve(sock: socket.socket) -> None:
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                request += chunk
            path = request.split(b" ", 2)[1] if request.count(b" ") >= 2 else b"/"
            if path == b"/":
                head = (
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                    b"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"
                    b"X-Repeated: one\r\nX-Repeated: two\r\nConnection: close\r\n\r\n"
                )
                conn.sendall(head + _chunked(ENTITY))
            else:
                conn.sendall(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )


@pytest.fixture
def chunked_server() -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    thread = threading.Thread(target=_serve, args=(sock,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    sock.close()


def test_chunked_gzip_response_record(tmp_path: Path, chunked_server: str) -> None:
    out = tmp_path / "out"
    run = run_newsarc("crawl", chunked_server, "--out", str(out), "--max-pages", "1")
    warcs = list(out.glob("*/warc/*.warc.gz"))
    assert warcs, run.stdout + run.stderr
    with warcs[0].open("rb") as fh:
        records = [
            (r.rec_headers, r.http_headers, r.raw_stream.read())
            for r in ArchiveIterator(fh)
            if r.rec_type == "response"
            and r.rec_headers.get_header("WARC-Target-URI") == chunked_server
        ]
    (warc_headers, http_headers, entity) = records[0]
    assert entity == ENTITY  # de-chunked, still content-encoded
    assert warc_headers.get_header("WARC-Payload-Digest") == payload_digest(ENTITY)
    assert warc_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    # Twisted consumes Transfer-Encoding, so Scrapy never shows it; the length is added.
    assert warc_headers.get_header("WARC-Newsarc-Original-Content-Length") == "absent"
    assert http_headers.get_header("Transfer-Encoding") is None
    assert http_headers.get_header("Content-Length") == str(len(ENTITY))
    assert http_headers.get_header("Content-Encoding") == "gzip"
    assert [v for k, v in http_headers.headers if k.lower() == "x-repeated"] == ["one", "two"]
    assert http_headers.statusline == "200 OK"
