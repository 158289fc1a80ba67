"""One way to describe an HTTP exchange for the WARC writer, whoever fetched it.

Scrapy's HTTP client (:func:`exchange_from_scrapy`, at ``response_downloaded``) and the browser
(:meth:`crawler.render.capture.CapturedResponse.exchange`) both turn what they saw into an
:class:`~crawler.warc.writer.HttpExchange` through :func:`build_exchange`, so the records of a
plain and of a rendered fetch of the same URL have the same shape:

- the URL without user info;
- ``Host`` first, as HTTP sends it: no user info, the port only when it is not the scheme's
  default, an IPv6 literal in brackets; a ``Host`` header handed in is replaced by it;
- the other request headers in order, repeated names kept, without HTTP/2 pseudo-headers
  (``:authority``, …; chromium reports them) and without ``strip_headers`` (credentials);
- the request target (path and query) and the protocol as a status line names it
  (:func:`http_protocol`).

:class:`BrowserExchanges` is how a rendered page's own network traffic travels from the render
handler to the WARC extension (in ``response.meta``, see :mod:`crawler.warc.extension`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from crawler.warc.writer import HttpExchange

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence
    from datetime import datetime

    from scrapy.http import Headers, Request, Response

__all__ = ["BrowserExchanges", "build_exchange", "exchange_from_scrapy", "http_protocol"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class BrowserExchanges:
    """The network responses a browser received for one rendered page, ready to be written."""

    exchanges: tuple[HttpExchange, ...]
    """In the order they are written (the order they arrived in)."""
    document: int | None
    """Index in :attr:`exchanges` of the document the rendered DOM is of, if it was captured."""


def http_protocol(value: str | None) -> str:
    """The protocol as a status line names it (``HTTP/1.1``, ``HTTP/2``, ``HTTP/3``).

    Scrapy reports ``HTTP/1.1`` (or ``HTTP/1.0``) and ``h2``; chromium ``http/1.1``, ``h2``,
    ``h3`` or ``quic``. Anything unknown, or nothing, is written as ``HTTP/1.1``.
    """
    text = (value or "").strip()
    if text[:5].upper() == "HTTP/":
        return "HTTP/" + text[5:]
    lower = text.lower()
    if lower in ("h2", "h2c"):
        return "HTTP/2"
    if lower.startswith(("h3", "quic")):
        return "HTTP/3"
    return "HTTP/1.1"


def _host_header(hostname: str | None, port: int | None, scheme: str) -> str:
    host = hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"


def build_exchange(
    url: str,
    *,
    fetched_at: datetime,
    method: str,
    request_headers: Iterable[tuple[str, str]],
    request_body: bytes,
    status: int,
    response_headers: Sequence[tuple[str, str]],
    response_body: bytes,
    protocol: str | None,
    ip_address: str | None = None,
    strip_headers: Iterable[str] = (),
    extra_warc_headers: Mapping[str, str] | None = None,
) -> HttpExchange:
    """An :class:`HttpExchange` of ``url`` with ``Host``, target and protocol as HTTP sends them.

    ``response_headers`` and ``response_body`` are kept as given; see the module docstring for
    what is done to the URL and the request headers.
    """
    parts = urlsplit(url)
    host = _host_header(parts.hostname, parts.port, parts.scheme)
    if "@" in parts.netloc:
        url = urlunsplit(parts._replace(netloc=host))
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    stripped = {name.lower() for name in strip_headers}
    stripped.add("host")
    headers = [("Host", host)]
    headers.extend(
        (name, value)
        for name, value in request_headers
        if name.lower() not in stripped and not name.startswith(":")
    )
    return HttpExchange(
        url=url,
        fetched_at=fetched_at,
        method=method,
        request_target=target,
        request_headers=headers,
        request_body=request_body,
        status=status,
        response_headers=response_headers,
        response_body=response_body,
        protocol=http_protocol(protocol),
        ip_address=ip_address,
        extra_warc_headers=dict(extra_warc_headers or {}),
    )


def _decode(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _header_pairs(headers: Headers) -> Iterator[tuple[str, str]]:
    for raw_name in headers:
        name = _decode(raw_name)
        for value in headers.getlist(raw_name):
            yield name, _decode(value)


def exchange_from_scrapy(
    request: Request,
    response: Response,
    fetched_at: datetime,
    strip_headers: Iterable[str] = (),
    extra_warc_headers: Mapping[str, str] | None = None,
) -> HttpExchange:
    """A Scrapy request/response pair (at ``response_downloaded``) as an :class:`HttpExchange`.

    Every header value is kept (``getlist``); the body is the response's, still content-encoded.
    """
    ip = response.ip_address
    return build_exchange(
        response.url,
        fetched_at=fetched_at,
        method=request.method,
        request_headers=_header_pairs(request.headers),
        request_body=request.body,
        status=response.status,
        response_headers=list(_header_pairs(response.headers)),
        response_body=response.body,
        protocol=response.protocol,
        ip_address=str(ip) if ip is not None else None,
        strip_headers=strip_headers,
        extra_warc_headers=extra_warc_headers,
    )
