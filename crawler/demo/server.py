"""Local HTTP servers for tests and ``newsarc demo``: stdlib ``ThreadingHTTPServer`` on 127.0.0.1.

:class:`SiteServer` serves a mapping of path → :class:`Route` (or a callable that picks the
route per request) from a daemon thread, bound to port 0 so the OS picks a free port. It speaks
HTTP/1.1 with ``Content-Length`` (keep-alive works), answers HEAD, gzips text responses for
clients that send ``Accept-Encoding: gzip`` (with ``Vary: Accept-Encoding``), can delay or drop
a response, and logs every request it receives in :attr:`SiteServer.requests`. It writes nothing
to stderr. :class:`DemoServer` serves a :class:`~crawler.demo.site.DemoSite`.

Usage::

    with SiteServer({"/": Route.html("<p>hi</p>"), "/old": Route.redirect("/")}) as server:
        fetch(server.base_url + "/")
        assert [path for _, path, _ in server.requests] == ["/"]
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import mimetypes
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Self, cast
from urllib.parse import urlsplit

from crawler.demo.site import DemoSite

if TYPE_CHECKING:
    from types import TracebackType

__all__ = [
    "DemoServer",
    "RecordedRequest",
    "RequestHeaders",
    "Route",
    "RouteHandler",
    "SiteServer",
    "routes_from_directory",
    "routes_from_files",
    "serve_demo",
]

logger = logging.getLogger(__name__)

_HTML = "text/html; charset=utf-8"
# Content types worth compressing; images and archives are left alone.
_COMPRESSIBLE = ("text/", "application/xml", "application/json", "application/javascript")
_COMPRESSIBLE_SUFFIXES = ("+xml", "+json")


def _header_pairs(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)


@dataclass(frozen=True)
class Route:
    """One canned response: ``Route(200, {"Content-Type": "text/html"}, b"<p>hi</p>")``.

    ``headers`` is a mapping, or a sequence of (name, value) pairs when a header repeats.
    ``Content-Length`` is always computed by the server. ``delay`` (seconds) sleeps before
    answering; ``abort`` closes the connection without any response; ``compress=False`` never
    gzips, whatever the client accepts.
    """

    status: int = 200
    headers: Mapping[str, str] | tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    delay: float = 0.0
    abort: bool = False
    compress: bool = True

    def header_pairs(self) -> list[tuple[str, str]]:
        """The headers as (name, value) pairs, repeats kept."""
        return _header_pairs(self.headers)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        wanted = name.lower()
        return next((v for k, v in self.header_pairs() if k.lower() == wanted), None)

    @classmethod
    def content(
        cls,
        body: bytes | str,
        content_type: str,
        status: int = 200,
        *,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        delay: float = 0.0,
    ) -> Self:
        """A response of ``content_type``; a ``str`` body is encoded as UTF-8."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        pairs = (("Content-Type", content_type), *_header_pairs(headers))
        return cls(status, pairs, data, delay=delay)

    @classmethod
    def html(
        cls,
        body: bytes | str,
        status: int = 200,
        *,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        delay: float = 0.0,
    ) -> Self:
        """An HTML page (``text/html; charset=utf-8``)."""
        return cls.content(body, _HTML, status, headers=headers, delay=delay)

    @classmethod
    def text(
        cls,
        body: bytes | str,
        status: int = 200,
        *,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    ) -> Self:
        """A plain-text response (``text/plain; charset=utf-8``)."""
        return cls.content(body, "text/plain; charset=utf-8", status, headers=headers)

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Self:
        """A redirect to ``location`` (absolute URL or root-relative path)."""
        body = f'<html><body><a href="{escape(location)}">Moved</a></body></html>\n'
        return cls.content(body, _HTML, status, headers={"Location": location})

    @classmethod
    def not_found(cls) -> Self:
        """The default 404 page."""
        return cls.html("<html><body><h1>404 Not Found</h1></body></html>\n", 404)

    @classmethod
    def file(cls, path: Path | str) -> Self:
        """A file from disk, with a content type guessed from its name."""
        file_path = Path(path)
        return cls.content(file_path.read_bytes(), _guess_type(file_path.name))


