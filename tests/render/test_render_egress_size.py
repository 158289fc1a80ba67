"""``DOWNLOAD_MAXSIZE`` holds for the browser too: its egress proxy gives no answer for a
response that declares more, and cuts one off that sends more (no chromium needed here)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from pathlib import Path

import pytest

from crawler.demo.server import Route, SiteServer
from crawler.middlewares.ssrf import AllowList
from crawler.render.egress import EgressGuardProxy
from tests.conftest import crawl_items, run_newsarc
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
