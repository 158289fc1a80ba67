"""The size of a rendered page's document, counted as chromium receives it (``RENDER_MAXSIZE``).

An honest page under ``DOWNLOAD_MAXSIZE`` is cheap for Scrapy and dear for the browser: the
renderer holds its DOM, layout and text at about 200 MiB per MiB of HTML, and more than
linearly (1 MiB: 205 MiB, 4 MiB: 559 MiB, 12 MiB: 2,432 MiB peak RSS, ``bench/render_rss.py``),
and ``MEMUSAGE_LIMIT_MB`` counts only the crawl's own process. So the main frame's document
may be at most ``RENDER_MAXSIZE`` bytes (decoded) in the browser: :class:`DocumentSizeGuard`
listens to the page's DevTools network events (its own CDP session, so HTTPS is counted as
well as plain HTTP, after any content coding is removed), and when the document declares more
(``Content-Length``) or has sent more, it closes the page at once. The render handler then
fetches the page without the browser (archived and extracted as a plain page, counted).

Only the main frame's document counts: subresources keep ``DOWNLOAD_MAXSIZE`` (the egress
proxy), and a script that builds a huge DOM from a small document is bounded by the page's
time budget only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from playwright.async_api import Error as PlaywrightError

if TYPE_CHECKING:
    from playwright.async_api import CDPSession, Page

__all__ = ["DocumentSizeGuard"]

logger = logging.getLogger(__name__)

# Seconds for the close; a page caught mid-navigation may never answer it (its context is
# closed then, as for any page that will not close).
_CLOSE_TIMEOUT = 2.0


@dataclass
class DocumentSizeGuard:
    """Closes a page whose main document grows past ``max_bytes`` (0: no limit)."""

    max_bytes: int
    tripped: int = 0
    """The bytes declared or received when the guard closed the page (0: it did not)."""
    url: str = ""
    """The document that was too large."""
    _main_frame: str = ""
    _documents: dict[str, str] = field(default_factory=dict)  # request id → URL
    _received: dict[str, int] = field(default_factory=dict)
    rendering: asyncio.Future[Any] | None = None
    """The download to cancel when the document is too large (scrapy-playwright would take
    the closed page for a crash and render the page again in a new one)."""
    _page: Page | None = None
    _session: CDPSession | None = None
    _closing: asyncio.Task[None] | None = None

    async def attach(self, page: Page) -> None:
        """Start counting for ``page`` (a new page after a crash starts afresh)."""
        if not self.max_bytes or self.tripped:
            return
        self._page = page
        self._documents.clear()
        self._received.clear()
        session = await page.context.new_cdp_session(page)
        tree = await session.send("Page.getFrameTree")
        self._main_frame = str(tree["frameTree"]["frame"]["id"])
        session.on("Network.responseReceived", self._on_response)
        session.on("Network.dataReceived", self._on_data)
        await session.send("Network.enable")
        self._session = session

    def _on_response(self, event: dict[str, Any]) -> None:
        if event.get("type") != "Document" or event.get("frameId") != self._main_frame:
            return
        request_id = str(event["requestId"])
        response = event.get("response") or {}
        self._documents[request_id] = str(response.get("url", ""))
        self._received[request_id] = 0
        for name, value in (response.get("headers") or {}).items():
            if name.lower() == "content-length":
                with contextlib.suppress(ValueError):
                    self._check(request_id, int(str(value).split(",")[0]))

    def _on_data(self, event: dict[str, Any]) -> None:
        request_id = str(event.get("requestId"))
        if request_id in self._received:
            self._received[request_id] += int(event.get("dataLength") or 0)
            self._check(request_id, self._received[request_id])

    def _check(self, request_id: str, size: int) -> None:
        if size <= self.max_bytes or self.tripped or self._page is None:
            return
        self.tripped = size
        self.url = self._documents.get(request_id, "")
        if self.rendering is not None:
            self.rendering.cancel()
        # Closing the page ends its renderer (and the memory it was filling) at once.
        self._closing = asyncio.ensure_future(self._close(self._page))

    @staticmethod
    async def _close(page: Page) -> None:
        try:
            await asyncio.wait_for(page.close(), timeout=_CLOSE_TIMEOUT)
        except (PlaywrightError, TimeoutError) as exc:  # the handler closes its context then
            logger.debug("Could not close %s for its document's size: %r", page.url, exc)

    async def wait_closed(self) -> None:
        """Wait for the close the guard started, if any."""
        if self._closing is not None:
            await asyncio.shield(self._closing)