def _guess_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name)
    content_type = guessed or "application/octet-stream"
    if content_type.startswith("text/") or content_type in ("application/javascript",):
        content_type += "; charset=utf-8"
    return content_type


def routes_from_files(files: Mapping[str, bytes | str]) -> dict[str, Route]:
    """Routes for a dict of root-relative path → content (``str`` is UTF-8 encoded).

    The content type is guessed from each path's suffix; a path ending in ``/`` is HTML.
    """
    routes: dict[str, Route] = {}
    for path, body in files.items():
        key = path if path.startswith("/") else f"/{path}"
        content_type = _HTML if key.endswith("/") else _guess_type(key)
        routes[key] = Route.content(body, content_type)
    return routes


def routes_from_directory(root: Path | str, prefix: str = "/") -> dict[str, Route]:
    """Routes for every file under ``root``, served at ``prefix`` + its relative path.

    A directory's ``index.html`` is also served at the directory's path (``/dir/``). Files are
    read once, now.
    """
    base = Path(root)
    mount = prefix if prefix.endswith("/") else f"{prefix}/"
    routes: dict[str, Route] = {}
    for file_path in sorted(p for p in base.rglob("*") if p.is_file()):
        relative = file_path.relative_to(base).as_posix()
        route = Route.file(file_path)
        routes[mount + relative] = route
        if file_path.name == "index.html":
            routes[mount + relative.removesuffix("index.html")] = route
    return routes


class RequestHeaders(Mapping[str, str]):
    """Request headers as received: case-insensitive lookup, repeated headers kept."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._pairs = list(pairs)
        self._first: dict[str, str] = {}
        self._names: dict[str, str] = {}
        for name, value in self._pairs:
            self._first.setdefault(name.lower(), value)
            self._names.setdefault(name.lower(), name)

    def __getitem__(self, name: str) -> str:
        return self._first[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._first

    def __iter__(self) -> Iterator[str]:
        return iter(self._names.values())

    def __len__(self) -> int:
        return len(self._first)

    def get_all(self, name: str) -> list[str]:
        """Every value of header ``name``, in order."""
        wanted = name.lower()
        return [value for key, value in self._pairs if key.lower() == wanted]

    def items_all(self) -> list[tuple[str, str]]:
        """Every (name, value) pair as received."""
        return list(self._pairs)

    def __repr__(self) -> str:
        return f"RequestHeaders({self._pairs!r})"


class RecordedRequest(NamedTuple):
    """A request the server received: unpacks as ``(method, path, headers)``."""

    method: str
    path: str
    """The request target as sent, query string included."""
    headers: RequestHeaders


#: Picks the route for (request path with query, request headers); ``None`` means 404.
RouteHandler = Callable[[str, RequestHeaders], "Route | None"]


def _accepts_gzip(accept_encoding: str | None) -> bool:
    for part in (accept_encoding or "").split(","):
        coding, _, params = part.partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            return True
    return False


def _compressible(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith(_COMPRESSIBLE) or media.endswith(_COMPRESSIBLE_SUFFIXES)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "newsarc-demo/1"
    # Idle keep-alive connections are closed after this many seconds.
    timeout = 30
    # Headers and body go out in separate writes; with Nagle's algorithm on, the body waits
    # for the client's delayed ACK (~40 ms a response on keep-alive connections).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the server never writes to stderr."""

    def _respond(self, *, head: bool) -> None:
        owner = cast("_HTTPServer", self.server).owner
        headers = RequestHeaders(self.headers.items())
        owner._record(RecordedRequest(self.command, self.path, headers))
        route = owner.resolve(self.path, headers) or owner.not_found
        if route.delay:
            time.sleep(route.delay)
        if route.abort:
            self.close_connection = True
            return
        body = route.body
        response_headers = [
            (k, v) for k, v in route.header_pairs() if k.lower() != "content-length"
        ]
        if route.compress and body and _compressible(route.header("Content-Type")):
            response_headers.append(("Vary", "Accept-Encoding"))
            if route.header("Content-Encoding") is None and _accepts_gzip(
                headers.get("Accept-Encoding")
            ):
                body = gzip.compress(body, mtime=0)
                response_headers.append(("Content-Encoding", "gzip"))
        self.send_response(route.status)
        for name, value in response_headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and route.status not in (204, 304):
            self.wfile.write(body)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: SiteServer, address: tuple[str, int]) -> None:
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections so they end."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        # Clients hanging up mid-response (timeouts, cancelled downloads) are routine here.
        logger.debug("error while serving %s", client_address, exc_info=True)


