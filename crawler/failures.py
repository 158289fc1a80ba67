"""Named reasons for failed fetches: one short code per kind of failure, for the ledger and stats.

Scrapy reports a failed download as whatever exception the handler raised, and several of them
say little by name (``ResponseDataLossError``, ``DownloadCancelledError``,
``DownloadFailedError`` wrapping Twisted's ``ResponseNeverReceived`` with an OpenSSL error
inside). :func:`fetch_failure` maps the exception to a stable code and a one-line detail, so the
frontier ledger says ``failed(data_loss: …)`` or ``failed(tls_handshake: …)`` and the stats count
``newsarc/fetch_failed/<code>``.

Codes: ``http_<status>``, ``ignored``, ``redirect_loop`` (a redirect back into the request's own
chain, :mod:`crawler.middlewares.redirects`), ``too_many_redirects`` (``REDIRECT_MAX_TIMES``
reached), ``too_large`` (``DOWNLOAD_MAXSIZE`` reached, declared,
streamed or while decoding), ``cancelled`` (at shutdown), ``data_loss`` (the connection closed
or was reset before the body was complete), ``connection_lost``, ``connection_refused``,
``dns``, ``timeout``, ``render_timeout`` (a rendered page over its navigation or page budget,
cut off), ``tls_handshake`` (the TLS handshake failed; the detail names OpenSSL's
reason), ``bad_response`` (a response head the HTTP client refused: conflicting
``Content-Length`` headers, an invalid header name, a malformed status line), ``no_response``
(the server closed the connection before a whole response head came; Twisted also closes it so
when a header line is longer than 16 KiB), and the exception's class name for anything else.
"""

from __future__ import annotations

from OpenSSL import SSL
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionDone,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ParseError
from twisted.web.client import ResponseFailed
from twisted.web.http_headers import InvalidHeaderName

from crawler.exceptions import RenderTimeout

__all__ = ["REDIRECT_LOOP", "fetch_failure", "tls_error"]

#: How the ``IgnoreRequest`` of a refused redirect loop begins.
REDIRECT_LOOP = "redirect loop"

_SIZE_WORDS = ("DOWNLOAD_MAXSIZE", "download max size")
_MAX_REDIRECTS = "max redirections reached"  # Scrapy's redirect middlewares


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc``, what it was raised from, and the failures a Twisted ``ResponseFailed`` holds."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < 20:
        current = todo.pop(0)
        if any(current is s for s in seen):
            continue
        seen.append(current)
        if current.__cause__ is not None:
            todo.append(current.__cause__)
        if isinstance(current, ResponseFailed):
            todo.extend(
                r.value for r in current.reasons if isinstance(r, Failure) and r.value is not None
            )
    return seen


def tls_error(exc: BaseException) -> str | None:
    """OpenSSL's reason when ``exc`` comes from a failed TLS handshake, else None."""
    for cause in _causes(exc):
        if isinstance(cause, SSL.Error):
            # pyOpenSSL: args[0] is a list of (library, function, reason) triples.
            reasons = [r[2] for r in cause.args[0] if len(r) == 3 and r[2]] if cause.args else []
            return ", ".join(reasons) or str(cause) or "TLS error"
    return None


def _bad_response(exc: BaseException) -> tuple[str, str] | None:
    """``bad_response`` or ``no_response`` when Twisted's client gave up on the response head."""
    causes = _causes(exc)
    for cause in causes:
        # InvalidHeaderName is a ValueError; so is "Invalid response: conflicting
        # Content-Length headers"; ParseError covers bad status lines and header lines.
        if isinstance(cause, InvalidHeaderName):
            return "bad_response", f"the response head was refused: invalid header name {cause}"
        if isinstance(cause, ParseError | ValueError):
            return "bad_response", f"the response head was refused: {cause}"
    never = [c for c in causes if isinstance(c, ResponseFailed)]
    if never and all(
        isinstance(r.value, ConnectionDone) for n in never for r in n.reasons if r.value is not None
    ):
        return "no_response", (
            "the connection closed before a whole response head arrived (a header line over "
            "16 KiB ends it so too)"
        )
    return None


def fetch_failure(exc: BaseException | None, *, closing: bool = False) -> tuple[str, str]:
    """``(code, detail)`` for a fetch that failed with ``exc`` (see the module docstring).

    ``closing``: the crawl is shutting down (a download cancelled then was not too large).
    """
    if exc is None:
        return "unknown", "the download failed without an error"
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}", f"HTTP {exc.response.status}"
    text = str(exc)
    if isinstance(exc, IgnoreRequest):
        if any(word in text for word in _SIZE_WORDS):
            return "too_large", text
        if text.startswith(REDIRECT_LOOP):
            return "redirect_loop", text
        if text == _MAX_REDIRECTS:
            return "too_many_redirects", "more redirects than REDIRECT_MAX_TIMES"
        return "ignored", text or "ignored"
    if isinstance(exc, DownloadCancelledError):
        if any(word in text for word in _SIZE_WORDS):
            return "too_large", text  # declared larger than the limit
        if not text and not closing:
            # Scrapy's HTTP handler cancels a download without a word once more than
            # DOWNLOAD_MAXSIZE bytes streamed in (timeouts raise DownloadTimeoutError).
            return "too_large", "more than DOWNLOAD_MAXSIZE bytes arrived; download cancelled"
        return "cancelled", text or "download cancelled"
    if isinstance(exc, ResponseDataLossError):
        return "data_loss", "the connection ended before the whole body arrived"
    tls = tls_error(exc)
    if tls is not None:
        return "tls_handshake", f"TLS handshake failed: {tls}"
    if isinstance(exc, DNSLookupError | CannotResolveHostError):
        return "dns", text
    if isinstance(exc, RenderTimeout):  # its text may carry Playwright's call log: one line
        return "render_timeout", text.splitlines()[0] if text else "rendering timed out"
    if isinstance(exc, TimeoutError | TCPTimedOutError | DownloadTimeoutError):
        return "timeout", text
    if isinstance(exc, ConnectionRefusedError | DownloadConnectionRefusedError):
        return "connection_refused", text or "connection refused"
    if isinstance(exc, DownloadFailedError | ResponseFailed):
        bad = _bad_response(exc)
        if bad is not None:
            return bad
    if isinstance(exc, DownloadFailedError | ResponseFailed | ConnectionLost):
        return "connection_lost", text or "the connection was lost"
    return type(exc).__name__, text or type(exc).__name__
