"""``DOWNLOAD_MAXSIZE`` holds for the browser too: its egress proxy gives no answer for a
response that declares more, cuts one off that sends more, and gives none for a plain-HTTP
response compressed although it asked for identity (its decoded size cannot be counted). The
proxy tests need no chromium; the crawl tests measure the browser."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import psutil
import pytest

from crawler.demo.server import Route, SiteServer
from crawler.middlewares.ssrf import AllowList
from crawler.render.egress import EgressGuardProxy
from tests.conftest import ROOT, crawl_items, run_newsarc
from tests.render.conftest import crawl_stats

BROWSER = "/usr/bin/chromium"

LIMIT = 100_000


def _proxy(allowed: str, too_large: list[tuple[str, int]]) -> EgressGuardProxy:
    allow = AllowList.build([allowed], [])
    return EgressGuardProxy(
        lambda: allow,
        lambda target, why: None,
        lambda target, why: None,
        max_bytes=LIMIT,
        on_too_large=lambda target, size: too_large.append((target, size)),
    )


async def _fetch(proxy_port: int, url: str) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
    writer.write(f"GET {url} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    data = b""
    try:
        while chunk := await asyncio.wait_for(reader.read(65536), timeout=10):
            data += chunk
    except ConnectionError:
        pass  # the cut: a reset
    writer.close()
    return data


def test_a_response_declaring_more_than_the_limit_gets_no_answer() -> None:
    routes = {"/big": Route.text("x" * (3 * LIMIT)), "/small": Route.text("small")}

    async def run() -> None:
        with SiteServer(routes) as site:
            too_large: list[tuple[str, int]] = []
            proxy = _proxy(site.url("/"), too_large)
            port = await proxy.start()
            try:
                big = await _fetch(port, site.url("/big"))
                small = await _fetch(port, site.url("/small"))
            finally:
                await proxy.close()
        assert big == b""
        assert small.startswith(b"HTTP/1.1 200") and small.endswith(b"small")
        assert [size for _, size in too_large] == [3 * LIMIT]

    asyncio.run(run())


def test_a_response_sending_more_than_the_limit_is_cut_off() -> None:
    """No Content-Length (or a false one): counted as it streams, cut at the limit."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
            with_margin = b"y" * (3 * LIMIT)
            with contextlib.suppress(OSError):  # the proxy hung up: expected
                connection.sendall(with_margin)

    server = threading.Thread(target=serve, daemon=True)
    server.start()

    async def run() -> None:
        too_large: list[tuple[str, int]] = []
        proxy = _proxy(f"http://127.0.0.1:{port}/", too_large)
        proxy_port = await proxy.start()
        try:
            data = await _fetch(proxy_port, f"http://127.0.0.1:{port}/stream")
        finally:
            await proxy.close()
        body = data.partition(b"\r\n\r\n")[2]
        assert len(body) <= LIMIT
        assert too_large and too_large[0][1] > LIMIT

    try:
        asyncio.run(run())
    finally:
        server.join(timeout=10)
        listener.close()


@pytest.mark.browser
@pytest.mark.slow
def test_a_rendered_page_over_the_limit_is_not_fetched(tmp_path: Path) -> None:
    if not Path(BROWSER).exists():
        pytest.skip(f"{BROWSER} is not installed")
    article = "<p>" + "A long paragraph of an oversized page. " * 8000 + "</p>"
    routes = {
        "/robots.txt": Route.text("User-agent: *\n"),
        "/": Route.html('<html><body><p>home</p><a href="/huge.html">huge</a></body></html>'),
        "/huge.html": Route.html(
            f"<html><head><title>Huge</title></head><body>{article}</body></html>"
        ),
    }
    with SiteServer(routes) as site:
        run = run_newsarc(
            "crawl", site.url("/"), "--out", str(tmp_path), "--render", "always",
            "-s", f"DOWNLOAD_MAXSIZE={LIMIT}", "-s", "RENDER_SETTLE_TIMEOUT=1",
        )  # fmt: skip
    assert "/huge.html" in site.requested_paths, "the browser never asked for the page"
    stats = crawl_stats(run.crawl_dir(tmp_path))
    assert stats.get("render/egress_too_large", 0) >= 1, stats
    articles, _ = crawl_items(run.crawl_dir(tmp_path))
    assert [a["url"] for a in articles if a["url"].endswith("/huge.html")] == []


