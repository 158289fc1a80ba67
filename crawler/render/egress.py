"""An egress proxy that lets the browser reach only addresses the SSRF guard allows.

Chromium resolves host names itself, follows redirects without asking Playwright's routing,
and opens WebSockets that routing never sees; checking URLs in Python before chromium connects
leaves all of that open (and is racy: DNS may answer differently a moment later). So, while the
guard is on, chromium sends *all* its traffic (``--proxy-server``, loopback included with
``--proxy-bypass-list=<-loopback>``) through this small forward proxy on 127.0.0.1, which
resolves each target once (through the crawl's own resolver when it is given one), refuses it
when an address is not globally routable
(:func:`~crawler.middlewares.ssrf.is_forbidden_address`) unless the crawl's allow-list
(:class:`~crawler.middlewares.ssrf.AllowList`) admits it, and then connects to the very
address it checked.

``CONNECT`` tunnels (HTTPS, WebSockets over TLS) are refused with ``403`` (chromium reports a
tunnel failure); a refused plain-HTTP request gets its connection closed without any response,
so nothing the proxy says can be mistaken for the site's answer. Plain-HTTP requests are sent
upstream with ``Connection: close`` (one request per connection), which keeps the proxy simple.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from twisted.internet.error import DNSLookupError

from crawler.middlewares.ssrf import AllowList, BlockedAddress, is_forbidden_address, parse_ip

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["EgressGuardProxy"]

logger = logging.getLogger(__name__)

_HEAD_LIMIT = 64 * 1024  # bytes of request line and headers
_HOP_HEADERS = frozenset({"proxy-connection", "proxy-authorization", "connection", "keep-alive"})
_CHUNK = 64 * 1024


class EgressGuardProxy:
    """A forward proxy on 127.0.0.1 that refuses forbidden destinations (checked at connect)."""

    def __init__(
        self,
        allow: Callable[[], AllowList],
        on_refused: Callable[[str, str], None],
        on_unresolved: Callable[[str, str], None],
        *,
        timeout: float = 30.0,
        resolve: Callable[[str], Awaitable[list[str]]] | None = None,
        max_bytes: int = 0,
        on_too_large: Callable[[str, int], None] | None = None,
        on_encoded: Callable[[str, str], None] | None = None,
    ) -> None:
        self.allow = allow
        self.max_bytes = max_bytes
        """Most bytes one response may send the browser (``DOWNLOAD_MAXSIZE``; 0: no cap): one
        that says it is larger gets no answer, one that grows larger is cut off there. Plain
        HTTP is asked for uncompressed bodies, so the count is their real size, and a plain
        HTTP answer with a body in a content coding all the same (a server that ignores
        ``Accept-Encoding: identity``: a 1 MiB gzip bomb is 1 GiB in the renderer, which peaked
        at 1.15 GB) gets no answer either (``on_encoded``); through an HTTPS tunnel the count
        is the bytes on the wire."""
        self.on_too_large = on_too_large
        self.on_encoded = on_encoded
        self.resolve = resolve
        """How host names are resolved: the crawl's own resolver (its DNS servers, its checks
        and pinned addresses, :class:`~crawler.middlewares.ssrf.GuardedResolver`), else
        ``getaddrinfo``."""
        self.on_refused = on_refused
        self.on_unresolved = on_unresolved
        self.timeout = timeout
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0
        self.errors = 0
        """Connections that ended in an error (timeouts, resets, malformed requests)."""

    async def start(self) -> int:
        """Listen on 127.0.0.1 (a free port); return the port."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=_HEAD_LIMIT)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(OSError):
                await self._server.wait_closed()
            self._server = None
        for task in list(self._tasks):
            task.cancel()

    async def vet(self, host: str, port: int) -> tuple[list[str], str | None]:
        """The addresses to connect to for ``host:port``, or why it is refused.

        A name that does not resolve gives no addresses and no reason.
        """
        allow = self.allow()
        address = parse_ip(host)
        if address is not None:
            if is_forbidden_address(address) and not (
                allow.allows(str(address), port) or allow.allows(host, port)
            ):
                return [], f"{address} is a loopback, private or link-local address"
            return [str(address)], None
        try:
            addresses = await asyncio.wait_for(self._resolve(host, port), timeout=self.timeout)
        except BlockedAddress as exc:
            return [], str(exc).removeprefix("blocked_ip: ")
        except (OSError, TimeoutError, DNSLookupError) as exc:
            self.on_unresolved(f"{host}:{port}", str(exc) or type(exc).__name__)
            return [], None
        if allow.allows_host(host):
            return addresses, None
        for candidate in addresses:
            resolved = parse_ip(candidate)
            if resolved is not None and is_forbidden_address(resolved):
                return (
                    [],
                    f"{host} resolves to {resolved}, a loopback, private or link-local address",
                )
        return addresses, None

    async def _resolve(self, host: str, port: int) -> list[str]:
        if self.resolve is not None:
            return await self.resolve(host)
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._handle(reader, writer)
        except (
            OSError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            TimeoutError,
        ) as exc:
            self.errors += 1
            logger.debug("Egress proxy connection ended: %s", exc)
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=self.timeout)
        request_line, _, header_block = head.partition(b"\r\n")
        try:
            method, target, version = request_line.decode("latin-1").split(" ", 2)
        except ValueError:
            return
        connect = method.upper() == "CONNECT"
        if connect:
            host, _, port_text = target.rpartition(":")
            host = host.strip("[]")
            path = ""
        else:
            parts = urlsplit(target)
            host = parts.hostname or ""
            port_text = str(parts.port or 80)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            port = int(port_text)
        except ValueError:
            return
        addresses, why = await self.vet(host, port)
        if why is not None:
            self.on_refused(f"{host}:{port}", why)
        if why is not None or not addresses:
            if connect:
                writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
            return
        upstream_reader, upstream_writer = await asyncio.wait_for(
            asyncio.open_connection(addresses[0], port), timeout=self.timeout
        )
        try:
            if connect:
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                await writer.drain()
            else:
                lines = [f"{method} {path} {version}".encode("latin-1")]
                for line in header_block.split(b"\r\n"):
                    name = line.split(b":", 1)[0].strip().decode("latin-1").lower()
                    if not line or name in _HOP_HEADERS:
                        continue
                    if self.max_bytes and name == "accept-encoding":
                        # Uncompressed, so the bytes counted against the cap are the bytes
                        # the browser holds (a gzip bomb counts at its decompressed size).
                        lines.append(b"Accept-Encoding: identity")
                    else:
                        lines.append(line)
                lines.append(b"Connection: close")
                upstream_writer.write(b"\r\n".join(lines) + b"\r\n\r\n")
                # Tell chromium too, or it sends its next request (for any host) on this
                # connection, which is tied to this upstream.
                response_head = await self._response_head(reader, upstream_reader, upstream_writer)
                if response_head is None:
                    return  # the browser gave up first (its page timed out or closed)
                declared = _content_length(response_head)
                if self.max_bytes and declared is not None and declared > self.max_bytes:
                    self._too_large(f"{host}:{port}{path}", declared)
                    return  # no answer: chromium fails the request
                coding = _content_coding(response_head)
                if self.max_bytes and coding and declared != 0:
                    # Its decoded size cannot be counted here: refused, as a too-large one is.
                    if self.on_encoded is not None:
                        self.on_encoded(f"{host}:{port}{path}", coding)
                    return
                writer.write(_closing(response_head))
            target = f"{host}:{port}{path}"

            def cut(size: int) -> None:
                self._too_large(target, size)

            pipes = {
                asyncio.ensure_future(_pipe(reader, upstream_writer)),
                asyncio.ensure_future(_pipe(upstream_reader, writer, self.max_bytes, cut)),
            }
            # One side done (the upstream answered and closed, or the client left): end both.
            _, pending = await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
        finally:
            upstream_writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await upstream_writer.wait_closed()

    async def _response_head(
        self,
        client: asyncio.StreamReader,
        upstream_reader: asyncio.StreamReader,
        upstream_writer: asyncio.StreamWriter,
    ) -> bytes | None:
        """The upstream's response head; None if the browser hangs up before it comes.

        The browser side is read meanwhile, so a server that never answers is let go the
        moment the browser gives up (a page's navigation budget then holds on the wire, not
        only this proxy's own timeout), and a request body is passed on as it comes.
        """
        head = asyncio.ensure_future(
            asyncio.wait_for(upstream_reader.readuntil(b"\r\n\r\n"), timeout=self.timeout)
        )
        try:
            while True:
                sent = asyncio.ensure_future(client.read(_CHUNK))
                done, _ = await asyncio.wait({head, sent}, return_when=asyncio.FIRST_COMPLETED)
                if head in done:
                    if sent.done():
                        upstream_writer.write(sent.result())
                    else:
                        sent.cancel()
                    return head.result()
                data = sent.result()
                if not data:
                    return None
                upstream_writer.write(data)
                await upstream_writer.drain()
        finally:
            head.cancel()

    def _too_large(self, target: str, size: int) -> None:
        if self.on_too_large is not None:
            self.on_too_large(target, size)


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return int(value.strip())
            except ValueError:
                return None
    return None