class SiteServer:
    """Serve ``routes`` on ``http://127.0.0.1:<free port>`` from a daemon thread.

    ``routes`` maps a path (matched with its query string first, then without) to a
    :class:`Route`, or is a :data:`RouteHandler` callable. Unknown paths get ``not_found``.
    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        routes: Mapping[str, Route] | RouteHandler | None = None,
        *,
        not_found: Route | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.routes: Mapping[str, Route] | RouteHandler = routes if routes is not None else {}
        self.not_found = not_found or Route.not_found()
        self.host = host
        self.bind_port = port  # 0: a free one
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None
        self._requests: list[RecordedRequest] = []
        self._requests_lock = threading.Lock()

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> Self:
        """Bind a free port and serve in a daemon thread. Calling it again does nothing."""
        if self._httpd is not None:
            return self
        httpd = _HTTPServer(self, (self.host, self.bind_port))
        port = httpd.server_address[1]
        self._base_url = f"http://{self.host}:{port}"
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"newsarc-demo-server-{port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the port and any open connections. Safe to call twice."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._httpd = self._thread = None
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses ----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash); still readable after :meth:`stop`."""
        if self._base_url is None:
            raise RuntimeError("the server has not been started")
        return self._base_url

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def url(self, path: str = "/") -> str:
        """Absolute URL of a root-relative ``path``."""
        return self.base_url + path

    # -- requests log -------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in arrival order."""
        with self._requests_lock:
            return list(self._requests)

    @property
    def requested_paths(self) -> list[str]:
        """The path (query included) of every request received so far."""
        return [request.path for request in self.requests]

    def clear_requests(self) -> None:
        """Forget the requests received so far."""
        with self._requests_lock:
            self._requests.clear()

    def _record(self, request: RecordedRequest) -> None:
        with self._requests_lock:
            self._requests.append(request)

    # -- routing ------------------------------------------------------------------------

    def resolve(self, target: str, headers: RequestHeaders) -> Route | None:
        """The route for a request target (path and query), or ``None`` for 404."""
        if callable(self.routes):
            return self.routes(target, headers)
        route = self.routes.get(target)
        if route is None:
            route = self.routes.get(urlsplit(target).path)
        return route


class DemoServer(SiteServer):
    """Serve a :class:`~crawler.demo.site.DemoSite`; absolute URLs use this server's address."""

    def __init__(self, site: DemoSite | None = None) -> None:
        super().__init__()
        self.site = site if site is not None else DemoSite()

    def resolve(self, target: str, headers: RequestHeaders) -> Route:
        base_url = self.base_url
        response = self.site.render(target, base_url) or self.site.render_not_found(base_url)
        pairs = (("Content-Type", response.content_type), *response.headers.items())
        return Route(response.status, pairs, response.body)


def serve_demo(n_articles: int = 36) -> DemoServer:
    """Build a demo site of ``n_articles`` and start serving it (stop it, or use ``with``)."""
    return DemoServer(DemoSite(n_articles)).start()