def _one_answer(head: bytes, body: bytes) -> tuple[int, threading.Thread]:
    """A server on 127.0.0.1 that answers one request with ``head`` + ``body`` whatever it
    asked for (as a server that ignores ``Accept-Encoding`` does); its port and thread."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with listener:
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                with contextlib.suppress(OSError):  # the proxy hung up: expected
                    connection.sendall(head + body)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener.getsockname()[1], thread


@pytest.mark.parametrize(
    ("coding", "refused"), [("gzip", True), ("br, gzip", True), ("identity", False)]
)
def test_a_plain_response_in_a_content_coding_gets_no_answer(coding: str, refused: bool) -> None:
    """B4/B5 for the browser: the proxy asks for ``identity`` so it counts decoded bytes; a
    server that compresses all the same would slip a bomb past the count (1 MiB of gzip on
    the wire, 1 GiB in the renderer), so such an answer gets none."""
    body = gzip.compress(b"<p>small</p>") if refused else b"<p>small</p>"
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
        f"Content-Encoding: {coding}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    port, server = _one_answer(head, body)

    async def run() -> tuple[bytes, list[tuple[str, str]]]:
        encoded: list[tuple[str, str]] = []
        allow = AllowList.build([f"http://127.0.0.1:{port}/"], [])
        proxy = EgressGuardProxy(
            lambda: allow,
            lambda target, why: None,
            lambda target, why: None,
            max_bytes=LIMIT,
            on_encoded=lambda target, got: encoded.append((target, got)),
        )
        proxy_port = await proxy.start()
        try:
            return await _fetch(proxy_port, f"http://127.0.0.1:{port}/page"), encoded
        finally:
            await proxy.close()

    data, encoded = asyncio.run(run())
    server.join(timeout=10)
    if refused:
        assert data == b"" and encoded == [(f"127.0.0.1:{port}/page", coding)]
    else:
        assert data.startswith(b"HTTP/1.1 200") and data.endswith(body) and encoded == []


def _renderer_peak(command: list[str]) -> tuple[int, int, str]:
    """Run ``command`` (a rendered crawl): the highest peak RSS (``VmHWM``) of any chromium
    renderer process under it (sampled every 20 ms), its exit status and its stderr."""
    proc = psutil.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    renderers: set[int] = set()
    try:
        while proc.poll() is None:
            for child in proc.children(recursive=True):
                with contextlib.suppress(psutil.Error, OSError):
                    if child.pid not in renderers:
                        if "--type=renderer" not in child.cmdline():
                            continue
                        renderers.add(child.pid)
                    status = Path(f"/proc/{child.pid}/status").read_text()
                    if "VmHWM:" in status:  # not when it has just exited (a zombie)
                        kib = int(status.split("VmHWM:", 1)[1].split()[0])
                        peak = max(peak, kib * 1024)
            time.sleep(0.02)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert renderers, err
    return peak, proc.returncode, err.decode()


@pytest.mark.browser
@pytest.mark.slow
def test_a_gzip_bomb_sent_despite_identity_leaves_the_renderer_as_a_plain_page_does(
    tmp_path: Path,
) -> None:
    """B4: a gzip bomb from a server that ignores ``Accept-Encoding: identity`` is small on the
    wire (512 MiB of zeros: 0.5 MiB), under any DOWNLOAD_MAXSIZE, and chromium decoded it: the
    renderer peaked at 639 MiB against 156 MiB for a plain page (1.15 GB for 1 GiB). Refused
    by the egress proxy, the bomb costs the renderer no more than 64 MiB above the plain
    page's peak (measured: 118 MiB against 156)."""
    if not Path(BROWSER).exists():
        pytest.skip(f"{BROWSER} is not installed")
    zeros = b"\0" * (1024 * 1024)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = b"".join(packer.compress(zeros) for _ in range(512)) + packer.flush()
    page = b"<html><body><article><h1>Story</h1><p>" + b"Words. " * 300 + b"</p></article>"
    plain_head = f"Content-Type: text/html\r\nContent-Length: {len(page)}\r\n".encode()
    bomb_head = (
        f"Content-Type: text/html\r\nContent-Encoding: gzip\r\nContent-Length: {len(bomb)}\r\n"
    )
    peaks = {}
    for name, (head, body) in {
        "plain": (plain_head, page),
        "bomb": (bomb_head.encode(), bomb),
    }.items():
        port, server = _one_answer(b"HTTP/1.1 200 OK\r\n" + head + b"\r\n", body)
        command = [
            str(Path(sys.executable).with_name("newsarc")), "crawl",
            f"http://127.0.0.1:{port}/page.html", "--out", str(tmp_path / name),
            "--render", "always", "-s", "ROBOTSTXT_OBEY=False", "-s", "RENDER_RETRY_TIMES=0",
            "-s", "NEWSARC_EXTRACT_WORKERS=0", "-s", "RENDER_SETTLE_TIMEOUT=1",
        ]  # fmt: skip
        peaks[name], code, err = _renderer_peak(command)
        server.join(timeout=30)
        assert "Traceback" not in err and (code == 0 or name == "bomb"), err
    print(f"renderer peak RSS: plain {peaks['plain'] >> 20} MiB, bomb {peaks['bomb'] >> 20} MiB")
    assert peaks["bomb"] - peaks["plain"] < 64 * 1024 * 1024, peaks
    for name, refused in (("plain", 0), ("bomb", 1)):
        (crawl_dir,) = (p for p in (tmp_path / name).iterdir() if p.is_dir())
        stats = crawl_stats(crawl_dir)
        assert stats.get("render/egress_encoded", 0) == refused, stats
        assert bool(crawl_items(crawl_dir)[0]) is not refused