def _content_coding(head: bytes) -> str:
    """The response's content coding(s) other than ``identity`` (``""``: none)."""
    codings = []
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-encoding":
            codings += [c.strip() for c in value.decode("latin-1").lower().split(",")]
    return ", ".join(c for c in codings if c and c != "identity")


def _closing(head: bytes) -> bytes:
    """A response head with its connection headers replaced by ``Connection: close``."""
    lines = head.rstrip(b"\r\n").split(b"\r\n")
    kept = [lines[0]] + [
        line
        for line in lines[1:]
        if line.split(b":", 1)[0].strip().decode("latin-1").lower() not in _HOP_HEADERS
    ]
    kept += [b"Connection: close", b"Proxy-Connection: close"]
    return b"\r\n".join(kept) + b"\r\n\r\n"


async def _pipe(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    max_bytes: int = 0,
    on_too_large: Callable[[int], None] | None = None,
) -> None:
    sent = 0
    try:
        while data := await reader.read(_CHUNK):
            sent += len(data)
            if max_bytes and sent > max_bytes:
                if on_too_large is not None:
                    on_too_large(sent)
                writer.transport.abort()  # a reset, not an end: the browser sees it failed
                return
            writer.write(data)
            await writer.drain()
    except OSError as exc:
        logger.debug("Egress proxy pipe ended: %s", exc)
    finally:
        with contextlib.suppress(OSError):
            if writer.can_write_eof():
                writer.write_eof()
