"""Download handler for pages that need a browser: scrapy-playwright with limits and capture.

Installed for ``http`` and ``https`` in ``DOWNLOAD_HANDLERS``. Requests without
``meta["playwright"]`` go through Scrapy's own HTTP/1.1 handler unchanged (and the browser is
never started). For a request with it, :class:`RenderDownloadHandler`

* starts Playwright and chromium on first use (launch options come from
  ``PLAYWRIGHT_LAUNCH_OPTIONS``: ``executable_path`` ``/usr/bin/chromium``, no download);
* runs at most ``RENDER_CONCURRENT_PAGES`` pages at once, each within ``RENDER_PAGE_TIMEOUT``
  seconds in total (navigation is also bounded by ``PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT``);
  a page over its budget is cut off and fails with :class:`RenderTimeout`;
* always closes every page it opened, whatever happened (closing its context if the page will
  not close, the browser if the context will not);
* puts pages in contexts named ``render-<n>`` and recycles a context after
  ``RENDER_CONTEXT_MAX_PAGES`` pages (closed once its last page is done), so a long crawl does
  not grow; service workers are blocked so every request goes through the route checks;
* keeps the browser away from loopback, private and link-local addresses unless they are the
  crawl's own targets (the same :class:`~crawler.middlewares.ssrf.AllowList` as the Scrapy
  guard): Playwright routing refuses such URLs early, and all of chromium's traffic goes
  through :class:`~crawler.render.egress.EgressGuardProxy`, which checks the address it
  connects to (redirects, names chromium would resolve itself, WebSockets); routing also
  refuses whatever ``PLAYWRIGHT_ABORT_REQUEST`` rejects (media, fonts, images by default);
* records the browser's own network responses (:class:`~crawler.render.capture.BrowserCapture`)
  and hands them, as :class:`~crawler.warc.exchange.BrowserExchanges`, to the WARC extension in
  ``response.meta["newsarc_browser_exchanges"]``; the extension writes them (and nothing here
  writes WARC records) before the DOM's ``conversion`` record, which refers to the document's
  record (``WARC-Refers-To``), with its one failure path;
* keeps the main document within ``RENDER_MAXSIZE``
  (:class:`~crawler.render.docsize.DocumentSizeGuard`): a page whose document declares or
  sends more is closed at once and fetched without the browser instead (archived and
  extracted as a plain page, its response flagged ``render_too_large``), since the
  renderer's memory grows about 200-fold with it;
* turns a browser crash into :class:`BrowserCrashed`, which
  :class:`~crawler.render.retry.RenderRetryMiddleware` retries (scrapy-playwright relaunches
  the browser: ``PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER``).

Settings read: ``PLAYWRIGHT_*`` (by scrapy-playwright), ``RENDER_CONCURRENT_PAGES``,
``RENDER_PAGE_TIMEOUT``, ``RENDER_SETTLE_TIMEOUT``, ``RENDER_CONTEXT_MAX_PAGES``,
``RENDER_CAPTURE_RESOURCE_TYPES``, ``RENDER_CAPTURE_MAX_BYTES``, ``RENDER_MAXSIZE``,
``WARC_STRIP_REQUEST_HEADERS``,
``NEWSARC_SSRF_GUARD_ENABLED``, ``NEWSARC_ALLOWED_HOSTS``.

Stats written: ``render/pages_opened``, ``render/pages_closed``, ``render/pages_unclosed``,
``render/pages_force_closed``, ``render/page_retried`` (a new page after a crash, opened by
scrapy-playwright), ``render/browser_disconnected``, ``render/timeout``, ``render/crashed``,
``render/failed``, ``render/contexts_recycled``, ``render/ssrf_blocked``,
``render/ssrf_blocked/egress``, ``render/egress_unresolved``, ``render/egress_errors``,
``render/egress_too_large`` (a browser response over ``DOWNLOAD_MAXSIZE``),
``render/egress_encoded`` (a plain-HTTP browser response in a content coding although the proxy
asked for identity: refused, its decoded size cannot be counted),
``render/document_too_large`` (a page fetched without the browser: its document was over
``RENDER_MAXSIZE``), ``render/context_close_failed``, ``render/capture_skipped``,
``render/capture_too_large``,
``render/capture_failed``, ``render/capture_discarded``, ``render/pages_left_open`` (at spider
close). The records of what the browser fetched are counted by the WARC extension.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy import signals
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod

from crawler.connections import IdleBoundedPool, use_bounded_pool
from crawler.exceptions import BrowserCrashed, RenderError, RenderTimeout
from crawler.middlewares.ssrf import AllowList, GuardedResolver, is_forbidden_address, parse_ip
from crawler.render.capture import BrowserCapture
from crawler.render.docsize import DocumentSizeGuard
from crawler.render.egress import EgressGuardProxy
from crawler.render.limits import RenderLimits
from crawler.render.policy import RENDER_TOO_LARGE_FLAG
from crawler.signals import META_BROWSER_EXCHANGES
from crawler.warc.exchange import BrowserExchanges

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from typing import Self

    from playwright.async_api import Page
    from playwright.async_api import Request as PlaywrightRequest
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from twisted.internet.defer import Deferred

__all__ = [
    "BrowserCrashed",
    "RenderDownloadHandler",
    "RenderError",
    "RenderTimeout",
    "abort_heavy_resources",
]

logger = logging.getLogger(__name__)

#: Resource types the default ``PLAYWRIGHT_ABORT_REQUEST`` predicate refuses.
HEAVY_RESOURCE_TYPES = frozenset({"image", "media", "font"})
_CRASH_HINTS = ("has been closed", "crashed", "disconnected", "Target closed")
_CLOSE_TIMEOUT = 5.0  # seconds for page.close()/context.close() before giving up on them


def abort_heavy_resources(request: PlaywrightRequest) -> bool:
    """Default ``PLAYWRIGHT_ABORT_REQUEST``: skip images, media and fonts (speed, memory)."""
    return request.resource_type in HEAVY_RESOURCE_TYPES


def _resolve_with(resolver: GuardedResolver) -> Callable[[str], Awaitable[list[str]]]:
    async def resolve(host: str) -> list[str]:
        lookup: Deferred[Any] = resolver.getHostByName(host)
        return [str(await maybe_deferred_to_future(lookup))]

    return resolve


class RenderDownloadHandler(ScrapyPlaywrightDownloadHandler):  # type: ignore[misc]
    """scrapy-playwright's handler with page limits, context recycling, SSRF checks, capture."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        # Its plain (not rendered) requests' pool: bounded (crawler.connections).
        self._pool: IdleBoundedPool = use_bounded_pool(self._pool, crawler)
        self.crawler = crawler
        self.limits = RenderLimits.from_settings(crawler.settings)
        self.strip_headers = tuple(crawler.settings.getlist("WARC_STRIP_REQUEST_HEADERS"))
        self.ssrf_enabled = crawler.settings.getbool("NEWSARC_SSRF_GUARD_ENABLED")
        self._user_abort: Callable[[PlaywrightRequest], Any] | None = getattr(
            self, "abort_request", None
        )
        self.abort_request = self._abort
        self._allow: AllowList | None = None
        self._started = False
        self._start_lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(self.limits.concurrent_pages)
        self._generation = 0
        self._generation_pages = 0
        self._in_flight: dict[str, int] = {}
        self._closing = False
        self._disconnects = 0
        self.egress: EgressGuardProxy | None = None
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    # -- start and stop -------------------------------------------------------------------

    async def _maybe_launch_in_thread(self) -> None:
        """Not at engine start: the browser starts with the first rendered request."""

    async def _ensure_started(self) -> None:
        async with self._start_lock:
            if self._started:
                return
            if self.ssrf_enabled:
                await self._start_egress_proxy()
            await self._launch()
            self._started = True

    async def _start_egress_proxy(self) -> None:
        """Route all of chromium's traffic through the guard (see :mod:`.egress`)."""
        from twisted.internet import reactor  # noqa: PLC0415 - the one Scrapy installed

        resolver = getattr(reactor, "resolver", None)
        self.egress = EgressGuardProxy(
            lambda: self.allow,
            self._egress_refused,
            self._egress_unresolved,
            # The crawl's resolver: the browser sees the same DNS answers and checks as Scrapy.
            resolve=_resolve_with(resolver) if isinstance(resolver, GuardedResolver) else None,
            # DOWNLOAD_MAXSIZE holds for what the browser downloads too (scrapy-playwright
            # ignores it): each response through the proxy, pages and subresources alike.
            max_bytes=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"),
            on_too_large=self._egress_too_large,
            on_encoded=self._egress_encoded,
        )
        port = await self.egress.start()
        options = dict(self.config.launch_options)
        options["args"] = [
            *options.get("args", []),
            f"--proxy-server=http://127.0.0.1:{port}",
            "--proxy-bypass-list=<-loopback>",  # loopback goes through the proxy too
        ]
        self.config.launch_options = options

    def _egress_unresolved(self, target: str, why: str) -> None:
        self.stats.inc_value("render/egress_unresolved")
        logger.debug("Browser connection to %s failed: cannot resolve it (%s)", target, why)

    def _egress_too_large(self, target: str, size: int) -> None:
        self.stats.inc_value("render/egress_too_large")
        logger.warning(
            "Browser response cut off: %s is larger than DOWNLOAD_MAXSIZE (%d bytes or more)",
            target,
            size,
        )

    def _egress_encoded(self, target: str, coding: str) -> None:
        self.stats.inc_value("render/egress_encoded")
        logger.warning(
            "Browser response refused: %s came %s-encoded although identity was asked for, so "
            "its decoded size cannot be held to DOWNLOAD_MAXSIZE",
            target,
            coding,
        )

    def _egress_refused(self, target: str, why: str) -> None:
        self.stats.inc_value("render/ssrf_blocked")
        self.stats.inc_value("render/ssrf_blocked/egress")
        logger.warning(
            "Browser connection refused: %s (%s; allow it with NEWSARC_ALLOWED_HOSTS)",
            target,
            why,
        )

    async def _browser_disconnected_callback(self) -> None:
        if self._closing:
            await super()._browser_disconnected_callback()
            return
        self._disconnects += 1
        self.stats.inc_value("render/browser_disconnected")
        logger.warning("The browser disconnected (crashed or killed); it will be restarted")
        # Pages that died with the browser never give their context slots back, so a request
        # waiting for a slot in a dead context would wait for ever: wake them all (they then
        # fail on the dead context and scrapy-playwright retries them in the new browser).
        dead = list(self.context_wrappers.values())
        self._wake(dead)
        await super()._browser_disconnected_callback()
        self._wake(dead)

    def _wake(self, wrappers: list[Any]) -> None:
        for wrapper in wrappers:
            for _ in range(self.config.max_pages_per_context):
                wrapper.semaphore.release()

    async def _close(self) -> None:
        self._closing = True
        await super()._close()
        if self.egress is not None:
            await self.egress.close()

    def _spider_closed(self) -> None:
        """Every download is over: no page may be left open."""
        if self._started:
            left = sum(len(wrapper.context.pages) for wrapper in self.context_wrappers.values())
            self.stats.set_value("render/pages_left_open", left)
        if self.egress is not None and self.egress.errors:
            self.stats.set_value("render/egress_errors", self.egress.errors)

    # -- requests -------------------------------------------------------------------------

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            response: Response = await super().download_request(request)
            return response
        await self._ensure_started()
        async with self._slots:
            rendered = await self._render(request)
        if rendered is not None:
            return rendered
        # Its document was over RENDER_MAXSIZE: the page, not rendered, is archived as plain
        # HTTP gives it (the WARC extension and the spider read meta["playwright"]).
        request.meta["playwright"] = False
        response = await super().download_request(request)
        response.flags.append(RENDER_TOO_LARGE_FLAG)
        return response

    async def _render(self, request: Request) -> Response | None:
        """The rendered page, or None when its document is too large to render."""
        limits = self.limits
        capture = BrowserCapture(limits.capture_types, limits.capture_max_bytes)
        guard = DocumentSizeGuard(limits.max_document_bytes)
        disconnects = self._disconnects
        capture.record_ip = self.egress is None
        context = self._take_context()
        meta = request.meta
        meta.pop(META_BROWSER_EXCHANGES, None)  # a retry's copy of an earlier attempt's meta
        meta["playwright_context"] = context
        meta["playwright_context_kwargs"] = {"service_workers": "block"}
        meta.pop("playwright_include_page", None)  # pages are always closed here

        async def init_page(page: Page, playwright_request: Any) -> None:
            await capture.attach(page, playwright_request)
            await guard.attach(page)

        meta["playwright_page_init_callback"] = init_page
        handlers = dict(meta.get("playwright_page_event_handlers") or {})
        handlers["response"] = capture.on_response
        meta["playwright_page_event_handlers"] = handlers
        methods = list(meta.get("playwright_page_methods") or ())
        methods.append(PageMethod(capture.settle, limits.settle_timeout * 1000))
        meta["playwright_page_methods"] = methods
        rendering = asyncio.ensure_future(self._download_request(request, self.crawler.spider))
        guard.rendering = rendering
        try:
            response: Response = await asyncio.wait_for(rendering, timeout=limits.page_timeout)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not guard.tripped or (task is not None and task.cancelling()):
                raise  # not the guard's doing: the download itself is being cancelled
            self._too_large(request, guard)
            return None
        except TimeoutError as exc:
            if self._disconnects != disconnects:
                # The browser died while this page was in flight: not the page's fault.
                self.stats.inc_value("render/crashed")
                raise BrowserCrashed(
                    f"the browser died while rendering {request.url} (cut off after "
                    f"{limits.page_timeout:g} s)"
                ) from exc
            self.stats.inc_value("render/timeout")
            raise RenderTimeout(
                f"rendering {request.url} took more than {limits.page_timeout:g} s; cut off"
            ) from exc
        except PlaywrightError as exc:
            if guard.tripped:  # the guard closed the page under scrapy-playwright
                self._too_large(request, guard)
                return None
            if isinstance(exc, PlaywrightTimeoutError):
                self.stats.inc_value("render/timeout")
                raise RenderTimeout(f"rendering {request.url} timed out: {exc.message}") from exc
            if self._crashed(exc):
                self.stats.inc_value("render/crashed")
                raise BrowserCrashed(f"the browser died while rendering {request.url}") from exc
            self.stats.inc_value("render/failed")
            raise RenderError(f"rendering {request.url} failed: {exc.message}") from exc
        finally:
            await guard.wait_closed()
            await self._finish_page(capture)
            await self._release_context(context)
        if guard.tripped:  # rendered all the same, the close came late: the same outcome
            self._too_large(request, guard)
            return None
        self._hand_over(response, capture)
        return response

    def _too_large(self, request: Request, guard: DocumentSizeGuard) -> None:
        self.stats.inc_value("render/document_too_large")
        logger.warning(
            "Not rendered: the document of %s is larger than RENDER_MAXSIZE (%d bytes, %d or "
            "more seen); fetching it without the browser",
            guard.url or request.url,
            guard.max_bytes,
            guard.tripped,
        )

    def _crashed(self, exc: PlaywrightError) -> bool:
        browser = getattr(self, "browser", None)
        if browser is None or not browser.is_connected():
            return True
        return any(hint in exc.message for hint in _CRASH_HINTS)

    async def _finish_page(self, capture: BrowserCapture) -> None:
        """Close every page opened for the request, whatever happened; count them."""
        discarded = capture.discard_pending()
        if discarded:
            self.stats.inc_value("render/capture_discarded", discarded)
        if len(capture.pages) > 1:
            self.stats.inc_value("render/page_retried", len(capture.pages) - 1)
        for page in capture.pages:
            self.stats.inc_value("render/pages_opened")
            if not page.is_closed():
                self.stats.inc_value("render/pages_force_closed")
                await self._force_close(page)
            if page.is_closed():
                self.stats.inc_value("render/pages_closed")
            else:
                self.stats.inc_value("render/pages_unclosed")

    async def _force_close(self, page: Page) -> None:
        try:
            await asyncio.wait_for(page.close(), timeout=_CLOSE_TIMEOUT)
            return
        except (TimeoutError, PlaywrightError) as exc:
            logger.warning("Page %s did not close (%s); closing its context", page.url, exc)
        try:
            await asyncio.wait_for(page.context.close(), timeout=_CLOSE_TIMEOUT)
        except (TimeoutError, PlaywrightError) as exc:
            # The browser is unusable: let scrapy-playwright start a new one.
            logger.error("Could not close a browser context (%s); closing the browser", exc)
            self.stats.inc_value("render/browser_closed")
            browser = getattr(self, "browser", None)
            if browser is not None:
                with contextlib.suppress(PlaywrightError, TimeoutError):
                    await asyncio.wait_for(browser.close(), timeout=_CLOSE_TIMEOUT)

    # -- context recycling ----------------------------------------------------------------

    def _take_context(self) -> str:
        name = f"render-{self._generation}"
        self._in_flight[name] = self._in_flight.get(name, 0) + 1
        self._generation_pages += 1
        if self._generation_pages >= self.limits.context_max_pages:
            self._generation += 1
            self._generation_pages = 0
        return name

    async def _release_context(self, name: str) -> None:
        self._in_flight[name] -= 1
        if self._in_flight[name] or name == f"render-{self._generation}":
            return
        del self._in_flight[name]
        wrapper = self.context_wrappers.get(name)
        if wrapper is None:
            return
        self.stats.inc_value("render/contexts_recycled")
        try:
            await asyncio.wait_for(wrapper.context.close(), timeout=_CLOSE_TIMEOUT)
        except (TimeoutError, PlaywrightError) as exc:
            self.stats.inc_value("render/context_close_failed")
            logger.warning("Could not close recycled browser context %s: %s", name, exc)

    # -- what the browser may fetch -------------------------------------------------------

    async def _abort(self, request: PlaywrightRequest) -> bool:
        if self._user_abort is not None:
            verdict = self._user_abort(request)
            if asyncio.iscoroutine(verdict):
                verdict = await verdict
            if verdict:
                return True
        if not self.ssrf_enabled:
            return False
        why = await self._forbidden(request.url)
        if why is None:
            return False
        self.stats.inc_value("render/ssrf_blocked")
        logger.warning(
            "Browser request refused: %s (%s; allow it with NEWSARC_ALLOWED_HOSTS)",
            request.url,
            why,
        )
        return True

    @property
    def allow(self) -> AllowList:
        if self._allow is None:
            spider = self.crawler.spider
            start_urls = list(getattr(spider, "start_urls", None) or [])
            extra = self.crawler.settings.getlist("NEWSARC_ALLOWED_HOSTS")
            self._allow = AllowList.build(start_urls, extra)
        return self._allow

    async def _forbidden(self, url: str) -> str | None:
        """Why the browser must not fetch ``url``, or None."""
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"}:
            return None  # data:, blob: and the like never leave the browser
        host = parts.hostname or ""
        try:
            port = parts.port or {"http": 80, "https": 443}[parts.scheme]
        except ValueError:
            return "bad port"
        address = parse_ip(host)
        if address is not None:
            if not is_forbidden_address(address) or self.allow.allows(str(address), port):
                return None
            if self.allow.allows(host, port):
                return None
            return f"{address} is a loopback, private or link-local address"
        if self.allow.allows_host(host) or self.egress is not None:
            return None  # the egress proxy resolves and checks at connection time
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(loop.getaddrinfo(host, port), timeout=5)
        except (OSError, TimeoutError):
            return None  # the browser's own lookup will fail too
        for info in infos:
            resolved = parse_ip(str(info[4][0]))
            if resolved is not None and is_forbidden_address(resolved):
                return f"{host} resolves to {resolved}, a loopback, private or link-local address"
        return None

    # -- archive --------------------------------------------------------------------------

    def _hand_over(self, response: Response, capture: BrowserCapture) -> None:
        """Put the browser's responses into ``response.meta`` for the WARC extension, which
        writes them (before the DOM) when ``response_downloaded`` fires."""
        stats = self.stats
        for key, value in (
            ("render/capture_skipped", capture.skipped),
            ("render/capture_too_large", capture.too_large),
            ("render/capture_failed", capture.failed),
        ):
            if value:
                stats.inc_value(key, value)
        if not capture.responses:
            return
        ordered = sorted(capture.responses, key=lambda c: c.fetched_at)
        document = capture.document(response.url)
        response.meta[META_BROWSER_EXCHANGES] = BrowserExchanges(
            exchanges=tuple(captured.exchange(self.strip_headers) for captured in ordered),
            document=next((i for i, c in enumerate(ordered) if c is document), None),
        )
