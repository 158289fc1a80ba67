"""The browser's egress proxy: checks at connection time, forwards what is allowed, and never
answers for a site it refused (no chromium needed: a raw socket client stands in for it)."""

from __future__ import annotations

import asyncio

from crawler.demo.server import Route, SiteServer
from crawler.middlewares.ssrf import AllowList
from crawler.render.egress import EgressGuardProxy


def _proxy(allowed: list[str]) -> tuple[EgressGuardProxy, list[str]]:
    refused: list[str] = []
    allow = AllowList.build(allowed, [])
    proxy = EgressGuardProxy(
        lambda: allow,
        lambda target, why: refused.append(target),
        lambda target, why: refused.append(f"unresolved {target}"),
    )
    return proxy, refused


async def _exchange(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    return data


def test_vet_refuses_private_targets_unless_allowed() -> None:
    async def run() -> None:
        proxy, _ = _proxy(["http://127.0.0.1:8080/"])
        assert await proxy.vet("127.0.0.1", 8080) == (["127.0.0.1"], None)
        for host in ("127.0.0.1", "10.0.0.1", "169.254.169.254", "2130706433", "::1"):
            addresses, why = await proxy.vet(host, 9)
            assert addresses == [] and why and "loopback, private or link-local" in why
        addresses, why = await proxy.vet("localhost", 9)
        assert addresses == [] and why and why.startswith("localhost resolves to")
        assert (await proxy.vet("93.184.216.34", 80)) == (["93.184.216.34"], None)

    asyncio.run(run())


def test_allowed_requests_are_forwarded_with_connection_close() -> None:
    async def run() -> None:
        with SiteServer({"/x": Route.text("hello")}) as site:
            proxy, refused = _proxy([site.url("/")])
            port = await proxy.start()
            try:
                data = await _exchange(
                    port,
                    f"GET {site.url('/x')} HTTP/1.1\r\nHost: 127.0.0.1:{site.port}\r\n"
                    "Proxy-Connection: keep-alive\r\n\r\n".encode(),
                )
            finally:
                await proxy.close()
            assert site.requested_paths == ["/x"]
            assert data.startswith(b"HTTP/1.1 200") and data.endswith(b"hello")
            assert b"Connection: close" in data and refused == []

    asyncio.run(run())


def test_refused_requests_get_no_answer_and_never_reach_the_target() -> None:
    async def run() -> None:
        with SiteServer({"/x": Route.text("secret")}) as canary:
            proxy, refused = _proxy(["http://127.0.0.1:1/"])
            port = await proxy.start()
            try:
                plain = await _exchange(port, f"GET {canary.url('/x')} HTTP/1.1\r\n\r\n".encode())
                tunnel = await _exchange(
                    port, f"CONNECT localhost:{canary.port} HTTP/1.1\r\n\r\n".encode()
                )
            finally:
                await proxy.close()
            assert canary.requested_paths == []
            assert plain == b""  # nothing that could pass for the site's answer
            assert tunnel.startswith(b"HTTP/1.1 403")
            assert refused == [f"127.0.0.1:{canary.port}", f"localhost:{canary.port}"]

    asyncio.run(run())
