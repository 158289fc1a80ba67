"""A news site spread over many host names, which counts per host what the crawl does to it.

``h<k>.many.test`` (k < ``hosts``) each serve ``pages`` articles; the home page at ``many.test``
links every one of them, so the crawl has all the hosts' pages queued at once. Every article is
answered after ``delay`` seconds, so requests to one host overlap unless the crawl holds them
back. The server listens on 127.0.0.1–127.0.0.8 (one port); a stub DNS (tests/dns_server.py)
maps the names there (:meth:`ManyHostsSite.names`).

Counted at the server, per host name (the ``Host`` header): the most requests in flight at once
(:attr:`~ManyHostsSite.peak_in_flight`), the most connections open at once
(:attr:`~ManyHostsSite.peak_connections`: a connection belongs to the host of its first request,
from then until it closes), and over all hosts the most requests in flight
(:attr:`~ManyHostsSite.peak_total`).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

ADDRESSES = [f"127.0.0.{i}" for i in range(1, 9)]


class ManyHostsSite:
    def __init__(self, hosts: int, pages: int, *, delay: float = 0.2) -> None:
        self.hosts, self.pages, self.delay = hosts, pages, delay
        self.peak_in_flight: Counter[str] = Counter()
        self.peak_connections: Counter[str] = Counter()
        self.peak_total = 0
        self.served: Counter[str] = Counter()
        self._in_flight: Counter[str] = Counter()
        self._connections: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []
        self.port = 0

    def host(self, k: int) -> str:
        return f"h{k}.many.test"

    def names(self) -> dict[str, str]:
        """Host name → address, for the stub DNS."""
        table = {"many.test": ADDRESSES[0]}
        table.update({self.host(k): ADDRESSES[k % len(ADDRESSES)] for k in range(self.hosts)})
        return table

    @property
    def start_url(self) -> str:
        return f"http://many.test:{self.port}/"

    def _home(self) -> bytes:
        links = "".join(
            f'<li><a href="http://{self.host(k)}:{self.port}/a{n}.html">Story {k}-{n}</a></li>'
            for n in range(self.pages)
            for k in range(self.hosts)
        )
        return f"<!doctype html><title>Many</title><h1>Many hosts</h1><ul>{links}</ul>".encode()

    def _article(self, host: str, path: str) -> bytes:
        text = f"Story {path} on {host}. " + "Words of the day's story. " * 60
        return (
            f"<!doctype html><html lang=en><head><title>{path} | Many</title></head><body>"
            f"<article><h1>Story {path} on {host}</h1><p>{text}</p></article></body></html>"
        ).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            _host = ""

            def handle(self) -> None:
                try:
                    super().handle()
                finally:
                    if self._host:
                        with site._lock:
                            site._connections[self._host] -= 1

            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
                with site._lock:
                    if not self._host:
                        self._host = host
                        site._connections[host] += 1
                        site.peak_connections[host] = max(
                            site.peak_connections[host], site._connections[host]
                        )
                    site._in_flight[host] += 1
                    site.peak_in_flight[host] = max(
                        site.peak_in_flight[host], site._in_flight[host]
                    )
                    site.peak_total = max(site.peak_total, sum(site._in_flight.values()))
                try:
                    self._answer(host)
                finally:
                    with site._lock:
                        site._in_flight[host] -= 1

            def _answer(self, host: str) -> None:
                status, ctype, body = 404, "text/plain", b"not found"
                if self.path == "/robots.txt":
                    status, body = 200, b"User-agent: *\n"
                elif self.path == "/" and host == "many.test":
                    status, ctype, body = 200, "text/html; charset=utf-8", site._home()
                elif self.path.startswith("/a") and self.path.endswith(".html"):
                    time.sleep(site.delay)
                    status, ctype = 200, "text/html; charset=utf-8"
                    body = site._article(host, self.path)
                    with site._lock:
                        site.served[host] += 1
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> Self:
        handler = self._handler()
        for address in ADDRESSES:
            server = ThreadingHTTPServer((address, self.port), handler)
            server.daemon_threads = True
            self.port = server.server_address[1]
            self._servers.append(server)
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
