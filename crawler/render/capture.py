"""What the browser fetched for one rendered page: its network responses, as plain values.

Scrapy never sees a browser's traffic (scrapy-playwright hands it the serialised DOM). A
:class:`BrowserCapture` is attached to the page (``page.on("response")``) and reads, while the
page is still open, the status, headers, protocol and body of every response of the resource
types it is asked to keep (by default the document and XHR/fetch data).
:meth:`CapturedResponse.exchange` turns each into an :class:`~crawler.warc.writer.HttpExchange`
with the builder plain HTTP uses (:func:`crawler.warc.exchange.build_exchange`), marked
``WARC-Newsarc-Capture: browser``; the render handler hands them to the WARC extension.

What such a record can and cannot claim: Playwright gives the body *after* the browser removed
any content coding, and no reason phrase. So ``Content-Encoding`` is dropped (the original goes
into ``WARC-Newsarc-Original-Content-Encoding``), the writer sets ``Content-Length`` to the
stored body (noting the original) and reconstructs the reason phrase. The protocol is the one
chromium reports (``HTTP/1.1`` when it reports none).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from playwright.async_api import Error as PlaywrightError

from crawler.warc.exchange import build_exchange

if TYPE_CHECKING:
    from collections.abc import Collection

    from playwright.async_api import Page
    from playwright.async_api import Response as PlaywrightResponse

    from crawler.warc.writer import HttpExchange

__all__ = ["BROWSER_CAPTURE", "BrowserCapture", "CapturedResponse"]

logger = logging.getLogger(__name__)

#: Value of ``WARC-Newsarc-Capture`` on records of the browser's own network responses.
BROWSER_CAPTURE = "browser; renderer=playwright; body=content-decoded"


@dataclass(frozen=True)
class CapturedResponse:
    """One network response the browser received for the page."""

    url: str
    fetched_at: datetime
    method: str
    resource_type: str
    navigation: bool
    """True for the main frame's navigation (the document and its redirects)."""
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    status: int
    response_headers: tuple[tuple[str, str], ...]
    body: bytes
    ip_address: str | None = None
    protocol: str | None = None
    """As chromium reports it (``http/1.1``, ``h2``, …); None if it did not say."""

    def exchange(self, strip_headers: Collection[str] = ()) -> HttpExchange:
        """The response as an :class:`HttpExchange` for the WARC writer (built as plain HTTP
        exchanges are, by :func:`~crawler.warc.exchange.build_exchange`)."""
        notes = {"WARC-Newsarc-Capture": BROWSER_CAPTURE}
        response_headers: list[tuple[str, str]] = []
        encodings: list[str] = []
        for name, value in self.response_headers:
            if name.lower() == "content-encoding":
                encodings.append(value)
            else:
                response_headers.append((name, value))
        if encodings:
            notes["WARC-Newsarc-Original-Content-Encoding"] = ", ".join(encodings)
        return build_exchange(
            self.url,
            fetched_at=self.fetched_at,
            method=self.method,
            request_headers=self.request_headers,
            request_body=self.request_body,
            status=self.status,
            response_headers=response_headers,
            response_body=self.body,
            protocol=self.protocol,
            ip_address=self.ip_address,
            strip_headers=strip_headers,
            extra_warc_headers=notes,
        )


@dataclass
class BrowserCapture:
    """Collects one page's network responses while the page is open."""

    resource_types: frozenset[str]
    max_body: int
    """Bytes; a larger body is not kept (counted in ``too_large``)."""
    record_ip: bool = True
    """False behind a proxy: the browser then only knows the proxy's address."""
    page: Page | None = None
    """The page now rendering the request."""
    pages: list[Page] = field(default_factory=list)
    """Every page opened for the request (scrapy-playwright opens another after a crash)."""
    responses: list[CapturedResponse] = field(default_factory=list)
    skipped: int = 0
    too_large: int = 0
    failed: int = 0
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def attach(self, page: Page, _request: Any = None) -> None:
        """``playwright_page_init_callback``: remember the page (so it can always be closed)."""
        self.page = page
        self.pages.append(page)
        if len(self.pages) > 1:  # the previous page died with its browser; start afresh
            self.responses.clear()

    def on_response(self, response: PlaywrightResponse) -> None:
        """``page.on("response")`` handler: start reading the body while the page lives."""
        if response.request.resource_type not in self.resource_types:
            self.skipped += 1
            return
        task = asyncio.ensure_future(self._read(response, datetime.now(UTC)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read(self, response: PlaywrightResponse, fetched_at: datetime) -> None:
        request = response.request
        try:
            # Three small questions to the driver at once: the page may close any moment.
            headers, request_headers, protocol = await asyncio.gather(
                response.headers_array(), request.headers_array(), response.http_version()
            )
            status = response.status
            body = b"" if 300 <= status < 400 else await response.body()
            address = await response.server_addr() if self.record_ip else None
        except PlaywrightError as exc:
            # Typically the page closed or navigated away before the body arrived.
            self.failed += 1
            logger.debug("Could not read browser response %s: %s", response.url, exc)
            return
        if len(body) > self.max_body:
            self.too_large += 1
            logger.warning(
                "Browser response %s not archived: %d bytes is above the %d-byte limit",
                response.url,
                len(body),
                self.max_body,
            )
            return
        main_frame = self.page.main_frame if self.page is not None else None
        self.responses.append(
            CapturedResponse(
                url=response.url,
                fetched_at=fetched_at,
                method=request.method,
                resource_type=request.resource_type,
                navigation=request.is_navigation_request() and request.frame == main_frame,
                request_headers=tuple((h["name"], h["value"]) for h in request_headers),
                request_body=request.post_data_buffer or b"",
                status=status,
                response_headers=tuple((h["name"], h["value"]) for h in headers),
                body=body,
                ip_address=address["ipAddress"] if address else None,
                protocol=protocol or None,
            )
        )

    async def settle(self, page: Page, idle_ms: float) -> None:
        """Page method: wait (bounded) for network quiet, then for the bodies being read."""
        if idle_ms > 0:  # Playwright reads a timeout of 0 as "no timeout"
            with contextlib.suppress(PlaywrightError):  # PlaywrightTimeoutError included
                await page.wait_for_load_state("networkidle", timeout=idle_ms)
        if self._tasks:  # bodies being read; a second at least, or the document may be lost
            await asyncio.wait(set(self._tasks), timeout=max(idle_ms / 1000, 1.0))

    def discard_pending(self) -> int:
        """Cancel body reads still running (the page is gone); return how many."""
        pending = [task for task in self._tasks if not task.done()]
        for task in pending:
            task.cancel()
        return len(pending)

    def document(self, final_url: str) -> CapturedResponse | None:
        """The main document's response: the last navigation response for ``final_url``."""
        navigations = [r for r in self.responses if r.navigation]
        for captured in reversed(navigations):
            if captured.url == final_url:
                return captured
        return navigations[-1] if navigations else None
